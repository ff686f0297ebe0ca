import type { AddressInfo } from 'node:net';

import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

import { canary, keepMail } from './canary.js';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
}

/** A real SMTP server on a random local port, keeping what it receives. */
export interface TestSmtp {
  url: string;
  port: number;
  mails: ReceivedMail[];
  /** Refuse every message (simulates an outage) until set back to false. */
  failing: boolean;
  waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** `port` and `password` let a test restart the server where the app expects it. */
export async function startSmtp(port = 0, password = canary('smtp-password')): Promise<TestSmtp> {
  const state: TestSmtp = {
    url: '',
    port: 0,
    mails: [],
    failing: false,
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = state.mails.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error('expected mail did not arrive');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: async () => {},
  };
  // The app signs in with a canary password, as a real relay would require.
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.password !== password) return callback(new Error('535 bad credentials'));
      callback(null, { user: auth.username });
    },
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      if (state.failing) {
        stream.resume();
        stream.on('end', () => callback(new Error('451 temporary failure')));
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          keepMail(mail.text ?? '');
          state.mails.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.url = `smtp://finops:${password}@127.0.0.1:${state.port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

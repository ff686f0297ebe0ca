import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { eq, inArray } from 'drizzle-orm';

import { mailOutbox } from '../../src/db/schema.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMember, makeClient, makeUser, type TestUser } from '../support/factories.js';
import { pollUntil } from '../support/processes.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

/*
 * The mail server is gone (stopped: connections refused). Every action that mails answers
 * exactly as it does with the server up, the mails wait in the outbox, and once the server is
 * back each one is delivered exactly once however many times the outbox worker runs.
 */

type Answer = { status: number; body: unknown };

describe('SMTP down', () => {
  let smtp: TestSmtp;
  let port: number;
  let t: TestApp;
  /** Every mail the server received, across its restarts. */
  const received: TestSmtp['mails'] = [];

  before(async () => {
    smtp = await startSmtp();
    port = smtp.port;
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '100000' },
    });
  });
  after(async () => {
    await t.services.outbox.stop();
    await smtp.close();
    await t.close();
  });

  async function call(url: string, payload: unknown, token?: string) {
    const res = await t.app.inject({
      method: 'POST',
      url,
      payload: payload as Record<string, unknown>,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.statusCode, body: normalize(res.json()), raw: res.json() };
  }

  /** What a caller can observe of an answer, minus per-request ids and tokens. */
  const seen = ({ status, body }: Answer): Answer => ({ status, body });

  /** The three actions that mail; each returns every answer it got, in order. */
  async function mailingActions(root: TestUser, clientId: string) {
    const db = t.database.db;
    const answers: Record<string, Answer[]> = {};

    const forgetful = await makeUser(db);
    answers.forgot = [seen(await call('/api/auth/forgot-password', { email: forgetful.email }))];

    const locked = await makeUser(db);
    answers.lockout = [];
    for (let i = 0; i < 10; i += 1) {
      const wrong = { email: locked.email, password: `wrong password ${i} here` };
      answers.lockout.push(seen(await call('/api/auth/login', wrong)));
    }
    const right = { email: locked.email, password: locked.password };
    answers.lockout.push(seen(await call('/api/auth/login', right)));

    const login = await call('/api/auth/login', { email: root.email, password: root.password });
    assert.equal(login.status, 200);
    const token = (login.raw as { access_token: string }).access_token;
    const reason = 'Ticket 88: checking an ingestion for the owner';
    answers.privileged = [
      seen(await call('/api/auth/switch-client', { client_id: clientId, reason }, token)),
    ];
    return { answers, recipients: [forgetful.email, locked.email] };
  }

  it('answers as with SMTP up, keeps the mails, then delivers each exactly once', async () => {
    const db = t.database.db;
    const client = await makeClient(db, { name: 'Andes Retail' });
    const owner = await makeUser(db);
    await addMember(db, client.id, owner.id, 'owner');
    const root = await makeUser(db, { globalRole: 'root' });

    // Reference answers, and the mails they produce, with the server up.
    const up = await mailingActions(root, client.id);
    assert.equal(up.answers.forgot![0]!.status, 202);
    assert.equal(up.answers.lockout!.at(-1)!.status, 429);
    assert.equal(up.answers.privileged![0]!.status, 200);
    await t.services.outbox.drain();
    const upRecipients = [...up.recipients, owner.email];
    for (const to of upRecipients) await smtp.waitFor((m) => m.to.includes(to));
    received.push(...smtp.mails);

    // Down: stopped, so every connection is refused.
    await smtp.close();
    const before = new Date();
    const down = await mailingActions(root, client.id);
    assert.deepEqual(down.answers, up.answers);

    // The worker tries, fails, and the mails stay pending with the reason recorded.
    assert.equal(await t.services.outbox.drain(), 0);
    const pending = await db.select().from(mailOutbox).where(eq(mailOutbox.status, 'pending'));
    const queued = pending.filter((m) => m.createdAt >= before);
    const downRecipients = [...down.recipients, owner.email];
    assert.deepEqual(queued.map((m) => m.toAddress).sort(), [...downRecipients].sort());
    for (const m of queued) {
      assert.ok(m.attempts >= 1);
      assert.ok(m.lastError);
    }

    // Back on the same address. The failed attempt backed off 30 s: bring it due now instead
    // of waiting, then let the periodic worker tick many times.
    smtp = await startSmtp(port, decodeURIComponent(new URL(smtp.url).password));
    await db
      .update(mailOutbox)
      .set({ nextAttemptAt: new Date(0) })
      .where(
        inArray(
          mailOutbox.id,
          queued.map((m) => m.id),
        ),
      );
    t.services.outbox.start(20);
    await pollUntil('the queued mails delivered', async () => {
      const rows = await db
        .select({ status: mailOutbox.status })
        .from(mailOutbox)
        .where(
          inArray(
            mailOutbox.id,
            queued.map((m) => m.id),
          ),
        );
      return rows.every((r) => r.status === 'sent');
    });
    // More passes, explicit ones racing the periodic worker: nothing may be sent twice.
    for (let i = 0; i < 5; i += 1) await t.services.outbox.drain();
    await t.services.outbox.stop();

    const delivered = smtp.mails;
    for (const to of downRecipients) {
      const count = delivered.filter((m) => m.to.includes(to)).length;
      assert.equal(count, 1, `${to} got ${count} mails after the outage`);
    }
    assert.equal(delivered.length, downRecipients.length);
    // The mails sent before the outage were not sent again either.
    for (const to of up.recipients) {
      assert.equal(received.filter((m) => m.to.includes(to)).length, 1);
      assert.equal(delivered.filter((m) => m.to.includes(to)).length, 0);
    }
  });
});

/** Drops what differs between two identical requests: ids of the request and tokens. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        /^(requestId|access_token|refresh_token)$/.test(k) ? typeof v : normalize(v),
      ]),
    );
  }
  return value;
}

import type { Db } from '../../db/client.js';
import { withPlatform } from '../../db/tenant.js';
import type { Logger } from '../../lib/logger.js';
import type { Mailer } from '../../mail/mailer.js';
import { leaseDueMails, markFailedAttempt, markSent } from './outbox.model.js';
import { renderMail, type MailTemplate } from './templates.js';

const MAX_ATTEMPTS = 12;
const LEASE_SECONDS = 120;

export interface OutboxWorker {
  /** Sends every mail that is due now; returns how many were sent. */
  drain(): Promise<number>;
  start(intervalMs?: number): void;
  stop(): Promise<void>;
}

/**
 * Delivers queued mails after their transaction committed. An SMTP outage only delays them:
 * each failure backs off exponentially (30 s, 1 min, 2 min … capped at 1 h) and a mail is
 * marked sent right after the server accepted it.
 */
export function createOutboxWorker(deps: { db: Db; mailer: Mailer; logger: Logger }): OutboxWorker {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  async function sendBatch(): Promise<number> {
    const leased = await withPlatform(deps.db, (tx) => leaseDueMails(tx, 20, LEASE_SECONDS));
    let sent = 0;
    for (const row of leased) {
      try {
        const mail = { template: row.template, payload: row.payload } as MailTemplate;
        const rendered = renderMail(mail, row.locale);
        await deps.mailer.send({ to: row.toAddress, ...rendered });
        await withPlatform(deps.db, (tx) => markSent(tx, row.id));
        sent += 1;
      } catch (err) {
        const message = (err as Error).message?.slice(0, 500) ?? 'send failed';
        const retry =
          row.attempts >= MAX_ATTEMPTS ? null : Math.min(3600, 30 * 2 ** (row.attempts - 1));
        await withPlatform(deps.db, (tx) => markFailedAttempt(tx, row.id, message, retry));
        deps.logger.warn(
          { mailId: row.id, template: row.template, attempts: row.attempts, retryInSeconds: retry },
          'mail delivery failed',
        );
      }
    }
    return sent;
  }

  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const sent = await sendBatch();
      total += sent;
      if (sent < 20) return total;
    }
  }

  return {
    drain: async () => {
      // One drain at a time per process; a second caller waits for the running one.
      while (running) await running.catch(() => 0);
      running = drain();
      try {
        return await running;
      } finally {
        running = null;
      }
    },
    start(intervalMs = 2000) {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = drain();
        running
          .catch((err) => deps.logger.warn({ err: { message: err.message } }, 'outbox pass failed'))
          .finally(() => (running = null));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => 0);
    },
  };
}

import { and, eq, inArray, lte, sql } from 'drizzle-orm';

import type { Db, Tx } from '../../db/client.js';
import { mailOutbox } from '../../db/schema.js';
import type { MailTemplate } from './templates.js';

export type OutboxRow = typeof mailOutbox.$inferSelect;

/** Queues a mail in the caller's transaction: it exists only if the change it reports does. */
export async function enqueueMail(
  tx: Tx,
  to: string,
  locale: string,
  mail: MailTemplate,
): Promise<void> {
  await tx.insert(mailOutbox).values({
    toAddress: to,
    locale,
    template: mail.template,
    payload: mail.payload,
  });
}

/**
 * Leases up to `limit` due mails: their next attempt moves `leaseSeconds` ahead, so a worker
 * that dies mid-send releases them by time, and two workers never take the same row.
 */
export async function leaseDueMails(
  tx: Tx | Db,
  limit: number,
  leaseSeconds: number,
): Promise<OutboxRow[]> {
  const result = await tx.execute(sql`
    update mail_outbox
    set attempts = attempts + 1,
        next_attempt_at = now() + make_interval(secs => ${leaseSeconds})
    where id in (
      select id from mail_outbox
      where status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    )
    returning id
  `);
  const ids = (result as unknown as { rows: { id: string }[] }).rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const rows = await tx.select().from(mailOutbox).where(inArray(mailOutbox.id, ids));
  return rows;
}

export async function markSent(tx: Tx | Db, id: string): Promise<void> {
  await tx
    .update(mailOutbox)
    .set({ status: 'sent', sentAt: sql`now()`, lastError: null })
    .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'pending')));
}

export async function markFailedAttempt(
  tx: Tx | Db,
  id: string,
  error: string,
  retryInSeconds: number | null,
): Promise<void> {
  await tx
    .update(mailOutbox)
    .set(
      retryInSeconds === null
        ? { status: 'failed', lastError: error }
        : {
            lastError: error,
            nextAttemptAt: sql`now() + make_interval(secs => ${retryInSeconds})`,
          },
    )
    .where(eq(mailOutbox.id, id));
}

export async function countPendingMails(tx: Tx | Db): Promise<number> {
  const rows = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.status, 'pending'), lte(mailOutbox.createdAt, sql`now()`)));
  return rows[0]?.n ?? 0;
}

import { and, desc, eq, inArray, lt, ne, sql } from 'drizzle-orm';

import type { Tx } from '../../db/client.js';
import { clients, costDailyStaging, ingestions } from '../../db/schema.js';
import { FACT_COLUMNS } from '../ingestion/engine/copy-file.js';
import type { PeriodFound } from '../ingestion/engine/engine.types.js';
import type { IngestionStatus } from './ingestions.types.js';

export type IngestionRow = typeof ingestions.$inferSelect;
export type IngestionPatch = Partial<typeof ingestions.$inferInsert>;

const FACT_COLUMN_LIST = sql.raw(FACT_COLUMNS.join(', '));

/**
 * Inserts a new ingestion unless one of the same bytes is still live (queued, running or
 * succeeded); then it returns null. The partial unique index decides, so a race between two
 * uploads cannot leave two live rows.
 */
export async function insertIngestionUnlessLive(
  tx: Tx,
  row: typeof ingestions.$inferInsert,
): Promise<IngestionRow | null> {
  const [created] = await tx
    .insert(ingestions)
    .values(row)
    .onConflictDoNothing({
      target: [ingestions.clientId, ingestions.sha256],
      where: sql`${ingestions.status} in ('queued', 'running', 'succeeded')`,
    })
    .returning();
  return created ?? null;
}

export async function findIngestion(
  tx: Tx,
  clientId: string,
  id: string,
  forUpdate = false,
): Promise<IngestionRow | null> {
  const query = tx
    .select()
    .from(ingestions)
    .where(and(eq(ingestions.clientId, clientId), eq(ingestions.id, id)))
    .limit(1);
  const rows = forUpdate ? await query.for('update') : await query;
  return rows[0] ?? null;
}

export async function listIngestions(
  tx: Tx,
  clientId: string,
  options: { status?: IngestionStatus; limit: number; offset: number },
): Promise<{ rows: IngestionRow[]; total: number }> {
  const where = and(
    eq(ingestions.clientId, clientId),
    options.status ? eq(ingestions.status, options.status) : undefined,
  );
  const rows = await tx
    .select()
    .from(ingestions)
    .where(where)
    .orderBy(desc(ingestions.createdAt), desc(ingestions.id))
    .limit(options.limit)
    .offset(options.offset);
  const [count] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(ingestions)
    .where(where);
  return { rows, total: count?.n ?? 0 };
}

/**
 * The newest ingestion of the same bytes that makes a new one pointless: succeeded, or still
 * on its way. A failed or superseded one does not count, so the same file can be sent again.
 */
export async function findSameBytes(
  tx: Tx,
  clientId: string,
  sha256: string,
): Promise<IngestionRow | null> {
  const rows = await tx
    .select()
    .from(ingestions)
    .where(
      and(
        eq(ingestions.clientId, clientId),
        eq(ingestions.sha256, sha256),
        inArray(ingestions.status, ['queued', 'running', 'succeeded']),
      ),
    )
    .orderBy(desc(ingestions.createdAt))
    .limit(1);
  return rows[0] ?? null;
}

/** Takes a queued ingestion for this worker; null when another one took it or it ended. */
export async function claimQueued(
  tx: Tx,
  clientId: string,
  id: string,
  now: Date,
): Promise<IngestionRow | null> {
  const [row] = await tx
    .update(ingestions)
    .set({
      status: 'running',
      startedAt: now,
      heartbeatAt: now,
      progress: { phase: 'parsing', phaseStartedAt: now.toISOString() },
    })
    .where(
      and(
        eq(ingestions.clientId, clientId),
        eq(ingestions.id, id),
        eq(ingestions.status, 'queued'),
      ),
    )
    .returning();
  return row ?? null;
}

/** Updates a running ingestion only: a late heartbeat never touches a finished one. */
export async function updateRunning(
  tx: Tx,
  clientId: string,
  id: string,
  patch: IngestionPatch,
): Promise<IngestionRow | null> {
  const [row] = await tx
    .update(ingestions)
    .set(patch)
    .where(
      and(
        eq(ingestions.clientId, clientId),
        eq(ingestions.id, id),
        inArray(ingestions.status, ['queued', 'running']),
      ),
    )
    .returning();
  return row ?? null;
}

export async function deleteStaging(tx: Tx, clientId: string, ingestionId: string) {
  await tx
    .delete(costDailyStaging)
    .where(
      and(eq(costDailyStaging.clientId, clientId), eq(costDailyStaging.ingestionId, ingestionId)),
    );
}

/**
 * Serializes swaps of the same (client, provider, billing account, period) across processes.
 * Callers pass periods sorted, so two swaps always lock in the same order and cannot deadlock.
 */
export async function lockPeriods(tx: Tx, clientId: string, periods: readonly PeriodFound[]) {
  for (const p of periods) {
    const key = `${clientId}|${p.provider}|${p.billingAccountId}|${p.billingPeriodStart}`;
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
  }
}

/** Removes the live facts of whole periods of billing accounts (the "old" side of a swap). */
export async function deleteLivePeriods(
  tx: Tx,
  clientId: string,
  periods: readonly PeriodFound[],
): Promise<void> {
  const keys = sql.join(
    periods.map(
      (p) => sql`(${p.provider}::text, ${p.billingAccountId}::text, ${p.billingPeriodStart}::date)`,
    ),
    sql`, `,
  );
  await tx.execute(sql`
    delete from cost_daily
    where client_id = ${clientId}
      and (provider, billing_account_id, billing_period_start) in (values ${keys})`);
}

/** Moves an ingestion's staged facts into the live table; returns the number of rows. */
export async function moveStagingToLive(
  tx: Tx,
  clientId: string,
  ingestionId: string,
): Promise<number> {
  const result = (await tx.execute(sql`
    insert into cost_daily (${FACT_COLUMN_LIST})
    select ${FACT_COLUMN_LIST} from cost_daily_staging
    where client_id = ${clientId} and ingestion_id = ${ingestionId}`)) as unknown as {
    rowCount?: number | null;
    affectedRows?: number;
  };
  return result.rowCount ?? result.affectedRows ?? 0;
}

/**
 * Earlier succeeded ingestions whose every period this one replaced hold no live data any more:
 * they become `superseded`. One that still owns another period stays `succeeded`.
 */
export async function supersedeCovered(
  tx: Tx,
  clientId: string,
  by: string,
  periods: readonly PeriodFound[],
): Promise<string[]> {
  const covered = JSON.stringify(periods);
  const rows = await tx
    .update(ingestions)
    .set({ status: 'superseded', supersededBy: by })
    .where(
      and(
        eq(ingestions.clientId, clientId),
        eq(ingestions.status, 'succeeded'),
        ne(ingestions.id, by),
        sql`jsonb_array_length(${ingestions.periods}) > 0`,
        sql`${ingestions.periods} <@ ${covered}::jsonb`,
      ),
    )
    .returning({ id: ingestions.id });
  return rows.map((r) => r.id);
}

/** Running ingestions across clients (platform transaction), optionally only stale ones. */
export async function listRunning(
  tx: Tx,
  staleBefore: Date | null,
): Promise<{ id: string; clientId: string }[]> {
  return tx
    .select({ id: ingestions.id, clientId: ingestions.clientId })
    .from(ingestions)
    .where(
      and(
        eq(ingestions.status, 'running'),
        staleBefore ? lt(ingestions.heartbeatAt, staleBefore) : undefined,
      ),
    );
}

/** Uploads still queued since before `before`: their job may never have been sent. */
export async function listQueuedUploads(
  tx: Tx,
  before: Date,
): Promise<{ id: string; clientId: string }[]> {
  return tx
    .select({ id: ingestions.id, clientId: ingestions.clientId })
    .from(ingestions)
    .where(
      and(
        eq(ingestions.status, 'queued'),
        eq(ingestions.source, 'upload'),
        lt(ingestions.createdAt, before),
      ),
    );
}

export async function findClientIdBySlug(tx: Tx, slug: string): Promise<string | null> {
  const rows = await tx
    .select({ id: clients.id })
    .from(clients)
    .where(eq(clients.slug, slug))
    .limit(1);
  return rows[0]?.id ?? null;
}

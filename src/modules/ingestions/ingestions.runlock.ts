import pg from 'pg';

import type { Database } from '../../db/client.js';
import type { Logger } from '../../lib/logger.js';

/**
 * Who is still running an ingestion. The process that claims one holds a session advisory
 * lock on its id for the whole run, on a connection of its own; PostgreSQL drops the lock the
 * moment that process dies (kill -9, OOM, lost host), so the next recovery pass of any worker
 * knows the ingestion is orphaned at once instead of after its heartbeat goes stale. The
 * connection is outside the pool so a run never waits for, or starves, a pooled connection.
 * The embedded database serves one process, which recovers everything at start: no locks.
 */

const KEY = "hashtextextended('ingestion-run|' || $1, 0)";

export interface RunLock {
  release(): Promise<void>;
}

const NO_LOCK: RunLock = { release: async () => undefined };

/** Takes the run lock of an ingestion; null when a live process already holds it. */
export async function takeRunLock(
  database: Database,
  ingestionId: string,
  logger: Logger,
): Promise<RunLock | null> {
  if (!database.pool) return NO_LOCK;
  const client = new pg.Client(database.pool.options);
  // Losing this connection releases the lock; the run's own queries notice the outage.
  client.on('error', (err) =>
    logger.warn({ ingestionId, err: { message: err.message } }, 'run lock connection lost'),
  );
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>(
      `select pg_try_advisory_lock(${KEY}) as ok`,
      [ingestionId],
    );
    if (rows[0]?.ok !== true) {
      await client.end();
      return null;
    }
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  // Ending the session releases the lock; no unlock statement that could fail halfway.
  return { release: () => client.end().catch(() => undefined) };
}

/** Of these running ingestions, the ones no live process holds (their runner is gone). */
export async function withoutRunner(database: Database, ids: readonly string[]) {
  if (!database.pool || ids.length === 0) return new Set<string>();
  const free = new Set<string>();
  for (const id of ids) {
    // Autocommit: the transaction-level probe lock ends with the statement.
    const { rows } = await database.pool.query<{ free: boolean }>(
      `select pg_try_advisory_xact_lock(${KEY}) as free`,
      [id],
    );
    if (rows[0]?.free === true) free.add(id);
  }
  return free;
}

import { PgBoss, fromPglite } from 'pg-boss';

import type { Database } from '../db/client.js';
import type { Logger } from '../lib/logger.js';

export interface JobQueue {
  start(): Promise<void>;
  /** Stops fetching new jobs and waits (bounded) for running handlers to finish. */
  stop(timeoutMs?: number): Promise<void>;
  send(queue: string, data: object, options?: { singletonKey?: string }): Promise<string | null>;
  work<T extends object>(
    queue: string,
    handler: (data: T, jobId: string) => Promise<void>,
  ): Promise<void>;
  /** Queued plus active jobs per queue, for /metrics. */
  depth(): Promise<Record<string, number>>;
}

/**
 * pg-boss keeps jobs in the same PostgreSQL as the data (schema `pgboss`), so a job is never
 * lost between two systems. On the embedded database it shares PGlite's single connection.
 */
export function createJobQueue(database: Database, logger: Logger): JobQueue {
  const boss = database.pglite
    ? new PgBoss({ db: fromPglite(database.pglite), backend: 'pglite' })
    : new PgBoss({ db: fromPool(database) });
  const created = new Set<string>();
  let started = false;

  boss.on('error', (err) => logger.warn({ err: { message: err.message } }, 'job queue error'));

  async function ensureQueue(name: string) {
    if (created.has(name)) return;
    await boss.createQueue(name);
    created.add(name);
  }

  return {
    async start() {
      if (started) return;
      await boss.start();
      started = true;
    },
    async stop(timeoutMs = 10_000) {
      if (!started) return;
      started = false;
      await boss.stop({ graceful: true, timeout: timeoutMs });
    },
    async send(queue, data, options) {
      await ensureQueue(queue);
      return boss.send(queue, data, {
        retryLimit: 2,
        retryDelay: 5,
        ...(options?.singletonKey ? { singletonKey: options.singletonKey } : {}),
      });
    },
    async work(queue, handler) {
      await ensureQueue(queue);
      await boss.work(queue, { pollingIntervalSeconds: 1 }, async (jobs) => {
        for (const job of jobs) await handler(job.data as never, job.id);
      });
    },
    async depth() {
      if (!started) return {};
      const queues = await boss.getQueues();
      return Object.fromEntries(queues.map((q) => [q.name, q.queuedCount + q.activeCount]));
    },
  };
}

/** pg-boss runs its SQL through our pool so that one set of connection limits applies. */
function fromPool(database: Database) {
  const pool = database.pool!;
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await pool.query(text, values as unknown[]);
      return { rows: result.rows };
    },
  };
}

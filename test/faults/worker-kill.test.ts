import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import { sql } from 'drizzle-orm';
import pino from 'pino';

import { queryRows } from '../../src/db/client.js';
import { createJobQueue, type JobQueue } from '../../src/jobs/queue.js';
import type { FaultPoint } from '../../src/lib/fault-points.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  childPids,
  commandOf,
  isAlive,
  pollUntil,
  startFinops,
  type FinopsProcess,
} from '../support/processes.js';
import {
  apiTotals,
  caller,
  clientWithRoles,
  fixture,
  liveSums,
  upload,
  type LiveSums,
} from '../ingestions/support.js';

/*
 * `kill -9` of a real `finops worker` at named points of an ingestion (FINOPS_FAULT_PAUSE_AT
 * holds it there), then a restarted worker. At every moment the live totals stay those of the
 * previous ingestion; the killed one ends `failed` (interrupted) with its staging rows gone and
 * no engine child left behind; sending the file again gives exactly the clean run's totals.
 *
 * Every ingestion loads the same rows (the FOCUS sample, plain once, then gzipped at another
 * level each time: other bytes, same content), so each run must give the clean run's totals
 * and "whose rows are live" tells the previous ingestion from the killed one.
 */

const SAMPLE = fixture('focus-sample-data/FOCUS-1.0/focus_sample.csv');

interface Observer {
  /** Live sums that differed from the expected ones, with when they were seen. */
  deviations: { at: number; sums: LiveSums[] }[];
  samples: number;
  stop(): Promise<void>;
}

describe('kill -9 of the ingestion worker, then a restart', () => {
  let db: TestDatabase;
  let jobs: JobQueue;
  let t: TestApp;
  let dataDir: string;
  let tenant: Awaited<ReturnType<typeof clientWithRoles>>;
  let clean: LiveSums[];
  let liveIngestion: string;
  const started: FinopsProcess[] = [];
  const enginePids = new Set<number>();

  const worker = async (env: Record<string, string> = {}) => {
    const proc = await startFinops('worker', { databaseUrl: db.url!, dataDir, env });
    started.push(proc);
    return proc;
  };

  before(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'finops-kill-'));
    // This process is the API: it stores uploads in the shared DATA_DIR and queues the jobs;
    // only the worker processes run them.
    jobs = createJobQueue(db.database, pino({ level: 'silent' }));
    await jobs.start();
    t = await createTestApp({
      database: db.database,
      jobs,
      env: { DATA_DIR: dataDir, AUTH_RATE_LIMIT_PER_MINUTE: '100000' },
    });
    tenant = await clientWithRoles(t, { upload_mb: 20 });
  });

  after(async () => {
    for (const proc of started) await proc.stop();
    for (const pid of enginePids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await jobs?.stop(2000);
    await t?.close();
    await db?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function send(name: string, data: Buffer) {
    const res = await upload(t, tenant.admin, [{ name, data }]);
    assert.equal(res.statusCode, 202, res.body);
    return res.json().id as string;
  }

  async function ingestion(id: string) {
    const res = await caller(t)('GET', `/api/v1/ingestions/${id}`, tenant.viewer);
    return res.json();
  }

  async function finished(id: string) {
    return pollUntil(
      `ingestion ${id} to finish`,
      async () => {
        const ing = await ingestion(id);
        return ['succeeded', 'failed'].includes(ing.status) ? ing : null;
      },
      90_000,
    );
  }

  /** Which ingestions own the live rows of the client. */
  async function liveOwners(): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      db.database.db,
      sql`select distinct ingestion_id::text as id from cost_daily
          where client_id = ${tenant.clientId} order by 1`,
    );
    return rows.map((r) => r.id);
  }

  async function stagedRows(id: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      db.database.db,
      sql`select count(*)::int as n from cost_daily_staging where ingestion_id = ${id}`,
    );
    return row!.n;
  }

  /** Reads the live sums every 100 ms on its own connection until stopped. */
  function observe(expected: LiveSums[]): Observer {
    let running = true;
    const observer: Observer = { deviations: [], samples: 0, stop: async () => {} };
    const loop = (async () => {
      while (running) {
        const sums = await liveSums(db.database.db, tenant.clientId);
        observer.samples += 1;
        if (JSON.stringify(sums) !== JSON.stringify(expected)) {
          observer.deviations.push({ at: Date.now(), sums });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    observer.stop = async () => {
      running = false;
      await loop;
    };
    return observer;
  }

  it('a clean run gives the reference totals', async () => {
    const w = await worker();
    const id = await send('focus_sample.csv', readFileSync(SAMPLE));
    const ing = await finished(id);
    assert.equal(ing.status, 'succeeded', JSON.stringify(ing.error));
    clean = await liveSums(db.database.db, tenant.clientId);
    assert.ok(clean.length > 0 && clean[0]!.lines > 0);
    assert.deepEqual(apiTotals(ing), clean);
    assert.deepEqual(await liveOwners(), [id]);
    liveIngestion = id;

    w.child.kill('SIGTERM');
    assert.deepEqual(await w.exited, { code: 0, signal: null });
  });

  const points: { point: FaultPoint; level: number; staged: boolean }[] = [
    { point: 'ingest:engine', level: 1, staged: false },
    { point: 'ingest:staged', level: 5, staged: true },
    { point: 'ingest:swap', level: 9, staged: true },
  ];

  for (const { point, level, staged } of points) {
    const name = `killed at ${point}: old data stays, the run fails, a re-run equals the clean run`;
    it(name, async () => {
      assert.ok(clean, 'needs the clean run');
      const report = join(dataDir, `fault-${point.replace(':', '-')}.jsonl`);
      const paused = await worker({ FINOPS_FAULT_PAUSE_AT: point, FINOPS_FAULT_REPORT: report });
      const observer = observe(clean);
      try {
        const bytes = gzipSync(readFileSync(SAMPLE), { level });
        const id = await send(`focus_sample.csv.gz`, bytes);

        // Held at the point: the previous ingestion's rows are the live ones.
        await pollUntil(`the worker at ${point}`, () => existsSync(report), 90_000);
        // Children: the engine while it runs, and tsx's esbuild service.
        const children = childPids(paused.pid);
        for (const pid of children) enginePids.add(pid);
        const engines = children.filter((p) => commandOf(p).includes('engine/child'));
        assert.equal(engines.length > 0, point === 'ingest:engine', 'engine child running');
        assert.deepEqual(await liveOwners(), [liveIngestion]);
        assert.equal((await stagedRows(id)) > 0, staged);
        assert.equal((await ingestion(id)).status, 'running');

        paused.child.kill('SIGKILL');
        assert.equal((await paused.exited).signal, 'SIGKILL');
        // The engine child learns its parent is gone and ends (no orphaned DuckDB), as does
        // every other child of the killed worker.
        await pollUntil('the children to exit', () => children.every((p) => !isAlive(p)), 10_000);

        // A new worker finds the run orphaned at once and fails it; nothing live changed.
        const restarted = await worker();
        const failed = await finished(id);
        assert.equal(failed.status, 'failed');
        assert.equal(failed.error.code, 'interrupted');
        assert.equal(await stagedRows(id), 0);
        assert.deepEqual(await liveOwners(), [liveIngestion]);
        assert.deepEqual(await liveSums(db.database.db, tenant.clientId), clean);
        assert.equal(existsSync(join(dataDir, 'work', id)), false, 'work files removed');

        // The same bytes again: a failed run does not count as a duplicate.
        const rerun = await send(`focus_sample.csv.gz`, bytes);
        assert.notEqual(rerun, id);
        const done = await finished(rerun);
        assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
        assert.deepEqual(apiTotals(done), clean);
        assert.deepEqual(await liveOwners(), [rerun]);
        assert.equal((await ingestion(liveIngestion)).status, 'superseded');
        liveIngestion = rerun;

        restarted.child.kill('SIGTERM');
        assert.deepEqual(await restarted.exited, { code: 0, signal: null });
      } finally {
        await observer.stop();
      }
      assert.ok(observer.samples > 5, `only ${observer.samples} observations`);
      assert.deepEqual(observer.deviations, [], 'live totals changed during the fault');
    });
  }
});

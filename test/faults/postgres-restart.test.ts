import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import pg from 'pg';

import { openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { memberships } from '../../src/db/schema.js';
import { makeClient, makePlan, makeUser, subscribe, type TestUser } from '../support/factories.js';
import { fact, insertFacts } from '../support/facts.js';
import { createCluster, type PgCluster } from '../support/pg-cluster.js';
import { pollUntil, startFinops, type FinopsProcess } from '../support/processes.js';

/*
 * PostgreSQL goes away under steady traffic and comes back. The service (a real `finops serve`
 * process) must answer 503 with the standard error body while it is gone, never hang and never
 * leak a 500, keep /livez at 200, and serve again once the database is back, without a restart.
 * The cluster is this file's own: the machine's server is shared with other suites.
 */

interface Sample {
  path: string;
  status: number;
  body: string;
  ms: number;
  at: number;
}

/** Each request gets this long; a request that takes longer counts as a hang. */
const REQUEST_TIMEOUT_MS = 8000;

describe('PostgreSQL restarted under load', () => {
  let cluster: PgCluster;
  let server: FinopsProcess | null = null;
  let user: TestUser;

  before(async () => {
    cluster = await createCluster();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query('create database finops');
    await admin.end();

    const database = await openDatabase({ url: cluster.url('finops'), poolMax: 2 });
    try {
      await runMigrations(database);
      const db = database.db;
      const client = await makeClient(db);
      const plan = await makePlan(db);
      await subscribe(db, client.id, plan.id);
      user = await makeUser(db);
      await db.insert(memberships).values({ clientId: client.id, userId: user.id, role: 'owner' });
      const facts = Array.from({ length: 60 }, (_, i) =>
        fact({
          clientId: client.id,
          chargeDate: `2025-06-${String((i % 30) + 1).padStart(2, '0')}`,
          serviceName: `svc-${i % 4}`,
          cost: `${i + 1}.25`,
        }),
      );
      await insertFacts(db, facts);
    } finally {
      await database.close();
    }

    server = await startFinops('serve', {
      databaseUrl: cluster.url('finops'),
      env: { DATABASE_POOL_MAX: '6' },
    });
  });

  after(async () => {
    await server?.stop();
    cluster?.destroy();
  });

  /** Steady traffic from a few loops until `stop()`; every answer is kept. */
  function traffic(token: string) {
    const samples: Sample[] = [];
    let running = true;
    const request = async (path: string, init: RequestInit = {}) => {
      const started = Date.now();
      try {
        const res = await fetch(`${server!.baseUrl}${path}`, {
          ...init,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body = await res.text();
        samples.push({ path, status: res.status, body, ms: Date.now() - started, at: started });
      } catch (err) {
        // A hang (timeout) or a dropped connection: status 0 fails the run's assertions.
        const body = (err as Error).message;
        samples.push({ path, status: 0, body, ms: Date.now() - started, at: started });
      }
    };
    const summary = '/api/v1/costs/summary?from=2025-06-01&to=2025-06-30';
    const login = JSON.stringify({ email: user.email, password: user.password });
    const loops = [
      () => request('/readyz'),
      () => request('/livez'),
      () => request(summary, { headers: { authorization: `Bearer ${token}` } }),
      () =>
        request('/api/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: login,
        }),
    ].map(async (next) => {
      while (running) {
        await next();
        await new Promise((r) => setTimeout(r, 40));
      }
    });
    return {
      samples,
      since: (at: number) => samples.filter((s) => s.at >= at),
      async stop() {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  for (const mode of ['fast', 'immediate'] as const) {
    it(`answers 503 while the database is down (pg_ctl stop -m ${mode}) and recovers`, async () => {
      const login = await fetch(`${server!.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: user.password }),
      });
      assert.equal(login.status, 200);
      const token = ((await login.json()) as { access_token: string }).access_token;

      const load = traffic(token);
      /** Adds what the service answered and its last log lines to a failed wait. */
      const explained = (from: number, wait: () => Promise<unknown>) =>
        wait().catch((err: Error) => {
          const tail = server!
            .lines()
            .slice(-8)
            .map((l) => JSON.stringify(l));
          throw new Error(
            `${err.message}; answers: ${digest(load.since(from))}; server: ${tail.join('\n')}`,
          );
        });
      let loadStopped = false;
      try {
        // Up: everything answers.
        await pollUntil('traffic while up', () => load.samples.length >= 12, 20_000);
        assert.deepEqual(
          load.samples.filter((s) => s.status !== 200).map((s) => [s.path, s.status, s.body]),
          [],
        );

        // Down: wait for the service to notice, then watch it for a while.
        cluster.stop(mode);
        const downAt = Date.now();
        await explained(downAt, () =>
          pollUntil('a 503 from the summary', () =>
            load.since(downAt).some((s) => s.path.includes('summary') && s.status === 503),
          ),
        );
        const watchFrom = Date.now();
        await pollUntil(
          'two seconds of traffic while down',
          () =>
            Date.now() - watchFrom > 2000 &&
            new Set(load.since(watchFrom).map((s) => s.path)).size === 4,
        );
        const down = load.since(watchFrom);
        for (const s of down) {
          if (s.path === '/livez') {
            assert.equal(s.status, 200, 'liveness must not depend on the database');
          } else if (s.path === '/readyz') {
            assert.equal(s.status, 503);
            assert.deepEqual(JSON.parse(s.body), { status: 'unavailable' });
          } else {
            assert.equal(s.status, 503, `${s.path} while down: ${s.status} ${s.body}`);
            assertUnavailableBody(s.body);
          }
        }

        // Back: the same process serves again within a few seconds.
        cluster.start();
        const upAt = Date.now();
        await explained(upAt, () =>
          pollUntil(
            'every route answering 200 again',
            () => {
              // The latest answer of each route, among those sent after the restart.
              const latest = new Map(load.since(upAt).map((s) => [s.path, s.status]));
              return latest.size === 4 && [...latest.values()].every((status) => status === 200);
            },
            20_000,
          ),
        );
        const recovered = Date.now();
        // One more answer of every route, all of them 200.
        await pollUntil(
          'more traffic after recovery',
          () => new Set(load.since(recovered).map((s) => s.path)).size === 4,
        );
        await load.stop();
        loadStopped = true;

        const afterRecovery = load.since(recovered);
        assert.ok(afterRecovery.length > 0);
        assert.deepEqual(
          afterRecovery.filter((s) => s.status !== 200).map((s) => [s.path, s.status, s.body]),
          [],
        );

        // Over the whole run: only 200 and 503, never a 500, and nothing slow enough to be a hang.
        for (const s of load.samples) {
          assert.ok([200, 503].includes(s.status), `${s.path}: ${s.status} ${s.body}`);
          if (s.status === 503 && s.path !== '/readyz') assertUnavailableBody(s.body);
          assert.ok(s.ms < REQUEST_TIMEOUT_MS, `${s.path} took ${s.ms} ms`);
        }
        assert.equal(server!.child.exitCode, null, 'the service process must keep running');
        const fatal = server!.lines().filter((l) => Number(l.level ?? 0) >= 60);
        assert.deepEqual(fatal, []);
      } finally {
        if (!loadStopped) await load.stop().catch(() => undefined);
      }
    });
  }
});

function assertUnavailableBody(text: string): void {
  const body = JSON.parse(text) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(body).sort(), ['error']);
  assert.equal(body.error.code, 'service_unavailable');
  assert.equal(typeof body.error.message, 'string');
  assert.equal(typeof body.error.requestId, 'string');
  assert.doesNotMatch(text, /select|insert|postgres|ECONN|at .*\.ts/i);
}

/** Status counts per path, for failure messages. */
function digest(samples: Sample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const detail = s.status === 200 ? '' : s.body.slice(0, 80);
    const key = `${s.path.split('?')[0]} ${s.status} ${detail}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return JSON.stringify([...counts]);
}

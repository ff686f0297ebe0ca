/*
 * Cost analytics under load, on PostgreSQL: one client with 24 months of daily facts
 * (~100,000 a month), then p50/p99 of the summary and breakdown service calls with 16 in flight.
 * HTTP is left out on purpose (`bench/api.ts` measures it); this measures the service, the
 * queries and the pool.
 *
 *   node --import tsx bench/costs.ts [--admin-url postgres://…/postgres] [--fresh] [--drop]
 *     [--calls 320] [--concurrency 16] [--pool 10] [--months 24] [--facts-per-day 3300]
 *     [--no-cache]
 *
 * The data lives in the database `finops_bench_costs` (another size gets its own name) on the
 * admin URL's server and is reused by later runs (loading takes a few minutes on 2 cores);
 * --fresh rebuilds it, --drop removes it at the end. The last stdout line is `BENCH_JSON {…}`.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

import { sql } from 'drizzle-orm';

import { openDatabase, queryRows } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import type { RequestContext } from '../src/http/context.js';
import { createAnswerCache } from '../src/modules/costs/costs.cache.js';
import { createCostsService } from '../src/modules/costs/costs.service.js';
import {
  breakdownQuerySchema,
  parseCostQuery,
  summaryQuerySchema,
} from '../src/modules/costs/costs.types.js';
import {
  DEFAULT_ADMIN_URL,
  databaseUrl,
  emitResult,
  loadCostFacts,
  monthStart,
  percentile,
  withAdmin,
} from './support.js';

const FIRST_MONTH = '2023-07-01';

const { values: args } = parseArgs({
  options: {
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
    fresh: { type: 'boolean', default: false },
    drop: { type: 'boolean', default: false },
    calls: { type: 'string', default: '320' },
    concurrency: { type: 'string', default: '16' },
    pool: { type: 'string', default: '10' },
    months: { type: 'string', default: '24' },
    'facts-per-day': { type: 'string', default: '3300' },
    'no-cache': { type: 'boolean', default: false },
  },
});
const MONTHS = Number(args.months);
const FACTS_PER_DAY = Number(args['facts-per-day']);
const DB_NAME =
  MONTHS === 24 && FACTS_PER_DAY === 3300
    ? 'finops_bench_costs'
    : `finops_bench_costs_${MONTHS}m_${FACTS_PER_DAY}`;

interface Measured {
  name: string;
  calls: number;
  failed: number;
  p50Ms: number | null;
  p99Ms: number | null;
  callsPerSecond: number | null;
}

async function measure(
  name: string,
  calls: number,
  concurrency: number,
  call: () => Promise<unknown>,
): Promise<Measured> {
  await call(); // warm the plan cache and the buffers once
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        next += 1;
        const t0 = performance.now();
        try {
          await call();
          times.push(performance.now() - t0);
        } catch {
          // An overloaded pool refuses after its connect timeout; count it, keep measuring.
          failed += 1;
        }
      }
    }),
  );
  const wall = performance.now() - started;
  times.sort((a, b) => a - b);
  if (times.length === 0) {
    console.log(`${name.padEnd(34)} every call failed`);
    return { name, calls, failed, p50Ms: null, p99Ms: null, callsPerSecond: null };
  }
  const result = {
    name,
    calls,
    failed,
    p50Ms: Math.round(percentile(times, 50)),
    p99Ms: Math.round(percentile(times, 99)),
    callsPerSecond: Math.round((times.length / wall) * 10_000) / 10,
  };
  console.log(
    `${name.padEnd(34)} p50 ${String(result.p50Ms).padStart(5)} ms   ` +
      `p99 ${String(result.p99Ms).padStart(5)} ms   ${result.callsPerSecond} calls/s` +
      (failed ? `   ${failed} failed` : ''),
  );
  return result;
}

async function main(): Promise<void> {
  const adminUrl = args['admin-url']!;
  const exists = await withAdmin(adminUrl, async (c) => {
    if (args.fresh) await c.query(`drop database if exists ${DB_NAME} with (force)`);
    const r = await c.query('select 1 from pg_database where datname = $1', [DB_NAME]);
    if (r.rowCount === 0) await c.query(`create database ${DB_NAME}`);
    return r.rowCount !== 0;
  });

  const database = await openDatabase({
    url: databaseUrl(adminUrl, DB_NAME),
    poolMax: Number(args.pool),
  });
  try {
    await runMigrations(database);
    let [row] = await queryRows<{ id: string }>(
      database.db,
      sql`select id from clients where slug = 'bench-costs'`,
    );
    if (!exists || !row) {
      console.log(`loading ${MONTHS} months × ~${FACTS_PER_DAY * 30} facts into ${DB_NAME}…`);
      const id = await loadCostFacts(database, {
        slug: 'bench-costs',
        firstMonth: FIRST_MONTH,
        months: MONTHS,
        factsPerDay: FACTS_PER_DAY,
        onMonth: (m, ms) => console.log(`  month ${m}/${MONTHS} loaded in ${ms} ms`),
      });
      row = { id };
    }
    const [count] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from cost_daily where client_id = ${row.id}::uuid`,
    );
    console.log(`client facts: ${count!.n.toLocaleString('en')}`);

    // "Today" is the day after the data ends, so the last month is complete.
    const first = new Date(`${FIRST_MONTH}T00:00:00Z`);
    const today = monthStart(first, MONTHS);
    // As the app runs it (src/container.ts), unless --no-cache measures the queries alone.
    const costs = createCostsService({
      db: database.db,
      clock: { now: () => new Date(`${today}T12:00:00Z`) },
      ...(args['no-cache'] ? {} : { cache: createAnswerCache(500) }),
    });
    const ctx: RequestContext = {
      requestId: 'bench',
      ip: '127.0.0.1',
      userAgent: null,
      actor: {
        userId: randomUUID(),
        email: 'bench@example.test',
        locale: 'en',
        globalRole: null,
        clientId: row.id,
        clientRole: 'viewer',
        capabilities: new Set(['costs:read']),
        mustChangePassword: false,
        sessionId: randomUUID(),
      },
    };

    const calls = Number(args.calls);
    const concurrency = Number(args.concurrency);
    console.log(`${calls} calls each, ${concurrency} in flight, pool ${args.pool}`);
    const month = { month: monthStart(first, MONTHS - 1).slice(0, 7) };
    const lastDay = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000);
    const quarter = { from: monthStart(first, MONTHS - 3), to: lastDay.toISOString().slice(0, 10) };
    const cases: [string, number, () => Promise<unknown>][] = [
      [
        'summary (month)',
        calls,
        () => costs.summary(ctx, parseCostQuery(summaryQuerySchema, month)),
      ],
      [
        'breakdown service (month)',
        calls,
        () =>
          costs.breakdown(
            ctx,
            parseCostQuery(breakdownQuerySchema, { ...month, group_by: 'service' }),
          ),
      ],
      [
        'breakdown service × day (month)',
        calls,
        () =>
          costs.breakdown(
            ctx,
            parseCostQuery(breakdownQuerySchema, {
              ...month,
              group_by: 'service',
              granularity: 'day',
            }),
          ),
      ],
      [
        'breakdown tag:team (month)',
        calls,
        () =>
          costs.breakdown(
            ctx,
            parseCostQuery(breakdownQuerySchema, { ...month, group_by: 'tag:team' }),
          ),
      ],
      [
        'summary (quarter)',
        Math.ceil(calls / 4),
        () => costs.summary(ctx, parseCostQuery(summaryQuerySchema, quarter)),
      ],
    ];
    const results: Measured[] = [];
    for (const [name, n, call] of cases) results.push(await measure(name, n, concurrency, call));

    emitResult({
      bench: 'costs',
      cache: !args['no-cache'],
      months: MONTHS,
      facts: count!.n,
      calls,
      concurrency,
      pool: Number(args.pool),
      results,
    });
  } finally {
    await database.close();
    if (args.drop)
      await withAdmin(adminUrl, (c) => c.query(`drop database if exists ${DB_NAME} with (force)`));
  }
}

await main();

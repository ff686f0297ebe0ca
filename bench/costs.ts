/*
 * Cost analytics under load, on PostgreSQL: one client with 24 months of daily facts
 * (~100,000 a month), then p50/p99 of the summary and breakdown service calls with 16 in flight.
 * HTTP is left out on purpose (it comes later); this measures the service, the queries and the
 * pool.
 *
 *   node --import tsx bench/costs.ts [--admin-url postgres://…/postgres] [--fresh] [--drop]
 *     [--calls 320] [--concurrency 16] [--pool 10]
 *
 * The data lives in the database `finops_bench_costs` on the admin URL's server and is reused
 * by later runs (loading takes a few minutes on 2 cores); --fresh rebuilds it, --drop removes
 * it at the end.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

import { sql } from 'drizzle-orm';
import pg from 'pg';

import { openDatabase, queryRows, type Database } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { clients } from '../src/db/schema.js';
import type { RequestContext } from '../src/http/context.js';
import { createCostsService } from '../src/modules/costs/costs.service.js';
import {
  breakdownQuerySchema,
  parseCostQuery,
  summaryQuerySchema,
} from '../src/modules/costs/costs.types.js';

const DB_NAME = 'finops_bench_costs';
const FIRST_MONTH = '2023-07-01';
const MONTHS = 24;
/** Facts per day: 24 months × ~30.4 days × 3,300 ≈ 2.4 million, ~100,000 a month. */
const FACTS_PER_DAY = 3300;

const { values: args } = parseArgs({
  options: {
    'admin-url': {
      type: 'string',
      default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    fresh: { type: 'boolean', default: false },
    drop: { type: 'boolean', default: false },
    calls: { type: 'string', default: '320' },
    concurrency: { type: 'string', default: '16' },
    pool: { type: 'string', default: '10' },
  },
});

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: args['admin-url'] });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function urlOf(name: string): string {
  const url = new URL(args['admin-url']!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Builds the data set server-side, one month per statement, so nothing big crosses the wire. */
async function load(database: Database): Promise<string> {
  const { db } = database;
  const [client] = await db
    .insert(clients)
    .values({ slug: 'bench-costs', name: 'Bench', country: 'CL', currency: 'USD' })
    .returning({ id: clients.id });
  const [other] = await db
    .insert(clients)
    .values({ slug: 'bench-other', name: 'Other', country: 'MX', currency: 'USD' })
    .returning({ id: clients.id });

  for (let m = 0; m < MONTHS; m += 1) {
    const started = performance.now();
    await db.execute(sql`
      insert into cost_daily (client_id, ingestion_id, provider, billing_account_id,
        sub_account_id, sub_account_name, billing_period_start, charge_date, service_name,
        service_category, region_id, resource_id, usage_type, usage_unit, usage_quantity,
        line_item_type, charge_category, pricing_category, commitment_id, commitment_type,
        commitment_status, billing_currency, tags, billed_cost, net_billed_cost, effective_cost,
        net_effective_cost, list_cost, line_count)
      select ${client!.id}::uuid, ${randomUUID()}::uuid, 'aws', '111111111111',
        'acct-' || (r % 12), 'Account ' || (r % 12), ms, d::date,
        'Service ' || (r % 40),
        (array['Compute', 'Databases', 'Storage', 'Networking', 'Analytics'])[1 + (r % 40) % 5],
        'region-' || (r % 8), 'res-' || r || '-' || (r % 40), 'usage-' || (r % 120), 'Hrs',
        (1 + r % 50)::numeric,
        case when r % 50 = 0 then 'DiscountedUsage' else 'Usage' end,
        case when r = 1 then 'Tax' when r = 2 then 'Credit' else 'Usage' end,
        case when r % 50 = 0 then 'Committed' else 'Standard' end,
        case when r % 50 = 0 then 'arn:ri-' || (r % 7) end,
        case when r % 50 = 0 then 'Reserved Instance' end,
        case when r % 50 = 0 then 'Used' end,
        case when r % 20 = 0 then 'EUR' else 'USD' end,
        case when r % 3 = 0 then '{}'::jsonb
          else jsonb_build_object('team', 'team-' || (r % 7),
            'env', case when r % 2 = 0 then 'prod' else 'dev' end) end,
        c * 1.1, c * 1.05, c, c * 0.97, c * 1.3, 24
      from (select ${`${FIRST_MONTH}`}::date + make_interval(months => ${m}) as ms) m
      cross join lateral generate_series(ms, ms + interval '1 month' - interval '1 day',
        interval '1 day') as d
      cross join generate_series(1, ${FACTS_PER_DAY}) as r
      cross join lateral (select round((random() * 10)::numeric, 4) as c) cost
    `);
    const ms = Math.round(performance.now() - started);
    console.log(`  month ${m + 1}/${MONTHS} loaded in ${ms} ms`);
  }
  // A neighbour with a little data, so tenant filtering has something to filter.
  await db.execute(sql`
    insert into cost_daily (client_id, ingestion_id, provider, billing_account_id,
      billing_period_start, charge_date, charge_category, billing_currency, billed_cost,
      net_billed_cost, effective_cost, net_effective_cost, list_cost, line_count)
    select ${other!.id}::uuid, ${randomUUID()}::uuid, 'aws', '2', date_trunc('month', d)::date,
      d::date, 'Usage', 'USD', 1, 1, 1, 1, 1, 1
    from generate_series(${FIRST_MONTH}::date, ${FIRST_MONTH}::date + 700, interval '1 day') d
  `);
  await db.execute(sql`analyze cost_daily`);
  return client!.id;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(
  name: string,
  calls: number,
  concurrency: number,
  call: () => Promise<unknown>,
): Promise<void> {
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
    return;
  }
  console.log(
    `${name.padEnd(34)} p50 ${percentile(times, 50).toFixed(0).padStart(5)} ms   ` +
      `p99 ${percentile(times, 99).toFixed(0).padStart(5)} ms   ` +
      `${((times.length / wall) * 1000).toFixed(1)} calls/s` +
      (failed ? `   ${failed} failed` : ''),
  );
}

async function main(): Promise<void> {
  const exists = await admin(async (c) => {
    if (args.fresh) await c.query(`drop database if exists ${DB_NAME} with (force)`);
    const r = await c.query('select 1 from pg_database where datname = $1', [DB_NAME]);
    if (r.rowCount === 0) await c.query(`create database ${DB_NAME}`);
    return r.rowCount !== 0;
  });

  const database = await openDatabase({ url: urlOf(DB_NAME), poolMax: Number(args.pool) });
  try {
    await runMigrations(database);
    let [row] = await queryRows<{ id: string }>(
      database.db,
      sql`select id from clients where slug = 'bench-costs'`,
    );
    if (!exists || !row) {
      console.log(`loading ${MONTHS} months × ~${FACTS_PER_DAY * 30} facts into ${DB_NAME}…`);
      row = { id: await load(database) };
    }
    const [count] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from cost_daily where client_id = ${row.id}::uuid`,
    );
    console.log(`client facts: ${count!.n.toLocaleString('en')}`);

    // "Today" is the day after the data ends, so the last month is complete.
    const costs = createCostsService({
      db: database.db,
      clock: { now: () => new Date('2025-07-01T12:00:00Z') },
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
    const month = { month: '2025-06' };
    await measure('summary (month)', calls, concurrency, () =>
      costs.summary(ctx, parseCostQuery(summaryQuerySchema, month)),
    );
    await measure('breakdown service (month)', calls, concurrency, () =>
      costs.breakdown(ctx, parseCostQuery(breakdownQuerySchema, { ...month, group_by: 'service' })),
    );
    await measure('breakdown service × day (month)', calls, concurrency, () =>
      costs.breakdown(
        ctx,
        parseCostQuery(breakdownQuerySchema, { ...month, group_by: 'service', granularity: 'day' }),
      ),
    );
    await measure('breakdown tag:team (month)', calls, concurrency, () =>
      costs.breakdown(
        ctx,
        parseCostQuery(breakdownQuerySchema, { ...month, group_by: 'tag:team' }),
      ),
    );
    await measure('summary (quarter)', Math.ceil(calls / 4), concurrency, () =>
      costs.summary(
        ctx,
        parseCostQuery(summaryQuerySchema, { from: '2025-04-01', to: '2025-06-30' }),
      ),
    );
  } finally {
    await database.close();
    if (args.drop) await admin((c) => c.query(`drop database if exists ${DB_NAME} with (force)`));
  }
}

await main();

/*
 * What the benches share: a throw-away database on a PostgreSQL server, the synthetic cost facts
 * the analytics benches query, percentiles, and the one-line result format `bench/all.ts` reads.
 */
import { randomUUID } from 'node:crypto';

import { sql } from 'drizzle-orm';
import pg from 'pg';

import type { Database } from '../src/db/client.js';
import { clients } from '../src/db/schema.js';
import { rebuildRollup } from '../src/modules/costs/costs.rollup.js';

export const DEFAULT_ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Prefix of the last stdout line of every bench: `BENCH_JSON {"bench":"costs",…}`. One line of
 * JSON, so `bench/all.ts` never parses the human-readable text above it.
 */
export const RESULT_PREFIX = 'BENCH_JSON ';

export function emitResult(result: { bench: string } & Record<string, unknown>): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** Runs `fn` on a short connection to the server's maintenance database. */
export async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The URL of another database on the admin URL's server. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** First day (UTC) of the month `offset` months after the month of `date`. */
export function monthStart(date: Date, offset = 0): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
  return d.toISOString().slice(0, 10);
}

export interface CostFactsOptions {
  /** Slug of the client that gets the data (a neighbour `<slug>-other` gets a little). */
  slug: string;
  firstMonth: string;
  months: number;
  /** 3,300 a day is ~100,000 facts a month, the size the targets speak of. */
  factsPerDay: number;
  onMonth?: (month: number, ms: number) => void;
}

/**
 * Builds the data set server-side, one month per statement, so nothing big crosses the wire:
 * 40 services, 12 accounts, 8 regions, RI-covered lines, two currencies, tags on two thirds.
 * Returns the client's id. Needs a connection that may write every tenant (the bench connects
 * as the server's superuser, which row-level security does not apply to).
 * The analytics rollup is maintained at ingestion, which this direct insert bypasses: it is
 * rebuilt at the end, as the swap would have done.
 */
export async function loadCostFacts(database: Database, o: CostFactsOptions): Promise<string> {
  const { db } = database;
  const [client] = await db
    .insert(clients)
    .values({ slug: o.slug, name: 'Bench', country: 'CL', currency: 'USD' })
    .returning({ id: clients.id });
  const [other] = await db
    .insert(clients)
    .values({ slug: `${o.slug}-other`, name: 'Other', country: 'MX', currency: 'USD' })
    .returning({ id: clients.id });

  for (let m = 0; m < o.months; m += 1) {
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
      from (select ${o.firstMonth}::date + make_interval(months => ${m}) as ms) m
      cross join lateral generate_series(ms, ms + interval '1 month' - interval '1 day',
        interval '1 day') as d
      cross join generate_series(1, ${o.factsPerDay}) as r
      cross join lateral (select round((random() * 10)::numeric, 4) as c) cost
    `);
    o.onMonth?.(m + 1, Math.round(performance.now() - started));
  }

  // A neighbour with a little data, so tenant filtering has something to filter.
  await db.execute(sql`
    insert into cost_daily (client_id, ingestion_id, provider, billing_account_id,
      billing_period_start, charge_date, charge_category, billing_currency, billed_cost,
      net_billed_cost, effective_cost, net_effective_cost, list_cost, line_count)
    select ${other!.id}::uuid, ${randomUUID()}::uuid, 'aws', '2', date_trunc('month', d)::date,
      d::date, 'Usage', 'USD', 1, 1, 1, 1, 1, 1
    from generate_series(${o.firstMonth}::date,
      ${o.firstMonth}::date + make_interval(months => ${o.months}) - interval '1 day',
      interval '1 day') d
  `);
  for (const id of [client!.id, other!.id]) {
    await db.transaction((tx) => rebuildRollup(tx, id));
  }
  await db.execute(sql`analyze cost_daily`);
  await db.execute(sql`analyze cost_daily_rollup`);
  return client!.id;
}

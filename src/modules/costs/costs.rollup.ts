import { sql, type SQL } from 'drizzle-orm';

import type { Queryable } from '../../db/client.js';
import { METRIC_COLUMNS } from './costs.types.js';

/*
 * Upkeep of `cost_daily_rollup`, the grouped copy of `cost_daily` the summary, breakdown and
 * trend read when a question needs no per-resource detail. Whoever writes the facts of a
 * period calls `refreshRollup()` for it in the same transaction, so a reader sees the old
 * facts with the old rollup or the new with the new, never a mix. The migration that created
 * the table (drizzle/0010_cost_rollup.sql) groups the same columns the same way for the facts
 * that existed before it.
 */

/** The unit a swap replaces: one billing period of one billing account. */
export interface RollupPeriod {
  provider: string;
  billingAccountId: string;
  billingPeriodStart: string;
}

/** Grouping columns shared by `cost_daily` and the rollup, `charge_date` last. */
const KEY_COLUMNS = [
  'provider',
  'billing_account_id',
  'billing_account_name',
  'sub_account_id',
  'sub_account_name',
  'billing_period_start',
  'service_name',
  'service_category',
  'region_id',
  'line_item_type',
  'charge_category',
  'pricing_category',
  'commitment_id',
  'commitment_type',
  'commitment_status',
  'billing_currency',
] as const;

// The metrics' own columns: a new metric is summed here without a second list to keep in step.
const MONEY_COLUMNS = Object.values(METRIC_COLUMNS);

const KEYS = sql.raw(KEY_COLUMNS.join(', '));
const INSERT_COLUMNS = sql.raw(
  ['client_id', 'grain', ...KEY_COLUMNS, 'charge_date', 'tagged', ...MONEY_COLUMNS]
    .concat(['line_count', 'fact_count'])
    .join(', '),
);
const SUMS = sql.raw(MONEY_COLUMNS.map((c) => `sum(${c})`).join(', '));

function periodKeys(periods: readonly RollupPeriod[]): SQL {
  const rows = periods.map(
    (p) => sql`(${p.provider}::text, ${p.billingAccountId}::text, ${p.billingPeriodStart}::date)`,
  );
  return sql`(provider, billing_account_id, billing_period_start) in (values ${sql.join(
    rows,
    sql`, `,
  )})`;
}

/**
 * Rebuilds the rollup rows of these periods from the live facts and bumps the client's
 * `cost_data_version`. Call it after the facts of the periods changed, inside that transaction;
 * a period with no facts left simply loses its rollup rows.
 */
export async function refreshRollup(
  tx: Queryable,
  clientId: string,
  periods: readonly RollupPeriod[],
): Promise<void> {
  if (periods.length > 0) {
    const inPeriods = periodKeys(periods);

    await tx.execute(sql`
      delete from cost_daily_rollup where client_id = ${clientId}::uuid and ${inPeriods}`);

    await tx.execute(sql`
      insert into cost_daily_rollup (${INSERT_COLUMNS})
      select client_id, 'day', ${KEYS}, charge_date, tags <> '{}'::jsonb, ${SUMS},
        sum(line_count), count(*)::int
      from cost_daily
      where client_id = ${clientId}::uuid and ${inPeriods}
      group by client_id, ${KEYS}, charge_date, tags <> '{}'::jsonb`);

    // Months from the day rows just written: a month is a few hundred times fewer rows to read.
    await tx.execute(sql`
      insert into cost_daily_rollup (${INSERT_COLUMNS})
      select client_id, 'month', ${KEYS}, date_trunc('month', charge_date)::date, tagged,
        ${SUMS}, sum(line_count), sum(fact_count)::int
      from cost_daily_rollup
      where client_id = ${clientId}::uuid and grain = 'day' and ${inPeriods}
      group by client_id, ${KEYS}, date_trunc('month', charge_date), tagged`);
  }

  // Last, so the client row is locked only for the rest of the writer's transaction.
  await tx.execute(sql`
    update clients set cost_data_version = cost_data_version + 1 where id = ${clientId}::uuid`);
}

/**
 * Rebuilds the whole rollup of a client from its facts, for data written outside an ingestion
 * (benchmark loads, repairs), inside the caller's transaction.
 */
export async function rebuildRollup(tx: Queryable, clientId: string): Promise<void> {
  const periods = (await tx.execute(sql`
    select distinct provider, billing_account_id as "billingAccountId",
      billing_period_start::text as "billingPeriodStart"
    from cost_daily where client_id = ${clientId}::uuid`)) as unknown as { rows: RollupPeriod[] };
  // Period by period: each statement stays within a request-sized statement timeout.
  for (const period of periods.rows) await refreshRollup(tx, clientId, [period]);
}

/** The client's cost data version; read before the data it keys so a cache is never stale. */
export async function costDataVersion(tx: Queryable, clientId: string): Promise<number | null> {
  const result = (await tx.execute(
    sql`select cost_data_version as v from clients where id = ${clientId}::uuid`,
  )) as unknown as { rows: { v: string | number }[] };
  const row = result.rows[0];
  return row ? Number(row.v) : null;
}

import { sql, type SQL } from 'drizzle-orm';

import { queryRows, type Tx } from '../../db/client.js';
import { grainPieces } from './costs.fns.js';
import {
  DIMENSIONS,
  METRIC_COLUMNS,
  type Dimension,
  type FixedDimension,
  type Granularity,
  type Metric,
} from './costs.types.js';

/*
 * Queries over `cost_daily`. Every function takes the transaction, the tenant and its params;
 * every statement filters `client_id` itself even though row-level security filters too.
 * Column and dimension names come only from the allowlists below; user text reaches SQL only
 * as bind parameters. Money leaves PostgreSQL as NUMERIC text, ratios as float8.
 */

export interface CostFilter {
  metric: Metric;
  providers: string[];
  accounts: string[];
  services: string[];
  regions: string[];
  /** Tag filters grouped by key: values of one key are alternatives, keys all must match. */
  tags: { key: string; values: string[] }[];
  chargeCategories: string[];
  includeCredits: boolean;
  includeRefunds: boolean;
  includeTax: boolean;
}

export interface DayRange {
  from: string;
  to: string;
}

// ---------------------------------------------------------------------------------------------
// Fragments
// ---------------------------------------------------------------------------------------------

const day = (d: string) => sql`${d}::date`;

function metricColumn(metric: Metric): SQL {
  return sql`${sql.identifier(METRIC_COLUMNS[metric])}`;
}

function inList(values: string[]): SQL {
  return sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );
}

/*
 * Kinds of charge the include switches act on. AWS refunds keep their line type; FOCUS files
 * carry refunds and other corrections as charge category Adjustment.
 */
export const IS_TAX = sql`(charge_category = 'Tax')`;
export const IS_REFUND = sql`(coalesce(line_item_type, '') = 'Refund'
  or charge_category = 'Adjustment')`;
export const IS_CREDIT = sql`(charge_category = 'Credit'
  and coalesce(line_item_type, '') <> 'Refund')`;

/** Usage whose price a commitment (RI, Savings Plan, CUD) reduced. */
export const IS_COVERED = sql`(charge_category = 'Usage' and (commitment_status = 'Used'
  or line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage')))`;
/** The unused part of a commitment: FOCUS Unused rows, AWS RIFee / SP recurring fee rows. */
export const IS_UNUSED = sql`(commitment_status = 'Unused'
  or line_item_type in ('RIFee', 'SavingsPlanRecurringFee'))`;
/*
 * On-demand usage a commitment could have covered. Compute and databases are where RIs and
 * Savings Plans apply; Spot (Dynamic) and other pricing are left out.
 * TODO: use a per-provider eligibility map (CID's compute SP eligible spend) once ingestion
 * keeps the usage-type families for it.
 */
export const IS_ELIGIBLE_ON_DEMAND = sql`(charge_category = 'Usage' and commitment_id is null
  and coalesce(commitment_status, '') = '' and pricing_category = 'Standard'
  and service_category in ('Compute', 'Databases'))`;

/** Rows the include switches leave in. */
function included(f: CostFilter): SQL {
  const out: SQL[] = [];
  if (!f.includeCredits) out.push(sql`not ${IS_CREDIT}`);
  if (!f.includeRefunds) out.push(sql`not ${IS_REFUND}`);
  if (!f.includeTax) out.push(sql`not ${IS_TAX}`);
  return out.length ? sql.join(out, sql` and `) : sql`true`;
}

/** Tenant, period and dimension filters (not the include switches). */
function scope(clientId: string, f: CostFilter, range: DayRange): SQL {
  const parts: SQL[] = [
    sql`client_id = ${clientId}::uuid`,
    sql`charge_date between ${day(range.from)} and ${day(range.to)}`,
  ];
  if (f.providers.length) parts.push(sql`provider in (${inList(f.providers)})`);
  if (f.accounts.length) {
    parts.push(sql`(billing_account_id in (${inList(f.accounts)})
      or sub_account_id in (${inList(f.accounts)}))`);
  }
  if (f.services.length) parts.push(sql`service_name in (${inList(f.services)})`);
  if (f.regions.length) parts.push(sql`region_id in (${inList(f.regions)})`);
  if (f.chargeCategories.length) {
    parts.push(sql`charge_category in (${inList(f.chargeCategories)})`);
  }
  for (const t of f.tags) parts.push(sql`(tags ->> ${t.key}) in (${inList(t.values)})`);
  return sql.join(parts, sql` and `);
}

/** Scope plus the include switches: what "the cost" means for most questions. */
function where(clientId: string, f: CostFilter, range: DayRange): SQL {
  return sql`${scope(clientId, f, range)} and ${included(f)}`;
}

// ---------------------------------------------------------------------------------------------
// Sources: the facts, or the rollup
// ---------------------------------------------------------------------------------------------

/** `cost_daily`, or `cost_daily_rollup` (see src/modules/costs/costs.rollup.ts). */
export type FactSource = 'facts' | 'rollup';

/** Fixed dimensions the rollup sums away. */
const DETAIL_DIMENSIONS: readonly string[] = ['resource', 'usage_type'] as const;

/**
 * The one decision on where a question reads: the rollup carries every column these queries
 * use except per-resource detail and tag values, so it answers unless a tag filter or a
 * grouping by resource, usage type or tag needs the facts.
 */
export function sourceFor(f: CostFilter, dimensions: readonly (Dimension | null)[]): FactSource {
  if (f.tags.length > 0) return 'facts';
  const detail = dimensions.some(
    (d) => d !== null && (d.startsWith('tag:') || DETAIL_DIMENSIONS.includes(d)),
  );
  return detail ? 'facts' : 'rollup';
}

/**
 * The rows to read, as a FROM item with the fact columns the queries use. The rollup is read
 * at the coarsest grain allowed: whole months as month rows unless `days` (a daily or weekly
 * series) asks for day rows, and never a month across one of `cuts` (see grainPieces).
 */
function rowsOf(
  src: FactSource,
  clientId: string,
  range: DayRange,
  grains: { days?: boolean; cuts?: readonly string[] } = {},
): SQL {
  if (src === 'facts') return sql`cost_daily`;

  const pieces = grains.days
    ? [{ grain: 'day', from: range.from, to: range.to }]
    : grainPieces(range.from, range.to, grains.cuts);
  const ranges = pieces.map(
    (p) => sql`(grain = ${p.grain} and charge_date between ${day(p.from)} and ${day(p.to)})`,
  );
  return sql`(
    select * from cost_daily_rollup
    where client_id = ${clientId}::uuid and (${sql.join(ranges, sql` or `)})
  ) as rollup`;
}

/** Rows with at least one tag: the facts keep the tags, the rollup a flag. */
function taggedOf(src: FactSource): SQL {
  return src === 'facts' ? sql`tags <> '{}'::jsonb` : sql`tagged`;
}

interface DimensionSql {
  key: SQL;
  label: SQL;
}

const FIXED_DIMENSIONS: Record<FixedDimension, DimensionSql> = {
  provider: { key: sql`provider`, label: sql`provider` },
  service: { key: sql`service_name`, label: sql`service_name` },
  service_category: { key: sql`service_category`, label: sql`service_category` },
  // The account that used the resource: the sub-account when there is one.
  account: {
    key: sql`coalesce(sub_account_id, billing_account_id)`,
    label: sql`case when sub_account_id is not null
      then coalesce(sub_account_name, sub_account_id)
      else coalesce(billing_account_name, billing_account_id) end`,
  },
  region: { key: sql`region_id`, label: sql`region_id` },
  resource: { key: sql`resource_id`, label: sql`resource_id` },
  charge_category: { key: sql`charge_category`, label: sql`charge_category` },
  pricing_category: { key: sql`pricing_category`, label: sql`pricing_category` },
  usage_type: { key: sql`usage_type`, label: sql`usage_type` },
};

export function dimensionSql(dimension: Dimension): DimensionSql {
  if ((DIMENSIONS as readonly string[]).includes(dimension)) {
    return FIXED_DIMENSIONS[dimension as FixedDimension];
  }
  // `tag:<key>`: the key is a bind parameter; rows without the tag give NULL, the untagged bucket.
  const key = dimension.slice('tag:'.length);
  return { key: sql`(tags ->> ${key})`, label: sql`(tags ->> ${key})` };
}

function bucketSql(granularity: Granularity): SQL {
  switch (granularity) {
    case 'none':
      return sql`null::date`;
    case 'day':
      return sql`charge_date`;
    case 'week':
      return sql`date_trunc('week', charge_date::timestamp)::date`;
    case 'month':
      return sql`date_trunc('month', charge_date::timestamp)::date`;
  }
}

const ratio = (num: SQL, den: SQL) => sql`(${num} / nullif(${den}, 0))::float8`;

/**
 * Settings for one analytics transaction, transaction-local: 16 MB of work memory lets a
 * month's group-by hash instead of sorting on disk. (JIT, which cost ~0.8 s of compiling on
 * these aggregates, is off for every connection: see PG_SESSION_OPTIONS in src/db/client.ts.)
 */
export async function prepareAnalytics(tx: Tx): Promise<void> {
  await tx.execute(sql`select set_config('work_mem', '16MB', true)`);
}

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------

export interface SummaryRanges {
  period: DayRange;
  previous: DayRange;
  monthStart: string;
  /** First day of the run-rate window used for the month-end forecast. */
  rateFrom: string;
  daysLeftInMonth: number;
}

export interface SummaryRow {
  currency: string;
  total: string;
  previous: string;
  change: string;
  change_pct: number | null;
  month_to_date: string;
  forecast_month_end: string;
  daily_average: string;
  credits: string;
  refunds: string;
  tax: string;
  list_cost: string;
  savings: string;
  esr: number | null;
  coverage: number | null;
  utilization: number | null;
  unused: string;
  tagged: string;
  tagged_share: number | null;
}

export async function summaryByCurrency(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  r: SummaryRanges,
  src: FactSource,
): Promise<SummaryRow[]> {
  const lo = [r.previous.from, r.monthStart].sort()[0]!;
  const days = 1 + (Date.parse(r.period.to) - Date.parse(r.period.from)) / 86_400_000;
  const rateDays = 1 + (Date.parse(r.period.to) - Date.parse(r.rateFrom)) / 86_400_000;

  const rows = (range: DayRange, grains: Parameters<typeof rowsOf>[3], rateOnly: boolean) => sql`
    select billing_currency, ${rateOnly ? sql`null::date` : sql`charge_date`} as d,
      ${metricColumn(f.metric)} as m, list_cost, net_effective_cost, effective_cost,
      ${rateOnly ? sql`false` : sql`charge_date >= ${day(r.period.from)}`} as cur,
      ${included(f)} as inc,
      ${IS_CREDIT} as is_credit, ${IS_REFUND} as is_refund, ${IS_TAX} as is_tax,
      charge_category = 'Usage' as usage,
      ${IS_COVERED} as covered, ${IS_UNUSED} as unused,
      ${IS_ELIGIBLE_ON_DEMAND} as eligible,
      ${taggedOf(src)} as tagged,
      ${rateOnly ? sql`true` : sql`false`} as rate_only
    from ${rowsOf(src, clientId, range, grains)}
    where ${scope(clientId, f, range)}`;
  /*
   * Every figure but the run rate is a FILTERed sum over one pass of the rows from `lo`, read
   * at the coarsest grain that keeps each figure's days apart (months where they allow). The
   * run rate's days are read again as rows that count for it alone (no day, not current), so
   * they do not force their whole month to day rows.
   */
  const main = rows(
    { from: lo, to: r.period.to },
    { cuts: [r.period.from, r.previous.from, addDaysSql(r.previous.to, 1), r.monthStart] },
    false,
  );
  const rate = rows({ from: r.rateFrom, to: r.period.to }, { days: true }, true);

  return queryRows<SummaryRow>(
    tx,
    sql`
      with a as (
        select billing_currency as currency,
          coalesce(sum(m) filter (where cur and inc), 0) as total,
          coalesce(sum(m) filter (where d between ${day(r.previous.from)}
            and ${day(r.previous.to)} and inc), 0) as previous,
          coalesce(sum(m) filter (where d >= ${day(r.monthStart)} and inc), 0) as mtd,
          coalesce(sum(m) filter (where rate_only and inc), 0) as rate_sum,
          coalesce(sum(m) filter (where cur and is_credit), 0) as credits,
          coalesce(sum(m) filter (where cur and is_refund), 0) as refunds,
          coalesce(sum(m) filter (where cur and is_tax), 0) as tax,
          coalesce(sum(list_cost) filter (where cur and usage), 0) as list_usage,
          coalesce(sum(net_effective_cost) filter (where cur and usage), 0) as net_eff_usage,
          coalesce(sum(list_cost) filter (where cur and covered), 0) as covered_list,
          coalesce(sum(list_cost) filter (where cur and eligible), 0) as eligible_list,
          coalesce(sum(effective_cost) filter (where cur and covered), 0) as used,
          coalesce(sum(effective_cost) filter (where cur and unused), 0) as unused,
          -- Tag coverage is measured over usage charges: credits, tax and fees carry no tags,
          -- and counting them in the base let the share pass 100 %.
          coalesce(sum(m) filter (where cur and inc and usage and tagged), 0) as tagged,
          coalesce(sum(m) filter (where cur and inc and usage), 0) as usage_total
        from (
          ${main}
          union all
          ${rate}
        ) x
        group by billing_currency
      )
      select currency,
        total::text, previous::text, (total - previous)::text as change,
        case when previous <> 0
          then round((total - previous) / abs(previous) * 100, 2)::float8 end as change_pct,
        mtd::text as month_to_date,
        round(mtd + rate_sum / ${rateDays}::numeric * ${r.daysLeftInMonth}::numeric, 2)::text
          as forecast_month_end,
        round(total / ${days}::numeric, 2)::text as daily_average,
        credits::text, refunds::text, tax::text,
        list_usage::text as list_cost,
        (list_usage - net_eff_usage)::text as savings,
        (1 - net_eff_usage / nullif(list_usage, 0))::float8 as esr,
        ${ratio(sql`covered_list`, sql`(covered_list + eligible_list)`)} as coverage,
        ${ratio(sql`used`, sql`(used + unused)`)} as utilization,
        unused::text,
        tagged::text, ${ratio(sql`tagged`, sql`usage_total`)} as tagged_share
      from a
      order by currency
    `,
  );
}

// ---------------------------------------------------------------------------------------------
// Breakdown
// ---------------------------------------------------------------------------------------------

export interface BreakdownParams {
  groupBy: Dimension;
  groupBy2: Dimension | null;
  granularity: Granularity;
  limit: number;
}

export interface BreakdownDbRow {
  currency: string;
  bucket: string | null;
  key: string | null;
  label: string | null;
  key2: string | null;
  label2: string | null;
  others: boolean;
  cost: string;
  share: number | null;
  currency_total: string;
}

/**
 * The names the client gave its cloud accounts, by account id. Names still equal to the id
 * (discovered accounts before the data carried a name) are left out, so the billing data's
 * own name wins over them. Read apart from the cached answers: a rename does not change the
 * cost data version, and must show at once.
 */
export async function cloudAccountNames(tx: Tx, clientId: string): Promise<Map<string, string>> {
  const rows = await queryRows<{ id: string; name: string }>(
    tx,
    sql`select billing_account_id as id, name from cloud_accounts
        where client_id = ${clientId}::uuid and name <> billing_account_id
        order by archived_at nulls first, provider`,
  );
  const names = new Map<string, string>();
  for (const r of rows) if (!names.has(r.id)) names.set(r.id, r.name);
  return names;
}

export async function breakdown(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  range: DayRange,
  p: BreakdownParams,
  src: FactSource,
): Promise<BreakdownDbRow[]> {
  // Weeks cross month boundaries: day and week buckets read day rows.
  const daily = p.granularity === 'day' || p.granularity === 'week';
  const d1 = dimensionSql(p.groupBy);
  const d2 = p.groupBy2
    ? dimensionSql(p.groupBy2)
    : { key: sql`null::text`, label: sql`null::text` };

  /*
   * Groups are ranked per currency by their cost over the whole period (dense_rank over the
   * group total, ties broken by key), so a group keeps its rank in every time bucket and the
   * rows beyond `limit` fold into one "Others" row per bucket.
   */
  return queryRows<BreakdownDbRow>(
    tx,
    sql`
      with base as (
        select currency, bucket, k1, k2, max(l1) as l1, max(l2) as l2, sum(m) as cost
        from (
          select billing_currency as currency, ${bucketSql(p.granularity)} as bucket,
            ${d1.key} as k1, ${d1.label} as l1, ${d2.key} as k2, ${d2.label} as l2,
            ${metricColumn(f.metric)} as m
          from ${rowsOf(src, clientId, range, { days: daily })}
          where ${where(clientId, f, range)}
        ) x
        group by currency, bucket, k1, k2
      ),
      ranked as (
        select base.*,
          dense_rank() over (partition by currency
            order by group_total desc, k1 nulls last, k2 nulls last) as rnk
        from (
          select base.*, sum(cost) over (partition by currency, k1, k2) as group_total
          from base
        ) base
      ),
      folded as (
        select currency, bucket, rnk > ${p.limit}::int as others,
          case when rnk <= ${p.limit}::int then k1 end as k1,
          case when rnk <= ${p.limit}::int then k2 end as k2,
          max(case when rnk <= ${p.limit}::int then l1 end) as l1,
          max(case when rnk <= ${p.limit}::int then l2 end) as l2,
          min(rnk) as rnk,
          sum(cost) as cost
        from ranked
        group by 1, 2, 3, 4, 5
      )
      select currency, to_char(bucket, 'YYYY-MM-DD') as bucket,
        k1 as key, l1 as label, k2 as key2, l2 as label2, others, cost::text,
        ${ratio(sql`cost`, sql`sum(cost) over (partition by currency, bucket)`)} as share,
        (sum(cost) over (partition by currency))::text as currency_total
      from folded
      order by currency, bucket nulls first, others, rnk
    `,
  );
}

/** Cost per currency; also answers for currencies breakdown rows were folded out of. */
export async function totalsByCurrency(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  range: DayRange,
  src: FactSource,
): Promise<{ currency: string; cost: string }[]> {
  return queryRows(
    tx,
    sql`
      select billing_currency as currency, sum(${metricColumn(f.metric)})::text as cost
      from ${rowsOf(src, clientId, range)}
      where ${where(clientId, f, range)}
      group by billing_currency
      order by billing_currency
    `,
  );
}

// ---------------------------------------------------------------------------------------------
// Trend
// ---------------------------------------------------------------------------------------------

export async function trend(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  range: DayRange,
  granularity: 'day' | 'week' | 'month',
  src: FactSource,
): Promise<{ currency: string; bucket: string; cost: string }[]> {
  const bucket = bucketSql(granularity);
  const steps = {
    day: sql`interval '1 day'`,
    week: sql`interval '7 days'`,
    month: sql`interval '1 month'`,
  };
  const step = steps[granularity];
  const first =
    granularity === 'day'
      ? sql`${day(range.from)}::timestamp`
      : sql`date_trunc(${granularity}, ${day(range.from)}::timestamp)`;

  // Every bucket of the period for every currency seen in it, so gaps read as 0, not as holes.
  return queryRows(
    tx,
    sql`
      with f as (
        select currency, bucket, sum(m) as cost
        from (
          select billing_currency as currency, ${bucket} as bucket,
            ${metricColumn(f.metric)} as m
          from ${rowsOf(src, clientId, range, { days: granularity !== 'month' })}
          where ${where(clientId, f, range)}
        ) x
        group by currency, bucket
      ),
      currencies as (select distinct currency from f),
      buckets as (
        select generate_series(${first}, ${day(range.to)}::timestamp, ${step})::date as bucket
      )
      select c.currency, to_char(b.bucket, 'YYYY-MM-DD') as bucket,
        coalesce(f.cost, 0)::text as cost
      from currencies c
      cross join buckets b
      left join f on f.currency = c.currency and f.bucket = b.bucket
      order by c.currency, b.bucket
    `,
  );
}

// ---------------------------------------------------------------------------------------------
// Movers
// ---------------------------------------------------------------------------------------------

export interface MoverDbRow {
  currency: string;
  key: string | null;
  label: string | null;
  previous: string;
  current: string;
  change: string;
  change_pct: number | null;
  usage_effect: string;
  price_effect: string;
  new_cost: string;
  removed_cost: string;
  direction: 'up' | 'down';
  currency_current: string;
  currency_previous: string;
}

export async function movers(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  period: DayRange,
  previous: DayRange,
  groupBy: 'service' | 'account' | 'resource',
  limit: number,
): Promise<MoverDbRow[]> {
  const dim = FIXED_DIMENSIONS[groupBy];

  /*
   * Components are (usage type, usage unit) within a group. The usage effect of a component
   * with quantities in both periods is (q1 − q0) × c0/q0, rounded to the fact table's 10
   * places; the price effect is the exact remainder, so the parts always add up to the change.
   */
  return queryRows<MoverDbRow>(
    tx,
    sql`
      with comp as (
        select currency, k, max(l) as l, ut, uu,
          coalesce(sum(m) filter (where cur), 0) as c1,
          coalesce(sum(m) filter (where not cur), 0) as c0,
          coalesce(sum(q) filter (where cur), 0) as q1,
          coalesce(sum(q) filter (where not cur), 0) as q0,
          bool_or(cur) as in1, bool_or(not cur) as in0
        from (
          select billing_currency as currency, ${dim.key} as k, ${dim.label} as l,
            coalesce(usage_type, '') as ut, coalesce(usage_unit, '') as uu,
            usage_quantity as q, ${metricColumn(f.metric)} as m,
            charge_date >= ${day(period.from)} as cur
          from cost_daily
          where ${where(clientId, f, { from: previous.from, to: period.to })}
        ) x
        group by currency, k, ut, uu
      ),
      grp as (
        select currency, k, max(l) as l, sum(c0) as c0, sum(c1) as c1,
          bool_or(in0) as in0, bool_or(in1) as in1,
          sum(case when uu <> '' and q0 > 0 and q1 > 0
            then round((q1 - q0) * (c0 / q0), 10) else c1 - c0 end) as usage_both
        from comp
        group by currency, k
      ),
      ranked as (
        select grp.*, c1 - c0 as change,
          row_number() over (partition by currency order by c1 - c0 desc, k nulls last) as up,
          row_number() over (partition by currency order by c1 - c0 asc, k nulls last) as down,
          sum(c1) over (partition by currency) as currency_current,
          sum(c0) over (partition by currency) as currency_previous
        from grp
      )
      select currency, k as key, l as label, c0::text as previous, c1::text as current,
        change::text,
        case when c0 <> 0 then round(change / abs(c0) * 100, 2)::float8 end as change_pct,
        (case when in0 and in1 then usage_both else 0 end)::text as usage_effect,
        (case when in0 and in1 then change - usage_both else 0 end)::text as price_effect,
        (case when not in0 then change else 0 end)::text as new_cost,
        (case when not in1 then change else 0 end)::text as removed_cost,
        case when change > 0 then 'up' else 'down' end as direction,
        currency_current::text, currency_previous::text
      from ranked
      where (change > 0 and up <= ${limit}::int) or (change < 0 and down <= ${limit}::int)
      order by ranked.currency, ranked.change desc
    `,
  );
}

/** Current and previous totals per currency, for currencies with no mover at all. */
export async function periodTotals(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  period: DayRange,
  previous: DayRange,
  src: FactSource,
): Promise<{ currency: string; current: string; previous: string; change: string }[]> {
  const range = { from: previous.from, to: period.to };
  return queryRows(
    tx,
    sql`
      select currency, cur::text as current, prev::text as previous, (cur - prev)::text as change
      from (
      select billing_currency as currency,
        coalesce(sum(m) filter (where charge_date >= ${day(period.from)}), 0) as cur,
        coalesce(sum(m) filter (where charge_date < ${day(period.from)}), 0) as prev
      from (
        select billing_currency, charge_date, ${metricColumn(f.metric)} as m
        from ${rowsOf(src, clientId, range, { cuts: [period.from] })}
        where ${where(clientId, f, range)}
      ) x
      group by billing_currency
      ) t
      order by currency
    `,
  );
}

// ---------------------------------------------------------------------------------------------
// Forecast inputs
// ---------------------------------------------------------------------------------------------

/** Last day with cost on or before `asOf` (any currency), or null when there is none. */
export async function lastCostDay(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  asOf: string,
  src: FactSource,
): Promise<{ first: string | null; last: string | null }> {
  const range = { from: '0001-01-01', to: asOf };
  const [row] = await queryRows<{ first: string | null; last: string | null }>(
    tx,
    sql`
      select to_char(min(charge_date), 'YYYY-MM-DD') as first,
        to_char(max(charge_date), 'YYYY-MM-DD') as last
      from ${rowsOf(src, clientId, range, { days: true })}
      where ${where(clientId, f, range)}
    `,
  );
  return row ?? { first: null, last: null };
}

export async function dailyCosts(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  range: DayRange,
  src: FactSource,
): Promise<{ currency: string; day: string; cost: string }[]> {
  return queryRows(
    tx,
    sql`
      select billing_currency as currency, to_char(charge_date, 'YYYY-MM-DD') as day,
        sum(${metricColumn(f.metric)})::text as cost
      from ${rowsOf(src, clientId, range, { days: true })}
      where ${where(clientId, f, range)}
      group by billing_currency, charge_date
      order by billing_currency, charge_date
    `,
  );
}

// ---------------------------------------------------------------------------------------------
// Anomalies
// ---------------------------------------------------------------------------------------------

export interface AnomalyParams {
  groupBy: 'service' | 'account';
  windowDays: number;
  k: number;
  minAmount: number;
}

export interface AnomalyDbRow {
  currency: string;
  day: string;
  key: string | null;
  label: string | null;
  cost: string;
  baseline_mean: string;
  baseline_std_dev: string;
  excess: string;
  drivers: { resourceId: string | null; cost: string; excess: string }[] | null;
}

export async function anomalies(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  period: DayRange,
  p: AnomalyParams,
): Promise<AnomalyDbRow[]> {
  // Window frames take a literal; the value is a validated integer, not caller text.
  if (!Number.isInteger(p.windowDays) || p.windowDays < 1 || p.windowDays > 366) {
    throw new Error('windowDays must be a small integer');
  }
  const w = sql.raw(String(p.windowDays));
  const dim = FIXED_DIMENSIONS[p.groupBy];
  const lo = addDaysSql(period.from, -p.windowDays);

  return queryRows<AnomalyDbRow>(
    tx,
    sql`
      with daily as (
        select currency, k, max(l) as l, d, sum(m) as cost
        from (
          select billing_currency as currency, ${dim.key} as k, ${dim.label} as l,
            charge_date as d, ${metricColumn(f.metric)} as m
          from cost_daily
          where ${where(clientId, f, { from: lo, to: period.to })}
        ) x
        group by currency, k, d
      ),
      groups as (select currency, k, max(l) as l from daily group by currency, k),
      days as (
        select generate_series(
          greatest(${day(lo)},
            (select min(charge_date) from cost_daily where client_id = ${clientId}::uuid)
          )::timestamp,
          ${day(period.to)}::timestamp, interval '1 day')::date as d
      ),
      dense as (
        select g.currency, g.k, g.l, days.d, coalesce(daily.cost, 0) as cost
        from groups g
        cross join days
        left join daily on daily.currency = g.currency and daily.d = days.d
          and daily.k is not distinct from g.k
      ),
      stats as (
        select dense.*,
          avg(cost) over w as mu,
          stddev_pop(cost) over w as sigma,
          count(*) over w as n
        from dense
        window w as (partition by currency, k order by d
          rows between ${w} preceding and 1 preceding)
      ),
      hits as (
        select * from stats
        where d >= ${day(period.from)} and n >= 7
          and cost > mu + ${p.k}::numeric * sigma
          and cost - mu >= ${p.minAmount}::numeric
      )
      select h.currency, to_char(h.d, 'YYYY-MM-DD') as day, h.k as key, h.l as label,
        h.cost::text, round(h.mu, 2)::text as baseline_mean,
        round(h.sigma, 2)::text as baseline_std_dev, round(h.cost - h.mu, 2)::text as excess,
        (
          select jsonb_agg(jsonb_build_object('resourceId', r.resource_id,
            'cost', r.cost_d::text, 'excess', round(r.excess, 2)::text) order by r.excess desc)
          from (
            select resource_id, coalesce(sum(m) filter (where d = h.d), 0) as cost_d,
              coalesce(sum(m) filter (where d = h.d), 0)
                - coalesce(sum(m) filter (where d < h.d), 0) / h.n as excess
            from (
              select resource_id, charge_date as d, ${metricColumn(f.metric)} as m
              from cost_daily
              where ${where(clientId, f, { from: lo, to: period.to })}
                and billing_currency = h.currency
                and ${dim.key} is not distinct from h.k
                and charge_date between h.d - h.n::int and h.d
            ) rr
            group by resource_id
            order by excess desc
            limit 5
          ) r
        ) as drivers
      from hits h
      order by h.d desc, (h.cost - h.mu) desc
    `,
  );
}

function addDaysSql(d: string, n: number): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Commitments
// ---------------------------------------------------------------------------------------------

/** The end date the ingestion keeps in `x` for AWS commitments; malformed text reads as null. */
const COMMITMENT_END = sql`(case when x ->> 'commitment_end' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
  then substr(x ->> 'commitment_end', 1, 10)::date end)`;

export interface CommitmentDbRow {
  level: 'currency' | 'type' | 'commitment';
  currency: string;
  commitment_id: string | null;
  type: string | null;
  category: string | null;
  used: string;
  unused: string;
  utilization: number | null;
  savings: string;
  net_savings: string;
  end_date: string | null;
}

export async function commitmentFigures(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  range: DayRange,
): Promise<CommitmentDbRow[]> {
  // Amortized cost is the basis of utilization whatever metric the caller chose.
  return queryRows<CommitmentDbRow>(
    tx,
    sql`
      select
        case when grouping(commitment_id) = 0 then 'commitment'
             when grouping(commitment_type) = 0 then 'type' else 'currency' end as level,
        billing_currency as currency, commitment_id, commitment_type as type,
        max(commitment_category) as category,
        coalesce(sum(effective_cost) filter (where covered), 0)::text as used,
        coalesce(sum(effective_cost) filter (where unused), 0)::text as unused,
        ${ratio(
          sql`coalesce(sum(effective_cost) filter (where covered), 0)`,
          sql`coalesce(sum(effective_cost) filter (where covered or unused), 0)`,
        )} as utilization,
        coalesce(sum(list_cost - net_effective_cost) filter (where covered), 0)::text as savings,
        (coalesce(sum(list_cost - net_effective_cost) filter (where covered), 0)
          - coalesce(sum(effective_cost) filter (where unused), 0))::text as net_savings,
        to_char(max(end_date), 'YYYY-MM-DD') as end_date
      from (
        select billing_currency, commitment_id, commitment_type, commitment_category,
          effective_cost, list_cost, net_effective_cost,
          ${IS_COVERED} as covered, ${IS_UNUSED} as unused, ${COMMITMENT_END} as end_date
        from cost_daily
        where ${where(clientId, f, range)} and (${IS_COVERED} or ${IS_UNUSED})
      ) x
      group by grouping sets ((billing_currency), (billing_currency, commitment_type),
        (billing_currency, commitment_type, commitment_id))
      order by currency, level, commitment_type nulls first, commitment_id
    `,
  );
}

export async function coverageByCurrency(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  range: DayRange,
  src: FactSource,
): Promise<{ currency: string; coverage: number | null }[]> {
  return queryRows(
    tx,
    sql`
      select billing_currency as currency,
        ${ratio(
          sql`coalesce(sum(list_cost) filter (where ${IS_COVERED}), 0)`,
          sql`coalesce(sum(list_cost) filter (where ${IS_COVERED} or ${IS_ELIGIBLE_ON_DEMAND}), 0)`,
        )} as coverage
      from ${rowsOf(src, clientId, range)}
      where ${where(clientId, f, range)}
      group by billing_currency
      order by billing_currency
    `,
  );
}

export interface ExpiringDbRow {
  commitment_id: string;
  type: string | null;
  currency: string;
  end_date: string;
  days_left: number;
  savings_30d: string;
}

/**
 * Commitments seen in the 90 days before `today` whose end date falls within 90 days after it;
 * savings at risk are those of the 30 days before `today`.
 */
export async function expiringCommitments(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  today: string,
): Promise<ExpiringDbRow[]> {
  const range = { from: addDaysSql(today, -90), to: today };
  return queryRows<ExpiringDbRow>(
    tx,
    sql`
      select commitment_id, max(commitment_type) as type, billing_currency as currency,
        to_char(max(end_date), 'YYYY-MM-DD') as end_date,
        (max(end_date) - ${day(today)})::int as days_left,
        coalesce(sum(list_cost - net_effective_cost)
          filter (where covered and charge_date > ${day(addDaysSql(today, -30))}), 0)::text
          as savings_30d
      from (
        select commitment_id, commitment_type, billing_currency, charge_date, list_cost,
          net_effective_cost, ${IS_COVERED} as covered, ${COMMITMENT_END} as end_date
        from cost_daily
        where ${scope(clientId, f, range)} and commitment_id is not null
      ) x
      group by commitment_id, billing_currency
      having max(end_date) between ${day(today)} and ${day(addDaysSql(today, 90))}
      order by max(end_date), commitment_id
    `,
  );
}

// ---------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------

export interface TagDbRow {
  currency: string;
  total: string;
  value: string | null;
  cost: string | null;
  share: number | null;
}

/**
 * Without `key`: each tag key with the cost of the rows carrying it. With `key`: each value of
 * that key, rows without it forming the untagged bucket (value null).
 */
export async function tagCoverage(
  tx: Tx,
  clientId: string,
  f: CostFilter,
  range: DayRange,
  key: string | null,
  limit: number,
): Promise<TagDbRow[]> {
  const items = key
    ? sql`select currency, (tags ->> ${key}) as value, sum(m) as cost from f group by 1, 2`
    : sql`select currency, t.key as value, sum(m) as cost
          from f cross join lateral jsonb_object_keys(
            case when jsonb_typeof(tags) = 'object' then tags else '{}'::jsonb end) as t(key)
          group by 1, 2`;

  return queryRows<TagDbRow>(
    tx,
    sql`
      with f as (
        select billing_currency as currency, tags, ${metricColumn(f.metric)} as m
        from cost_daily
        where ${where(clientId, f, range)}
      ),
      totals as (select currency, sum(m) as total from f group by currency),
      items as (${items}),
      ranked as (
        select items.*,
          row_number() over (partition by currency order by cost desc, value nulls last) as rn
        from items
      )
      select t.currency, t.total::text, r.value, r.cost::text,
        ${ratio(sql`r.cost`, sql`t.total`)} as share
      from totals t
      left join ranked r on r.currency = t.currency and r.rn <= ${limit}::int
      order by t.currency, r.rn
    `,
  );
}

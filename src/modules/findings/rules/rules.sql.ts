import { sql, type SQL } from 'drizzle-orm';

import type { Provider, RuleContext } from './rules.types.js';

/*
 * Every rule is one statement over `cost_daily`. The fragments here name the normalized columns
 * of a fact row without a table alias, so a rule's conditions read like the billing reference:
 *
 *   ut, op, svc   usage type, operation, service code (FOCUS rows from AWS may carry them only
 *                 as x_UsageType / x_Operation / x_ServiceCode inside `x`)
 *   itype, family instance type (column, else parsed from `BoxUsage:m5.large`-style usage types)
 *                 and its family (`m5`; `db.` and `cache.` prefixes dropped)
 *   descr         usage type, SKU meter and charge description in lower case, for providers
 *                 whose only signal is a meter name (Azure, GCP)
 *   cost          net amortized cost (net_effective_cost), the basis of every saving
 *   qty, unit     usage quantity and unit
 */

const USAGE_TYPE = sql`coalesce(nullif(usage_type, ''), x->>'x_UsageType', '')`;

/** Fact rows of this client, normalized; `history` widens the window back to the first day. */
export function factRows(ctx: RuleContext, providers: readonly Provider[], history = false): SQL {
  const from = history ? sql`` : sql`and charge_date >= ${ctx.windowStart}::date`;
  return sql`
    select n.*, split_part(regexp_replace(n.itype, '^(db|cache)[.]', ''), '.', 1) as family
    from (
      select provider, billing_account_id, sub_account_id, resource_id, service_name, region_id,
             billing_currency, charge_date, charge_category, line_item_type, pricing_category,
             commitment_id, commitment_category, commitment_status, tags, x,
             ${USAGE_TYPE} as ut,
             coalesce(nullif(operation, ''), x->>'x_Operation', '') as op,
             coalesce(nullif(service_code, ''), x->>'x_ServiceCode', '') as svc,
             lower(coalesce(nullif(instance_type, ''),
                            nullif(split_part(${USAGE_TYPE}, ':', 2), ''), '')) as itype,
             lower(concat_ws(' | ', usage_type, x->>'SkuMeter', x->>'x_SkuMeterName',
                             x->>'ChargeDescription', x->>'x_SkuDescription')) as descr,
             usage_quantity as qty, usage_unit as unit,
             net_effective_cost as cost, list_cost, billed_cost
      from cost_daily
      where client_id = ${ctx.clientId}::uuid
        and charge_date <= ${ctx.windowEnd}::date ${from}
        and provider in ${[...providers]}
    ) n`;
}

/** Usage billed at the public on-demand rate: no commitment, not Spot. */
export const ON_DEMAND = sql`(
  charge_category = 'Usage' and commitment_id is null
  and coalesce(line_item_type, 'Usage') = 'Usage'
  and coalesce(pricing_category, 'Standard') = 'Standard'
  and ut not like '%SpotUsage%')`;

/** Linux/UNIX EC2 instance hours (Windows and licensed OSes have RunInstances:00xx). */
export const EC2_BOX_USAGE = sql`(svc = 'AmazonEC2' and ut like '%BoxUsage%'
  and op like 'RunInstances%')`;

/** Money for facts and evidence: two decimals, as text so no driver turns it into a float. */
export const money = (expr: SQL) => sql`round(${expr}, 2)::text`;

export interface ResourceRuleSpec {
  providers: readonly Provider[];
  /** What one finding is about; default `resource_id`. Account-level rules build a key. */
  key?: SQL;
  /** The rows the rule is about (normalized columns); their cost is `matched_cost`. */
  match: SQL;
  /** Extra per-key aggregates over all of the key's rows in the window. */
  aggregates?: Record<string, SQL>;
  /** Per-key aggregates over every stored day up to the window end (first seen, last request). */
  history?: Record<string, SQL>;
  /** Condition on the aggregated row (its columns, `mf`, `matched_monthly`, …). */
  where?: SQL;
  /** Monthly saving before the cap, over the aggregated row. */
  savings: SQL;
  /** Values for the reasoning text, over the aggregated row. */
  facts?: Record<string, SQL>;
  /**
   * Days the window cost is spread over: `resource` = from the first day the key is billed in
   * the window (a volume created last week is not diluted), `window` = the whole window
   * (commitment fees billed once a month).
   */
  daysBasis?: 'resource' | 'window';
  /** `matched` when the key spans more than the finding (an account's Config rows). */
  costBasis?: 'resource' | 'matched';
  /** The matched rows must still be billed within N days of the window end; null: no check. */
  recentDays?: number | null;
  /** Reports with no saving of their own (governance, hot spots) keep zero-saving rows. */
  informational?: boolean;
}

function named(parts: Record<string, SQL> | undefined, prefix = ''): SQL {
  const entries = Object.entries(parts ?? {});
  if (entries.length === 0) return sql``;
  return sql.join(
    entries.map(([name, expr]) => sql`, ${expr} as ${sql.identifier(prefix + name)}`),
    sql``,
  );
}

export function factsObject(facts: Record<string, SQL> | undefined): SQL {
  const entries = Object.entries(facts ?? {});
  if (entries.length === 0) return sql`'{}'::jsonb`;
  return sql`jsonb_build_object(${sql.join(
    entries.map(([name, expr]) => sql`${name}::text, ${expr}`),
    sql`, `,
  )})`;
}

/**
 * Evidence of every finding in `s`: its matched rows in `f` grouped by resource, usage type
 * and operation, the 20 costliest kept. One grouped pass joined back to `s`, rather than a
 * correlated subquery per finding, so thousands of volumes cost one scan.
 */
export function evidenceCte(key: SQL): SQL {
  return sql`ev as (
    select provider, billing_account_id, key, jsonb_agg(row order by amount desc) as evidence
    from (
      select provider, billing_account_id, key,
             jsonb_build_object(
               'resourceId', resource_id, 'subAccountId', sub_account_id,
               'usageType', nullif(ut, ''), 'operation', nullif(op, ''),
               'daysObserved', count(distinct charge_date),
               'firstSeen', min(charge_date)::text, 'lastSeen', max(charge_date)::text,
               'cost', round(sum(cost), 2)::text,
               'usageQuantity', round(sum(qty), 4)::text, 'usageUnit', max(unit)) as row,
             sum(cost) as amount,
             row_number() over (partition by provider, billing_account_id, key
                                order by sum(cost) desc, resource_id, ut, op) as rn
      from (select g.*, ${key} as key from f g where g.m) g
      where (provider, billing_account_id, key) in
            (select provider, billing_account_id, key from s)
      group by provider, billing_account_id, key, resource_id, sub_account_id, ut, op
    ) x
    where rn <= 20
    group by provider, billing_account_id, key
  )`;
}

/**
 * The common shape of a rule: group the client's facts in the window by a key, keep the keys
 * with matching rows, price them monthly (Σcost / days × 30) and cap the saving at the key's
 * actual net amortized monthly cost.
 */
export function resourceRule(ctx: RuleContext, spec: ResourceRuleSpec): SQL {
  const key = spec.key ?? sql`resource_id`;
  const start = sql`${ctx.windowStart}::date`;
  const end = sql`${ctx.windowEnd}::date`;
  const days =
    (spec.daysBasis ?? 'resource') === 'window'
      ? sql`${ctx.windowDays}::numeric`
      : sql`(${end} - greatest(r.first_seen, ${start}) + 1)::numeric`;
  const recentDays = spec.recentDays === undefined ? 2 : spec.recentDays;
  const recent =
    recentDays === null ? sql`true` : sql`e.match_last >= ${end} - ${recentDays}::int`;
  const monthlyCost =
    spec.costBasis === 'matched' ? sql`e.matched_monthly` : sql`e.resource_monthly`;
  const positive = spec.informational ? sql`true` : sql`s.raw_savings > 0`;

  const history = spec.history
    ? sql`, h as (
        select provider, billing_account_id, ${key} as key ${named(spec.history)}
        from (${factRows(ctx, spec.providers, true)}) hb
        where ${key} in (select key from r)
        group by 1, 2, 3
      )`
    : sql``;
  const historyJoin = spec.history
    ? sql`left join h using (provider, billing_account_id, key)`
    : sql``;
  const historyColumns = sql.join(
    Object.keys(spec.history ?? {}).map((name) => sql`, h.${sql.identifier(name)}`),
    sql``,
  );

  return sql`
    with f as (
      select b.*, coalesce((${spec.match}), false) as m
      from (${factRows(ctx, spec.providers)}) b
    ),
    r as (
      select provider, billing_account_id, ${key} as key, billing_currency as currency,
             max(sub_account_id) filter (where m) as sub_account_id,
             -- A finding spanning several services or regions names none of them.
             case when count(distinct service_name) filter (where m) = 1
                  then max(service_name) filter (where m) end as service_name,
             case when count(distinct region_id) filter (where m) = 1
                  then max(region_id) filter (where m) end as region_id,
             min(charge_date) as first_seen, max(charge_date) as last_seen,
             min(charge_date) filter (where m) as match_first,
             max(charge_date) filter (where m) as match_last,
             count(distinct charge_date) filter (where m) as days_observed,
             coalesce(sum(cost), 0) as resource_cost,
             coalesce(sum(cost) filter (where m), 0) as matched_cost,
             coalesce(sum(qty) filter (where m), 0) as matched_qty
             ${named(spec.aggregates)}
      from f
      where ${key} is not null and ${key} <> ''
      group by 1, 2, 3, 4
      having bool_or(m)
    )
    ${history},
    d as (
      select r.* ${historyColumns}, ${days} as days from r ${historyJoin}
    ),
    e as (
      select d.*, 30.0 / d.days as mf,
             d.matched_cost * 30.0 / d.days as matched_monthly,
             d.resource_cost * 30.0 / d.days as resource_monthly
      from d
    ),
    s as (
      select e.*, ${monthlyCost} as monthly_cost, (${spec.savings}) as raw_savings
      from e
      where ${recent} and (${spec.where ?? sql`true`})
    ),
    ${evidenceCte(key)}
    select s.provider, s.billing_account_id, s.sub_account_id, s.key as resource_id,
           s.service_name, s.region_id, s.currency,
           round(greatest(s.monthly_cost, 0), 2)::text as monthly_cost,
           round(least(greatest(s.raw_savings, 0), greatest(s.monthly_cost, 0)), 2)::text
             as monthly_savings,
           ${factsObject({ daysObserved: sql`s.days_observed`, ...spec.facts })} as facts,
           ev.evidence
    from s left join ev using (provider, billing_account_id, key)
    where ${positive}
    order by s.raw_savings desc, s.key`;
}

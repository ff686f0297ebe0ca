import { sql, type SQL } from 'drizzle-orm';

import { queryRows, type Db, type Tx } from '../../db/client.js';
import { withTenant } from '../../db/tenant.js';
import { cloudAccountNames } from '../costs/costs.model.js';
import type { CostMetric, DailyDetailRow, FocusFactRow, IsoDate } from './report.types.js';

/*
 * Queries of the reports module that the cost analytics and admin services do not answer: the
 * client row, ingestion facts for the methodology page, the paged fact readers behind the daily
 * detail and the FOCUS export, and the period figures of the admin report. Every tenant query
 * filters `client_id` itself even though row-level security filters too.
 */

export interface DayRange {
  from: IsoDate;
  to: IsoDate;
}

export interface ClientRow {
  id: string;
  name: string;
  slug: string;
  currency: string;
}

export async function clientRow(tx: Tx, clientId: string): Promise<ClientRow | null> {
  const [row] = await queryRows<ClientRow>(
    tx,
    sql`select id, name, slug, currency from clients where id = ${clientId}::uuid`,
  );
  return row ?? null;
}

export interface DataFacts {
  last_day: string | null;
  last_ingestion_at: string | null;
}

/** Last billing day with cost in the range, and when the last ingestion succeeded. */
export async function dataFacts(tx: Tx, clientId: string, range: DayRange): Promise<DataFacts> {
  const [row] = await queryRows<DataFacts>(
    tx,
    sql`
      select
        (select max(charge_date)::text from cost_daily
          where client_id = ${clientId}::uuid
            and charge_date between ${range.from}::date and ${range.to}::date) as last_day,
        (select to_char(max(finished_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
          from ingestions
          where client_id = ${clientId}::uuid and status = 'succeeded') as last_ingestion_at
    `,
  );
  return row ?? { last_day: null, last_ingestion_at: null };
}

/**
 * Savings realized inside the period, per currency: each resolution that still holds (the
 * finding is resolved and this is its latest ledger entry) counts its measured monthly saving
 * for the days of the period on or after it took effect, up to the last day with data, as
 * monthly ÷ 30 per day. A saving measured before the period is not counted again in it.
 */
export async function realizedInPeriod(
  tx: Tx,
  clientId: string,
  range: DayRange,
  lastDay: IsoDate | null,
): Promise<{ currency: string; amount: string }[]> {
  if (lastDay === null) return [];
  const end = lastDay < range.to ? lastDay : range.to;
  return queryRows(
    tx,
    sql`
      select l.currency,
        round(sum(l.realized_monthly
          * greatest(${end}::date - greatest(${range.from}::date, l.resolved_on) + 1, 0)
          / 30), 2)::text as amount
      from savings_ledger l
      join findings f on f.client_id = l.client_id and f.id = l.finding_id
      where l.client_id = ${clientId}::uuid and f.status = 'resolved'
        and l.realized_monthly is not null and l.resolved_on <= ${end}::date
        and l.id = (select l2.id from savings_ledger l2
                    where l2.client_id = l.client_id and l2.finding_id = l.finding_id
                    order by l2.recorded_at desc, l2.id desc limit 1)
      group by l.currency
      order by l.currency
    `,
  );
}

/* --------------------------------------------------------------------------------------------
 * Paged fact readers
 * ------------------------------------------------------------------------------------------ */

const METRIC_SQL: Record<CostMetric, SQL> = {
  billed_cost: sql`billed_cost`,
  net_billed_cost: sql`net_billed_cost`,
  effective_cost: sql`effective_cost`,
  net_effective_cost: sql`net_effective_cost`,
  list_cost: sql`list_cost`,
};

function nextDay(day: IsoDate): IsoDate {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * Every fact of the range, day by day and by id within a day, one page per short tenant
 * transaction, so millions of facts never sit in memory and no transaction stays open while a
 * slow client downloads. Keyset pagination on (day, id): each page is an index range scan of
 * one day from `cost_daily_client_day_idx`, never an OFFSET.
 * TODO: page on an index (client_id, charge_date, id) once a migration adds it; today each page
 * sorts its day's rows by id.
 */
async function* factPages<T extends { id: string }>(
  db: Db,
  clientId: string,
  range: DayRange,
  columns: SQL,
  pageSize: number,
): AsyncGenerator<T> {
  for (let day = range.from; day <= range.to; day = nextDay(day)) {
    let after = '0';
    for (;;) {
      // Ordered by the qualified column: a bare `id` would be the text alias of the select list,
      // sorting "10" before "9" and so repeating and skipping rows across pages.
      const page = await withTenant(db, clientId, (tx) =>
        queryRows<T>(
          tx,
          sql`
            select id::text as id, ${columns}
            from cost_daily
            where client_id = ${clientId}::uuid and charge_date = ${day}::date
              and id > ${after}::bigint
            order by cost_daily.id
            limit ${pageSize}
          `,
        ),
      );
      for (const row of page) yield row;
      if (page.length < pageSize) break;
      after = page[page.length - 1]!.id;
    }
  }
}

interface DetailDbRow {
  id: string;
  date: string;
  provider: string;
  account_id: string;
  account_name: string | null;
  service_category: string | null;
  service_name: string | null;
  region_id: string | null;
  charge_category: string;
  currency: string;
  amount: string;
  tags: Record<string, unknown> | null;
}

/** The daily detail of the client report: one row per fact, the amount in the chosen metric. */
export async function* dailyDetail(
  db: Db,
  clientId: string,
  range: DayRange,
  metric: CostMetric,
  tagKeys: readonly string[],
  pageSize = 5000,
): AsyncGenerator<DailyDetailRow> {
  const columns = sql`
    charge_date::text as date, provider,
    coalesce(sub_account_id, billing_account_id) as account_id,
    case when sub_account_id is not null then sub_account_name
         else billing_account_name end as account_name,
    service_category, service_name, region_id, charge_category,
    billing_currency as currency, ${METRIC_SQL[metric]}::text as amount,
    ${tagKeys.length ? sql`tags` : sql`null::jsonb as tags`}
  `;
  // The names given in cloud accounts win over the billing data's, as in the API's breakdown.
  const names = await withTenant(db, clientId, (tx) => cloudAccountNames(tx, clientId));
  for await (const r of factPages<DetailDbRow>(db, clientId, range, columns, pageSize)) {
    const tags: Record<string, string> = {};
    for (const key of tagKeys) {
      const value = r.tags?.[key];
      if (value !== undefined && value !== null) tags[key] = String(value);
    }
    yield {
      date: r.date,
      provider: r.provider,
      accountId: r.account_id,
      accountName: names.get(r.account_id) ?? r.account_name,
      serviceCategory: r.service_category,
      serviceName: r.service_name,
      region: r.region_id,
      chargeCategory: r.charge_category,
      currency: r.currency,
      amount: r.amount,
      tags,
    };
  }
}

/** Every fact of the range with the columns the FOCUS export needs, as text. */
export function focusFacts(
  db: Db,
  clientId: string,
  range: DayRange,
  pageSize = 5000,
): AsyncGenerator<FocusFactRow> {
  const columns = sql`
    provider, billing_account_id, billing_account_name, sub_account_id, sub_account_name,
    billing_period_start::text as billing_period_start, charge_date::text as charge_date,
    service_name, service_category, service_code, region_id, resource_id, resource_type,
    sku_id, usage_type, operation, instance_type, line_item_type, charge_category,
    charge_class, pricing_category, commitment_id, commitment_type, commitment_category,
    commitment_status, billing_currency, tags::text as tags,
    billed_cost::text as billed_cost, net_billed_cost::text as net_billed_cost,
    effective_cost::text as effective_cost, net_effective_cost::text as net_effective_cost,
    list_cost::text as list_cost, usage_quantity::text as usage_quantity, usage_unit,
    line_count
  `;
  return factPages<FocusFactRow & { id: string }>(db, clientId, range, columns, pageSize);
}

/* --------------------------------------------------------------------------------------------
 * Admin report (platform transaction: crosses tenants through app_platform's policy)
 * ------------------------------------------------------------------------------------------ */

/** [from 00:00 UTC, the day after `to` 00:00 UTC): the instants of a range of billing days. */
function instants(range: DayRange): { start: Date; end: Date } {
  return {
    start: new Date(`${range.from}T00:00:00Z`),
    end: new Date(`${nextDay(range.to)}T00:00:00Z`),
  };
}

export interface AdminClientDbRow {
  id: string;
  name: string;
  slug: string;
  status: 'active' | 'suspended';
  plan_code: string | null;
  plan_name: string | null;
  members: number;
  last_ingestion_at: string | null;
}

export async function adminClients(tx: Tx): Promise<AdminClientDbRow[]> {
  return queryRows<AdminClientDbRow>(
    tx,
    sql`
      select c.id, c.name, c.slug, c.status, p.code as plan_code, p.name as plan_name,
             (select count(*) from memberships m where m.client_id = c.id)::int as members,
             (select to_char(max(i.finished_at) at time zone 'UTC',
                             'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                from ingestions i
               where i.client_id = c.id and i.status = 'succeeded') as last_ingestion_at
      from clients c
      left join subscriptions s on s.client_id = c.id and s.ended_at is null
      left join plans p on p.id = s.plan_id
      order by lower(c.name), c.slug
    `,
  );
}

export interface ClientSpendDbRow {
  client_id: string;
  currency: string;
  amount: string;
}

/** Amortized spend per client and currency (the metric of `GET /api/admin/stats`). */
export async function spendByClient(tx: Tx, range: DayRange): Promise<ClientSpendDbRow[]> {
  return queryRows<ClientSpendDbRow>(
    tx,
    sql`
      select client_id, billing_currency as currency, sum(effective_cost)::text as amount
      from cost_daily
      where charge_date between ${range.from}::date and ${range.to}::date
      group by client_id, billing_currency
      order by client_id, billing_currency
    `,
  );
}

export interface PlatformPeriodDbRow {
  new_clients: number;
  cloud_accounts: number;
  ingestions_succeeded: number;
  ingestions_failed: number;
  fact_rows: number;
}

export async function platformPeriod(tx: Tx, range: DayRange): Promise<PlatformPeriodDbRow> {
  const { start, end } = instants(range);
  const [row] = await queryRows<PlatformPeriodDbRow>(
    tx,
    sql`
      select
        (select count(*) from clients
          where created_at >= ${start} and created_at < ${end})::int as new_clients,
        (select count(*) from cloud_accounts where archived_at is null)::int as cloud_accounts,
        (select count(*) from ingestions where status = 'succeeded'
            and created_at >= ${start} and created_at < ${end})::int as ingestions_succeeded,
        (select count(*) from ingestions where status = 'failed'
            and created_at >= ${start} and created_at < ${end})::int as ingestions_failed,
        (select count(*) from cost_daily
          where charge_date between ${range.from}::date and ${range.to}::date)::int as fact_rows
    `,
  );
  return row!;
}

export interface PlanSubscriptionsDbRow {
  code: string;
  name: string;
  currency: string;
  monthly_price: string;
  trialing: number;
  active: number;
  past_due: number;
  canceled: number;
}

/** Current subscriptions per plan and status; plans nobody is on are left out. */
export async function subscriptionsByPlan(tx: Tx): Promise<PlanSubscriptionsDbRow[]> {
  return queryRows<PlanSubscriptionsDbRow>(
    tx,
    sql`
      select p.code, p.name, p.currency, p.monthly_price::text as monthly_price,
             count(*) filter (where s.status = 'trialing')::int as trialing,
             count(*) filter (where s.status = 'active')::int as active,
             count(*) filter (where s.status = 'past_due')::int as past_due,
             count(*) filter (where s.status = 'canceled')::int as canceled
      from subscriptions s join plans p on p.id = s.plan_id
      where s.ended_at is null
      group by p.code, p.name, p.currency, p.monthly_price
      order by p.monthly_price, p.code
    `,
  );
}

export async function subscriptionChanges(
  tx: Tx,
  range: DayRange,
): Promise<{ started: number; canceled: number }> {
  const { start, end } = instants(range);
  const [row] = await queryRows<{ started: number; canceled: number }>(
    tx,
    sql`
      select
        count(*) filter (where s.status <> 'canceled' and not exists (
          select 1 from subscriptions e
           where e.client_id = s.client_id and e.started_at < s.started_at))::int as started,
        count(*) filter (where s.status = 'canceled')::int as canceled
      from subscriptions s
      where s.started_at >= ${start} and s.started_at < ${end}
    `,
  );
  return row ?? { started: 0, canceled: 0 };
}

export interface SecurityCountsDbRow {
  logins: number;
  login_failures: number;
  lockouts: number;
  privileged_accesses: number;
  password_resets: number;
  any_before: boolean;
}

export async function securityCounts(tx: Tx, range: DayRange): Promise<SecurityCountsDbRow> {
  const { start, end } = instants(range);
  const [row] = await queryRows<SecurityCountsDbRow>(
    tx,
    sql`
      select
        count(*) filter (where type = 'auth.login.succeeded')::int as logins,
        count(*) filter (where type = 'auth.login.failed')::int as login_failures,
        count(*) filter (where type = 'auth.account.locked')::int as lockouts,
        count(*) filter (where type = 'access.privileged')::int as privileged_accesses,
        count(*) filter (where type = 'auth.password.reset_completed')::int as password_resets,
        exists (select 1 from security_events where occurred_at < ${start}) as any_before
      from security_events
      where occurred_at >= ${start} and occurred_at < ${end}
    `,
  );
  return row!;
}

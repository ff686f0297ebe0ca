import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';

import { queryRows, type Tx } from '../../db/client.js';
import { findingEvents, findings, ruleSettings, savingsLedger } from '../../db/schema.js';

/*
 * Queries of the findings module. Every statement filters `client_id` itself and runs inside a
 * tenant transaction (row-level security backs the filter), except `platformTotals`, which the
 * service runs as the platform role.
 */

export type FindingRow = typeof findings.$inferSelect;
export type NewFinding = typeof findings.$inferInsert;
export type EventRow = typeof findingEvents.$inferSelect;
export type NewEvent = typeof findingEvents.$inferInsert;
export type SettingRow = typeof ruleSettings.$inferSelect;
export type LedgerRow = typeof savingsLedger.$inferSelect;

/** `in (…)` over a list that is never empty (an empty list matches nothing). */
function inList(column: SQL, values: readonly string[]): SQL {
  if (values.length === 0) return sql`false`;
  return sql`${column} in (${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )})`;
}

/** The last billed day the client has, or null without data. */
export async function lastChargeDate(tx: Tx, clientId: string): Promise<string | null> {
  const [row] = await queryRows<{ last: string | null }>(
    tx,
    sql`select max(charge_date)::text as last from cost_daily where client_id = ${clientId}`,
  );
  return row?.last ?? null;
}

/**
 * The accounts that have billing data in a window, as `provider|billing|sub` keys. A finding
 * whose account sent nothing in the window cannot be judged fixed: its data simply stopped.
 */
export async function accountsBilledIn(
  tx: Tx,
  clientId: string,
  from: string,
  to: string,
): Promise<Set<string>> {
  const rows = await queryRows<{ key: string }>(
    tx,
    sql`select distinct provider || '|' || billing_account_id || '|' ||
                        coalesce(sub_account_id, '') as key
        from cost_daily
        where client_id = ${clientId} and charge_date between ${from}::date and ${to}::date`,
  );
  return new Set(rows.map((r) => r.key));
}

/** One recompute per client at a time: the advisory lock ends with the transaction. */
export async function lockClient(tx: Tx, clientId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`findings:${clientId}`}))`);
}

export async function listSettings(tx: Tx, clientId: string): Promise<SettingRow[]> {
  return tx.select().from(ruleSettings).where(eq(ruleSettings.clientId, clientId));
}

export async function saveSetting(
  tx: Tx,
  row: typeof ruleSettings.$inferInsert,
): Promise<SettingRow> {
  const [saved] = await tx
    .insert(ruleSettings)
    .values(row)
    .onConflictDoUpdate({
      target: [ruleSettings.clientId, ruleSettings.ruleId],
      set: {
        enabled: row.enabled ?? null,
        thresholds: row.thresholds ?? {},
        updatedBy: row.updatedBy ?? null,
        updatedAt: sql`now()`,
      },
    })
    .returning();
  return saved!;
}

/** Every finding of the client, for the recompute to compare with what the rules found now. */
export async function allFindings(tx: Tx, clientId: string): Promise<FindingRow[]> {
  return tx.select().from(findings).where(eq(findings.clientId, clientId));
}

export async function insertFindings(tx: Tx, rows: NewFinding[]): Promise<FindingRow[]> {
  const out: FindingRow[] = [];
  // Batches keep each statement under the bind-parameter cap of both engines.
  for (let i = 0; i < rows.length; i += 200) {
    out.push(
      ...(await tx
        .insert(findings)
        .values(rows.slice(i, i + 200))
        .returning()),
    );
  }
  return out;
}

export async function updateFinding(
  tx: Tx,
  clientId: string,
  id: string,
  set: Partial<NewFinding>,
): Promise<FindingRow | undefined> {
  const [row] = await tx
    .update(findings)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(findings.clientId, clientId), eq(findings.id, id)))
    .returning();
  return row;
}

export async function findFinding(
  tx: Tx,
  clientId: string,
  id: string,
): Promise<FindingRow | undefined> {
  const [row] = await tx
    .select()
    .from(findings)
    .where(and(eq(findings.clientId, clientId), eq(findings.id, id)));
  return row;
}

export async function insertEvents(tx: Tx, rows: NewEvent[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await tx.insert(findingEvents).values(rows.slice(i, i + 500));
  }
}

export async function eventsOf(tx: Tx, clientId: string, findingId: string): Promise<EventRow[]> {
  return tx
    .select()
    .from(findingEvents)
    .where(and(eq(findingEvents.clientId, clientId), eq(findingEvents.findingId, findingId)))
    .orderBy(asc(findingEvents.id));
}

/* ---------------------------------------------------------------------------------------------
 * Listing. `counted` marks the one open finding per resource whose saving totals count: the
 * largest, ties to the smaller rule id (the same choice as `countedCandidates`).
 * ------------------------------------------------------------------------------------------- */

export interface ListFilter {
  statuses: string[];
  categories: string[];
  rules: string[];
  account?: string | undefined;
  service?: string | undefined;
  region?: string | undefined;
  minSavings?: string | undefined;
  after?: { savings: string; id: string } | undefined;
  limit: number;
}

export type ListedRow = FindingRow & { counted: boolean };

/** Billing days, both inclusive; a report period that findings must overlap. */
export interface EvidenceWindow {
  from: string;
  to: string;
}

/** Findings whose evidence window shares at least one day with `w`; no filter without one. */
function overlaps(w: EvidenceWindow | undefined): SQL {
  if (!w) return sql`true`;
  return sql`window_start <= ${w.to}::date and window_end >= ${w.from}::date`;
}

function countedCte(
  clientId: string,
  visibleRules: readonly string[],
  window?: EvidenceWindow,
): SQL {
  // The window filter sits inside the dedup, so a resource still counts once, with its largest
  // saving among the findings of that window.
  return sql`counted as (
    select distinct on (resource_key) id
    from findings
    where client_id = ${clientId} and status = 'open' and ${inList(sql`rule_id`, visibleRules)}
      and ${overlaps(window)}
    order by resource_key, monthly_savings desc, rule_id
  )`;
}

export async function listFindings(
  tx: Tx,
  clientId: string,
  visibleRules: readonly string[],
  f: ListFilter,
): Promise<{ id: string; counted: boolean }[]> {
  const where: SQL[] = [sql`f.client_id = ${clientId}`, inList(sql`f.rule_id`, visibleRules)];
  if (f.statuses.length > 0) where.push(inList(sql`f.status`, f.statuses));
  if (f.categories.length > 0) where.push(inList(sql`f.category`, f.categories));
  if (f.rules.length > 0) where.push(inList(sql`f.rule_id`, f.rules));
  if (f.account) {
    where.push(sql`(f.billing_account_id = ${f.account} or f.sub_account_id = ${f.account})`);
  }
  if (f.service) where.push(sql`f.service_name = ${f.service}`);
  if (f.region) where.push(sql`f.region_id = ${f.region}`);
  if (f.minSavings) where.push(sql`f.monthly_savings >= ${f.minSavings}::numeric`);
  if (f.after) {
    const s = sql`${f.after.savings}::numeric`;
    where.push(
      sql`(f.monthly_savings < ${s} or (f.monthly_savings = ${s} and f.id > ${f.after.id}::uuid))`,
    );
  }
  return queryRows<{ id: string; counted: boolean }>(
    tx,
    sql`with ${countedCte(clientId, visibleRules)}
        select f.id, (c.id is not null) as counted
        from findings f left join counted c on c.id = f.id
        where ${sql.join(where, sql` and `)}
        order by f.monthly_savings desc, f.id
        limit ${f.limit}`,
  );
}

export async function findingsByIds(
  tx: Tx,
  clientId: string,
  ids: readonly string[],
): Promise<FindingRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(findings)
    .where(and(eq(findings.clientId, clientId), inList(sql`${findings.id}::text`, ids)));
}

export async function isCounted(
  tx: Tx,
  clientId: string,
  visibleRules: readonly string[],
  id: string,
): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`with ${countedCte(clientId, visibleRules)} select id from counted where id = ${id}`,
  );
  return rows.length > 0;
}

/* ---------------------------------------------------------------------------------------------
 * Summaries
 * ------------------------------------------------------------------------------------------- */

export interface GroupRow {
  key: string;
  currency: string;
  open: number;
  savings: string;
}

export async function statusCounts(
  tx: Tx,
  clientId: string,
  visibleRules: readonly string[],
): Promise<Record<string, number>> {
  const rows = await queryRows<{ status: string; n: number }>(
    tx,
    sql`select status, count(*)::int as n from findings
        where client_id = ${clientId} and ${inList(sql`rule_id`, visibleRules)}
        group by status`,
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Open savings per currency: deduplicated (largest per resource) and gross. */
export async function openSavings(
  tx: Tx,
  clientId: string,
  visibleRules: readonly string[],
  window?: EvidenceWindow,
): Promise<{ currency: string; deduped: string; gross: string; open: number }[]> {
  const inWindow = window
    ? sql`f.window_start <= ${window.to}::date and f.window_end >= ${window.from}::date`
    : sql`true`;
  return queryRows(
    tx,
    sql`with ${countedCte(clientId, visibleRules, window)}
        select f.currency,
               coalesce(sum(f.monthly_savings) filter (where c.id is not null), 0.00)::text
                 as deduped,
               sum(f.monthly_savings)::text as gross,
               count(*)::int as open
        from findings f left join counted c on c.id = f.id
        where f.client_id = ${clientId} and f.status = 'open'
          and ${inList(sql`f.rule_id`, visibleRules)} and ${inWindow}
        group by f.currency order by f.currency`,
  );
}

/** The span of the evidence windows of the counted findings; null when none counts. */
export async function countedWindow(
  tx: Tx,
  clientId: string,
  visibleRules: readonly string[],
  window?: EvidenceWindow,
): Promise<EvidenceWindow | null> {
  const [row] = await queryRows<{ from: string | null; to: string | null }>(
    tx,
    sql`with ${countedCte(clientId, visibleRules, window)}
        select min(f.window_start)::text as "from", max(f.window_end)::text as "to"
        from findings f join counted c on c.id = f.id
        where f.client_id = ${clientId}`,
  );
  return row?.from && row.to ? { from: row.from, to: row.to } : null;
}

/** Open findings grouped by one column; savings deduplicated by resource. */
export async function openGroups(
  tx: Tx,
  clientId: string,
  visibleRules: readonly string[],
  by: 'category' | 'rule_id' | 'billing_account_id',
): Promise<GroupRow[]> {
  const column = sql.raw(`f.${by}`);
  return queryRows<GroupRow>(
    tx,
    sql`with ${countedCte(clientId, visibleRules)}
        select ${column} as key, f.currency, count(*)::int as open,
               coalesce(sum(f.monthly_savings) filter (where c.id is not null), 0.00)::text
                 as savings
        from findings f left join counted c on c.id = f.id
        where f.client_id = ${clientId} and f.status = 'open'
          and ${inList(sql`f.rule_id`, visibleRules)}
        group by 1, 2
        order by sum(f.monthly_savings) filter (where c.id is not null) desc nulls last, 1, 2`,
  );
}

/** The open findings whose savings count, largest first (the report's top list). */
export async function topCounted(
  tx: Tx,
  clientId: string,
  visibleRules: readonly string[],
  limit: number,
  window?: EvidenceWindow,
): Promise<FindingRow[]> {
  const ids = await queryRows<{ id: string }>(
    tx,
    sql`with ${countedCte(clientId, visibleRules, window)}
        select f.id from findings f join counted c on c.id = f.id
        where f.client_id = ${clientId}
        order by f.monthly_savings desc, f.id limit ${limit}`,
  );
  const rows = await findingsByIds(
    tx,
    clientId,
    ids.map((r) => r.id),
  );
  const order = new Map(ids.map((r, i) => [r.id, i]));
  return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

/* ---------------------------------------------------------------------------------------------
 * Savings ledger. Costs are the resource's net amortized cost (all charge categories) in the
 * finding's currency; the "after" side only counts days the client has data for.
 * ------------------------------------------------------------------------------------------- */

export interface LedgerInput {
  clientId: string;
  finding: FindingRow;
  how: 'manual' | 'auto';
  /** The first day counted as "after"; the 30 days before it are "before". */
  resolvedOn: string;
  /** The client's last billed day; "after" stops there. */
  lastDay: string | null;
  recordedBy: string | null;
}

function resourceCost(clientId: string, from: SQL, to: SQL): SQL {
  return sql`(select coalesce(sum(d.net_effective_cost), 0)
     from cost_daily d
     where d.client_id = ${clientId} and d.provider = l.provider
       and d.billing_account_id = l.billing_account_id and d.resource_id = l.resource_id
       and d.billing_currency = l.currency and d.charge_date between ${from} and ${to})`;
}

export async function insertLedger(tx: Tx, input: LedgerInput): Promise<void> {
  const f = input.finding;
  const [row] = await tx
    .insert(savingsLedger)
    .values({
      clientId: input.clientId,
      findingId: f.id,
      ruleId: f.ruleId,
      resourceKey: f.resourceKey,
      resourceId: f.resourceId,
      provider: f.provider,
      billingAccountId: f.billingAccountId,
      currency: f.currency,
      how: input.how,
      resolvedOn: input.resolvedOn,
      beforeFrom: sql`(${input.resolvedOn}::date - 30)`,
      beforeTo: sql`(${input.resolvedOn}::date - 1)`,
      afterFrom: input.resolvedOn,
      afterTo: null,
      afterDays: 0,
      cost30dBefore: '0',
      cost30dAfter: '0',
      realizedMonthly: null,
      estimatedMonthly: f.monthlySavings,
      recordedBy: input.recordedBy,
    })
    .returning({ id: savingsLedger.id });
  await tx.execute(sql`
    update savings_ledger l
    set cost_30d_before = ${resourceCost(input.clientId, sql`l.before_from`, sql`l.before_to`)}
    where l.client_id = ${input.clientId} and l.id = ${row!.id}`);
  await refreshLedger(tx, input.clientId, input.lastDay);
}

/**
 * Brings the "after" side of entries not yet covering 30 days up to the client's last billed
 * day: a resolution is measured as data arrives, and realized savings grow more certain.
 */
export async function refreshLedger(tx: Tx, clientId: string, lastDay: string | null) {
  if (!lastDay) return;
  const end = sql`least(l.after_from + 29, ${lastDay}::date)`;
  await tx.execute(sql`
    update savings_ledger l
    set after_to = case when ${end} >= l.after_from then ${end} end,
        after_days = greatest(${end} - l.after_from + 1, 0),
        cost_30d_after = ${resourceCost(clientId, sql`l.after_from`, end)}
    where l.client_id = ${clientId} and l.after_days < 30`);
  await tx.execute(sql`
    update savings_ledger l
    set realized_monthly = case when l.after_days > 0
          then round(l.cost_30d_before - l.cost_30d_after * 30 / l.after_days, 2) end
    where l.client_id = ${clientId} and (l.after_days < 30 or l.realized_monthly is null)`);
}

/** The day each resolved finding's latest resolution took effect (its ledger pivot). */
export async function resolutionDays(tx: Tx, clientId: string): Promise<Map<string, string>> {
  const rows = await queryRows<{ finding_id: string; day: string }>(
    tx,
    sql`select distinct on (finding_id) finding_id, resolved_on::text as day
        from savings_ledger where client_id = ${clientId}
        order by finding_id, recorded_at desc, id desc`,
  );
  return new Map(rows.map((r) => [r.finding_id, r.day]));
}

export async function ledgerEntries(
  tx: Tx,
  clientId: string,
  findingId?: string,
): Promise<LedgerRow[]> {
  return tx
    .select()
    .from(savingsLedger)
    .where(
      and(
        eq(savingsLedger.clientId, clientId),
        findingId ? eq(savingsLedger.findingId, findingId) : undefined,
      ),
    )
    .orderBy(desc(savingsLedger.recordedAt), desc(savingsLedger.id));
}

/** Realized monthly savings per currency, of resolutions that still hold (not reopened). */
export async function realizedTotals(
  tx: Tx,
  clientId: string,
): Promise<{ currency: string; amount: string }[]> {
  return queryRows(
    tx,
    sql`select l.currency, sum(l.realized_monthly)::text as amount
        from savings_ledger l
        join findings f on f.client_id = l.client_id and f.id = l.finding_id
        where l.client_id = ${clientId} and f.status = 'resolved'
          and l.realized_monthly is not null
          and l.id = (select l2.id from savings_ledger l2
                      where l2.client_id = l.client_id and l2.finding_id = l.finding_id
                      order by l2.recorded_at desc, l2.id desc limit 1)
        group by l.currency order by l.currency`,
  );
}

/* ---------------------------------------------------------------------------------------------
 * Platform totals (platform role): open deduplicated savings of every client. A rule counts
 * when the client's switch says so, else its catalog default.
 * ------------------------------------------------------------------------------------------- */

export async function platformTotals(
  tx: Tx,
  catalogRules: readonly string[],
  onByDefault: readonly string[],
): Promise<{
  potential: { currency: string; amount: string }[];
  top: { client_id: string; slug: string; currency: string; amount: string }[];
}> {
  const counted = sql`counted as (
    select distinct on (f.client_id, f.resource_key) f.client_id, f.currency, f.monthly_savings
    from findings f
    left join rule_settings s on s.client_id = f.client_id and s.rule_id = f.rule_id
    where f.status = 'open' and ${inList(sql`f.rule_id`, catalogRules)}
      and coalesce(s.enabled, ${inList(sql`f.rule_id`, onByDefault)})
    order by f.client_id, f.resource_key, f.monthly_savings desc, f.rule_id
  )`;
  const potential = await queryRows<{ currency: string; amount: string }>(
    tx,
    sql`with ${counted}
        select currency, sum(monthly_savings)::text as amount
        from counted group by currency order by currency`,
  );
  type ClientAmount = { client_id: string; slug: string; currency: string; amount: string };
  const top = await queryRows<ClientAmount>(
    tx,
    sql`with ${counted}
        select c.id as client_id, c.slug, k.currency, sum(k.monthly_savings)::text as amount
        from counted k join clients c on c.id = k.client_id
        group by c.id, c.slug, k.currency
        order by sum(k.monthly_savings) desc, c.slug limit 10`,
  );
  return { potential, top };
}

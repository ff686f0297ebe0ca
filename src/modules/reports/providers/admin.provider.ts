/**
 * Builds the platform report. Standing figures (clients, users, memberships, recurring revenue)
 * are the ones `GET /api/admin/stats` answers, from the same service call; figures of the
 * report's period (new clients, ingestions, facts, spend) come from the period queries of the
 * reports model, in one platform transaction. Potential savings are of the period too: the open
 * findings whose evidence overlaps it, as the methodology says and as the client report counts
 * them, so the stats' all-time open total is not used here.
 */
import type { Db } from '../../../db/client.js';
import { withPlatform } from '../../../db/tenant.js';
import type { RequestContext } from '../../../http/context.js';
import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors.js';
import type { AdminService } from '../../admin/admin.service.js';
import type { FindingsService } from '../../findings/findings.service.js';
import { addDays, addDecimals, daysBetween } from '../../costs/costs.fns.js';
import * as model from '../reports.model.js';
import type {
  AdminClientRow,
  AdminReportModel,
  AdminReportParams,
  AdminReportStatsProvider,
  Money,
  PlanSubscriptions,
  SecuritySummary,
} from '../report.types.js';

export interface AdminProviderDeps {
  db: Db;
  clock: Clock;
  admin: Pick<AdminService, 'stats'>;
  /** Absent in tests that build the model without findings: savings are then empty. */
  findings?: Pick<FindingsService, 'forReport'> | null;
}

type Stats = Awaited<ReturnType<AdminService['stats']>>;

const sumCounts = (rows: Array<{ n: number }>) => rows.reduce((total, r) => total + r.n, 0);
const countOf = (rows: Array<{ status: string; n: number }>, status: string) =>
  rows.find((r) => r.status === status)?.n ?? 0;

/** Adds amounts per currency, exactly; currencies in alphabetical order. */
function perCurrency(rows: Array<{ currency: string; amount: string }>): Money[] {
  const totals = new Map<string, string>();
  for (const r of rows) {
    totals.set(r.currency, addDecimals(totals.get(r.currency) ?? '0', r.amount));
  }
  return [...totals]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amount]) => ({ currency, amount }));
}

function security(row: model.SecurityCountsDbRow): Omit<SecuritySummary, 'previous'> {
  return {
    logins: row.logins,
    loginFailures: row.login_failures,
    lockouts: row.lockouts,
    privilegedAccesses: row.privileged_accesses,
    passwordResets: row.password_resets,
  };
}

function planRow(r: model.PlanSubscriptionsDbRow): PlanSubscriptions {
  const billed = r.active + r.past_due;
  // Exact: a price has two decimals, so repeated addition never rounds.
  const mrr = addDecimals('0', ...Array.from({ length: billed }, () => r.monthly_price));
  return {
    planCode: r.code,
    planName: r.name,
    currency: r.currency,
    monthlyPrice: r.monthly_price,
    trialing: r.trialing,
    active: r.active,
    pastDue: r.past_due,
    canceled: r.canceled,
    monthlyRecurringRevenue: mrr,
  };
}

export function createAdminReportProvider(deps: AdminProviderDeps): AdminReportStatsProvider {
  const { db, clock } = deps;

  return {
    async build(ctx: RequestContext, params: AdminReportParams): Promise<AdminReportModel> {
      const actor = ctx.actor;
      if (!actor?.globalRole) {
        throw new AppError('forbidden', 'The platform report is for FinOpsLatam staff only.');
      }
      const { period, language } = params;
      const days = daysBetween(period.from, period.to) + 1;
      const before = { from: addDays(period.from, -days), to: addDays(period.from, -1) };

      // The stats open their own transactions; PGlite runs one at a time, so not nested.
      const stats: Stats = await deps.admin.stats(ctx);

      const data = await withPlatform(db, async (tx) => ({
        clients: await model.adminClients(tx),
        spend: await model.spendByClient(tx, period),
        figures: await model.platformPeriod(tx, period),
        plans: await model.subscriptionsByPlan(tx),
        changes: await model.subscriptionChanges(tx, period),
        security: await model.securityCounts(tx, period),
        securityBefore: await model.securityCounts(tx, before),
      }));

      // One tenant transaction per client, after the platform one: PGlite runs one at a time.
      // Each client's own rule settings decide what counts, as in its own report.
      const savings = new Map<string, Money[]>();
      for (const c of data.clients) {
        const found = deps.findings
          ? await deps.findings.forReport(ctx, c.id, {
              limit: 0,
              period: { from: period.from, to: period.to },
            })
          : null;
        savings.set(c.id, found?.potentialMonthlySavings ?? []);
      }
      const savingsOf = (clientId: string) => perCurrency(savings.get(clientId) ?? []);

      const clients: AdminClientRow[] = data.clients.map((c) => ({
        name: c.name,
        slug: c.slug,
        planCode: c.plan_code,
        planName: c.plan_name,
        status: c.status,
        members: c.members,
        spendUnderManagement: perCurrency(data.spend.filter((s) => s.client_id === c.id)),
        potentialMonthlySavings: savingsOf(c.id),
        lastIngestionAt: c.last_ingestion_at,
      }));

      const plans = data.plans.map(planRow);
      return {
        kind: 'admin',
        cover: {
          period,
          generatedAt: clock.now().toISOString(),
          timeZone: 'UTC',
          language,
          requestId: ctx.requestId,
          generatedBy: actor.email,
        },
        platform: {
          clients: {
            total: sumCounts(stats.clients.by_status),
            active: countOf(stats.clients.by_status, 'active'),
            suspended: countOf(stats.clients.by_status, 'suspended'),
            newInPeriod: data.figures.new_clients,
          },
          users: {
            total: sumCounts(stats.users.by_global_role),
            active: stats.users.active,
            disabled: stats.users.disabled,
          },
          memberships: sumCounts(stats.users.memberships_by_role),
          cloudAccounts: data.figures.cloud_accounts,
          ingestions: {
            succeeded: data.figures.ingestions_succeeded,
            failed: data.figures.ingestions_failed,
          },
          factRows: data.figures.fact_rows,
          spendUnderManagement: perCurrency(data.spend),
          // Each resource is deduplicated within its client; clients share no resources.
          potentialMonthlySavings: perCurrency([...savings.values()].flat()),
        },
        clients,
        subscriptions: {
          plans,
          // The same total as the stats' recurring revenue, per currency.
          monthlyRecurringRevenue: perCurrency(
            plans.map((p) => ({ currency: p.currency, amount: p.monthlyRecurringRevenue })),
          ),
          newInPeriod: data.changes.started,
          canceledInPeriod: data.changes.canceled,
        },
        security: {
          ...security(data.security),
          previous: data.security.any_before ? security(data.securityBefore) : null,
        },
      };
    },
  };
}

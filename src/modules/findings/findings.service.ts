import type { Db, Tx } from '../../db/client.js';
import { withPlatform, withTenant } from '../../db/tenant.js';
import type { Actor, RequestContext } from '../../http/context.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { FindingsSummary } from '../costs/costs.types.js';
import { loadEntitlements, requireFeature, requireWritable } from '../plans/entitlements.js';
import type { FindingSummary, Money, ReportLocale } from '../reports/report.types.js';
import * as model from './findings.model.js';
import {
  findRule,
  evaluateRules,
  ruleCatalog,
  thresholdErrors,
  type AnyRule,
  type Candidate,
  type Evidence,
  type Locale,
  type Localized,
  type RuleSetting,
} from './rules/index.js';
import {
  localeOf,
  toList,
  type FindingItem,
  type FindingsSummaryResponse,
  type LedgerEntry,
  type ListQuery,
  type PatchBody,
  type RecomputeResult,
  type RuleDto,
  type RuleSettingBody,
} from './findings.types.js';

export interface FindingsServiceDeps {
  db: Db;
  clock: Clock;
}

export type FindingsService = ReturnType<typeof createFindingsService>;

/** Days a recompute looks at, ending at the client's last billed day. */
const WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

const CATALOG_IDS = ruleCatalog.map((r) => r.id);
const ON_BY_DEFAULT = ruleCatalog.filter((r) => r.enabledByDefault).map((r) => r.id);

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Provider, account and resource, unambiguous whatever the id contains (text holds no NUL). */
function keyOf(c: Pick<Candidate, 'provider' | 'billingAccountId' | 'resourceId'>): string {
  return JSON.stringify([c.provider, c.billingAccountId, c.resourceId]);
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}

/** The client of the caller's token, with the capability the action needs. */
function tenantOf(
  ctx: RequestContext,
  capability: 'findings:read' | 'findings:manage',
): Actor & {
  clientId: string;
} {
  const actor = ctx.actor;
  if (!actor) throw new AppError('unauthenticated', 'Authentication is required.');
  if (!actor.clientId) {
    throw new AppError('forbidden', 'Findings work inside a client; choose a client first.');
  }
  if (!actor.capabilities.has(capability)) {
    throw new AppError('forbidden', `Your role does not allow this (needs "${capability}").`);
  }
  return actor as Actor & { clientId: string };
}

/** Settings as the evaluator takes them: threshold keys a rule no longer has are dropped. */
function evaluatorSettings(rows: model.SettingRow[]): Record<string, RuleSetting> {
  const out: Record<string, RuleSetting> = {};
  for (const row of rows) {
    const rule = findRule(row.ruleId);
    if (!rule) continue;
    const thresholds = Object.fromEntries(
      Object.entries((row.thresholds ?? {}) as Record<string, unknown>).filter(
        ([key]) => key in rule.defaults,
      ),
    );
    out[row.ruleId] = { ...(row.enabled === null ? {} : { enabled: row.enabled }), thresholds };
  }
  return out;
}

function enabledRules(rows: model.SettingRow[]): string[] {
  const switches = new Map(rows.map((r) => [r.ruleId, r.enabled]));
  return ruleCatalog.filter((r) => switches.get(r.id) ?? r.enabledByDefault).map((r) => r.id);
}

function encodeCursor(row: { monthlySavings: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.monthlySavings, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { savings: string; id: string } {
  try {
    const [savings, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (
      typeof savings === 'string' &&
      /^\d{1,18}(\.\d{1,2})?$/.test(savings) &&
      typeof id === 'string' &&
      /^[0-9a-f-]{36}$/.test(id)
    ) {
      return { savings, id };
    }
  } catch {
    // Falls through to the one error below.
  }
  throw new AppError('validation_failed', 'cursor is not one this API returned');
}

function itemOf(row: model.FindingRow, counted: boolean, locale: Locale): FindingItem {
  const rule = findRule(row.ruleId);
  return {
    id: row.id,
    rule_id: row.ruleId,
    category: row.category,
    title: rule?.text[locale].title ?? row.ruleId,
    status: row.status as FindingItem['status'],
    provider: row.provider,
    billing_account_id: row.billingAccountId,
    sub_account_id: row.subAccountId,
    service_name: row.serviceName,
    region_id: row.regionId,
    resource_id: row.resourceId,
    currency: row.currency,
    monthly_cost: row.monthlyCost,
    monthly_savings: row.monthlySavings,
    counted_in_totals: counted,
    confidence: row.confidence,
    effort: row.effort,
    window: { from: row.windowStart, to: row.windowEnd },
    first_seen: iso(row.firstSeen),
    last_seen: iso(row.lastSeen),
    dismissed:
      row.status === 'dismissed' && row.dismissedAt
        ? { by: row.dismissedBy, reason: row.dismissedReason, at: iso(row.dismissedAt) }
        : null,
    resolved:
      row.status === 'resolved' && row.resolvedAt
        ? {
            by: row.resolvedBy,
            at: iso(row.resolvedAt),
            how: (row.resolvedHow ?? 'manual') as 'manual' | 'auto',
          }
        : null,
  };
}

function ledgerOf(row: model.LedgerRow): LedgerEntry {
  return {
    id: row.id,
    finding_id: row.findingId,
    rule_id: row.ruleId,
    provider: row.provider,
    billing_account_id: row.billingAccountId,
    resource_id: row.resourceId,
    currency: row.currency,
    how: row.how as 'manual' | 'auto',
    resolved_on: row.resolvedOn,
    before: { from: row.beforeFrom, to: row.beforeTo, cost: row.cost30dBefore },
    after: {
      from: row.afterFrom,
      to: row.afterTo,
      days: row.afterDays,
      cost: row.cost30dAfter,
    },
    estimated_monthly: row.estimatedMonthly,
    realized_monthly: row.realizedMonthly,
    recorded_at: iso(row.recordedAt),
  };
}

function ruleDtoOf(rule: AnyRule, setting: model.SettingRow | undefined, locale: Locale): RuleDto {
  const overrides = (setting?.thresholds ?? {}) as Record<string, unknown>;
  const text = rule.text[locale];
  return {
    id: rule.id,
    category: rule.category,
    providers: [...rule.providers],
    confidence: rule.confidence,
    effort: rule.effort,
    title: text.title,
    description: text.description,
    remediation: text.remediation,
    savings_formula: rule.savingsFormula,
    enabled: setting?.enabled ?? rule.enabledByDefault,
    enabled_by_default: rule.enabledByDefault,
    defaults: { ...rule.defaults },
    thresholds: { ...rule.defaults, ...overrides },
    overrides,
    updated_at: setting ? iso(setting.updatedAt) : null,
  };
}

/** The figures a recompute refreshes on a finding it found again. */
function figuresOf(c: Candidate, window: { from: string; to: string }, now: Date) {
  return {
    provider: c.provider,
    billingAccountId: c.billingAccountId,
    subAccountId: c.subAccountId,
    resourceId: c.resourceId,
    serviceName: c.serviceName,
    regionId: c.regionId,
    currency: c.currency,
    category: c.category,
    monthlyCost: c.monthlyCost,
    monthlySavings: c.monthlySavings,
    confidence: c.confidence,
    effort: c.effort,
    evidence: c.evidence,
    facts: c.facts,
    reasoning: c.reasoning,
    windowStart: window.from,
    windowEnd: window.to,
    lastSeen: now,
  };
}

function sumByCurrency(rows: { currency: string; amount: string }[]): Money[] {
  return rows.map((r) => ({ currency: r.currency, amount: r.amount }));
}

/**
 * Findings: the rule catalog's candidates kept per (rule, resource) with a lifecycle, realized
 * savings measured after resolution, and the client's rule settings. The tenant is always the
 * token's client; the hooks for ingestion, reports and costs take theirs explicitly.
 */
export function createFindingsService(deps: FindingsServiceDeps) {
  const { db, clock } = deps;

  /** Plan gate (and read-only check for changes) inside the caller's transaction. */
  async function entitled(tx: Tx, clientId: string, write: boolean) {
    const e = await loadEntitlements(tx, clientId);
    requireFeature(e, 'findings');
    if (write) requireWritable(e);
    return e;
  }

  async function visibleRules(tx: Tx, clientId: string): Promise<string[]> {
    return enabledRules(await model.listSettings(tx, clientId));
  }

  /**
   * Evaluates the enabled rules over the last 30 days of data and applies the lifecycle:
   * new → open; open → figures updated; dismissed stays dismissed (figures updated); resolved
   * and found again → reopened; open and not found by its (still enabled) rule → resolved
   * automatically, with a ledger entry.
   */
  async function recomputeIn(
    tx: Tx,
    clientId: string,
    actorId: string | null,
    periods: readonly string[] | undefined,
  ): Promise<RecomputeResult> {
    const none = { candidates: 0, created: 0, updated: 0, reopened: 0, resolved: 0 };
    await model.lockClient(tx, clientId);
    const lastDay = await model.lastChargeDate(tx, clientId);
    if (!lastDay) return { skipped: 'no billing data', window: null, ...none };

    // At least WINDOW_DAYS, and always from the 1st of the last month: AWS dates monthly RI
    // and Savings Plan fees on the 1st, so a window starting on the 2nd would miss them.
    const monthStart = `${lastDay.slice(0, 7)}-01`;
    const rolling = addDays(lastDay, -(WINDOW_DAYS - 1));
    const window = { from: rolling < monthStart ? rolling : monthStart, to: lastDay };
    // An ingestion of an old month changes nothing the current window shows.
    if (periods && periods.length > 0) {
      const touches = periods.some((p) => {
        const start = p.length === 7 ? `${p}-01` : p;
        const end = addDays(`${addMonth(start.slice(0, 7))}-01`, -1);
        return start <= window.to && end >= window.from;
      });
      if (!touches) {
        await model.refreshLedger(tx, clientId, lastDay);
        return { skipped: 'periods outside the current window', window, ...none };
      }
    }

    const settings = await model.listSettings(tx, clientId);
    const candidates = await evaluateRules(tx, {
      clientId,
      windowStart: window.from,
      windowEnd: window.to,
      settings: evaluatorSettings(settings),
    });
    const evaluated = new Set(enabledRules(settings));

    const now = clock.now();
    const existing = new Map(
      (await model.allFindings(tx, clientId)).map((f) => [`${f.ruleId}\n${f.resourceKey}`, f]),
    );
    const resolvedOn = await model.resolutionDays(tx, clientId);
    const seen = new Set<string>();
    const fresh: model.NewFinding[] = [];
    const events: model.NewEvent[] = [];
    let updated = 0;
    let reopened = 0;

    for (const c of candidates) {
      const resourceKey = keyOf(c);
      const key = `${c.ruleId}\n${resourceKey}`;
      // Two rows of one rule for one resource would be a rule bug; the first (largest) wins.
      if (seen.has(key)) continue;
      seen.add(key);
      const figures = figuresOf(c, window, now);
      const found = existing.get(key);
      if (!found) {
        fresh.push({ clientId, ruleId: c.ruleId, resourceKey, status: 'open', ...figures });
        continue;
      }
      if (found.status === 'resolved') {
        // Billing before the resolution (still inside the window) does not undo it; only cost
        // billed on or after that day does.
        const since = resolvedOn.get(found.id);
        if (since && lastEvidenceDay(c) < since) continue;
        await model.updateFinding(tx, clientId, found.id, {
          ...figures,
          status: 'open',
          resolvedAt: null,
          resolvedBy: null,
          resolvedHow: null,
        });
        events.push({
          clientId,
          findingId: found.id,
          type: 'reopened',
          fromStatus: 'resolved',
          toStatus: 'open',
          actorUserId: actorId,
          reason: 'found again by recompute',
          details: { window },
        });
        reopened += 1;
      } else {
        await model.updateFinding(tx, clientId, found.id, figures);
        updated += 1;
      }
    }

    const inserted = await model.insertFindings(tx, fresh);
    for (const f of inserted) {
      events.push({
        clientId,
        findingId: f.id,
        type: 'opened',
        fromStatus: null,
        toStatus: 'open',
        actorUserId: actorId,
        details: { window },
      });
    }

    let resolved = 0;
    const billed = await model.accountsBilledIn(tx, clientId, window.from, window.to);
    for (const [key, f] of existing) {
      if (seen.has(key) || f.status !== 'open' || !evaluated.has(f.ruleId)) continue;
      // No data at all for its account in this window: unknown, not fixed. It stays open.
      if (!billed.has(`${f.provider}|${f.billingAccountId}|${f.subAccountId ?? ''}`)) continue;
      await model.updateFinding(tx, clientId, f.id, {
        status: 'resolved',
        resolvedAt: now,
        resolvedBy: null,
        resolvedHow: 'auto',
      });
      events.push({
        clientId,
        findingId: f.id,
        type: 'resolved',
        fromStatus: 'open',
        toStatus: 'resolved',
        actorUserId: actorId,
        reason: 'no longer found by recompute',
        details: { how: 'auto', window },
      });
      // The cost went away after the last window that still showed it.
      await model.insertLedger(tx, {
        clientId,
        finding: f,
        how: 'auto',
        resolvedOn: addDays(f.windowEnd, 1),
        lastDay,
        recordedBy: actorId,
      });
      resolved += 1;
    }
    await model.insertEvents(tx, events);
    await model.refreshLedger(tx, clientId, lastDay);

    return {
      skipped: null,
      window,
      candidates: candidates.length,
      created: inserted.length,
      updated,
      reopened,
      resolved,
    };
  }

  async function summaryIn(tx: Tx, clientId: string): Promise<FindingsSummaryResponse> {
    const rules = await visibleRules(tx, clientId);
    const counts = await model.statusCounts(tx, clientId, rules);
    const savings = await model.openSavings(tx, clientId, rules);
    const group = async (by: 'category' | 'rule_id' | 'billing_account_id') =>
      (await model.openGroups(tx, clientId, rules, by)).map((g) => ({
        key: g.key,
        currency: g.currency,
        open: g.open,
        monthly_savings: g.savings,
      }));
    return {
      open: counts.open ?? 0,
      dismissed: counts.dismissed ?? 0,
      resolved: counts.resolved ?? 0,
      potential_monthly_savings: savings.map((s) => ({ currency: s.currency, amount: s.deduped })),
      gross_monthly_savings: savings.map((s) => ({ currency: s.currency, amount: s.gross })),
      realized_monthly_savings: await model.realizedTotals(tx, clientId),
      by_category: await group('category'),
      by_rule: await group('rule_id'),
      by_account: await group('billing_account_id'),
    };
  }

  return {
    async list(ctx: RequestContext, q: ListQuery) {
      const actor = tenantOf(ctx, 'findings:read');
      const clientId = actor.clientId;
      const locale = localeOf(actor.locale);
      return withTenant(db, clientId, async (tx) => {
        await entitled(tx, clientId, false);
        const rules = await visibleRules(tx, clientId);
        const page = await model.listFindings(tx, clientId, rules, {
          statuses: toList(q.status),
          categories: toList(q.category),
          rules: toList(q.rule),
          account: q.account,
          service: q.service,
          region: q.region,
          minSavings: q.min_savings,
          after: q.cursor ? decodeCursor(q.cursor) : undefined,
          limit: q.limit + 1,
        });
        const shown = page.slice(0, q.limit);
        const rows = await model.findingsByIds(
          tx,
          clientId,
          shown.map((r) => r.id),
        );
        const byId = new Map(rows.map((r) => [r.id, r]));
        const items = shown.map((r) => itemOf(byId.get(r.id)!, r.counted, locale));
        const last = shown.length > 0 ? byId.get(shown[shown.length - 1]!.id)! : null;
        return {
          items,
          next_cursor: page.length > q.limit && last ? encodeCursor(last) : null,
        };
      });
    },

    async get(ctx: RequestContext, id: string) {
      const actor = tenantOf(ctx, 'findings:read');
      const clientId = actor.clientId;
      const locale = localeOf(actor.locale);
      return withTenant(db, clientId, async (tx) => {
        await entitled(tx, clientId, false);
        const rules = await visibleRules(tx, clientId);
        const row = await model.findFinding(tx, clientId, id);
        if (!row) throw notFound('Finding');
        const rule = findRule(row.ruleId);
        const counted = await model.isCounted(tx, clientId, rules, id);
        const history = await model.eventsOf(tx, clientId, id);
        const ledger = await model.ledgerEntries(tx, clientId, id);
        return {
          ...itemOf(row, counted, locale),
          description: rule?.text[locale].description ?? '',
          reasoning: (row.reasoning as Localized)[locale] ?? '',
          remediation: rule?.text[locale].remediation ?? '',
          savings_formula: rule?.savingsFormula ?? '',
          facts: row.facts as Record<string, unknown>,
          evidence: row.evidence as Evidence[],
          history: history.map((e) => ({
            type: e.type,
            from_status: e.fromStatus,
            to_status: e.toStatus,
            actor_user_id: e.actorUserId,
            reason: e.reason,
            occurred_at: iso(e.occurredAt),
          })),
          ledger: ledger.map(ledgerOf),
        };
      });
    },

    /** Dismiss (reason required), resolve by hand (ledger entry) or reopen. */
    async setStatus(ctx: RequestContext, id: string, body: PatchBody) {
      const actor = tenantOf(ctx, 'findings:manage');
      const clientId = actor.clientId;
      if (body.status === 'dismissed' && !body.reason) {
        throw new AppError('validation_failed', 'reason: dismissing a finding needs a reason', {
          details: { issues: [{ field: 'reason', message: 'required to dismiss' }] },
        });
      }
      await withTenant(db, clientId, async (tx) => {
        await entitled(tx, clientId, true);
        await model.lockClient(tx, clientId);
        const row = await model.findFinding(tx, clientId, id);
        if (!row) throw notFound('Finding');
        if (row.status === body.status && body.status !== 'dismissed') return;

        const now = clock.now();
        const reason = body.reason ?? null;
        if (body.status === 'dismissed') {
          await model.updateFinding(tx, clientId, id, {
            status: 'dismissed',
            dismissedAt: now,
            dismissedBy: actor.userId,
            dismissedReason: reason,
          });
        } else if (body.status === 'resolved') {
          const updated = await model.updateFinding(tx, clientId, id, {
            status: 'resolved',
            resolvedAt: now,
            resolvedBy: actor.userId,
            resolvedHow: 'manual',
          });
          const lastDay = await model.lastChargeDate(tx, clientId);
          const today = now.toISOString().slice(0, 10);
          // Billing data lags: with none after today-ish, "before" is the last 30 billed days.
          const pivot = lastDay && addDays(lastDay, 1) < today ? addDays(lastDay, 1) : today;
          await model.insertLedger(tx, {
            clientId,
            finding: updated!,
            how: 'manual',
            resolvedOn: pivot,
            lastDay,
            recordedBy: actor.userId,
          });
        } else {
          await model.updateFinding(tx, clientId, id, {
            status: 'open',
            dismissedAt: null,
            dismissedBy: null,
            dismissedReason: null,
            resolvedAt: null,
            resolvedBy: null,
            resolvedHow: null,
          });
        }
        const type =
          body.status === 'open'
            ? 'reopened'
            : body.status === 'dismissed'
              ? 'dismissed'
              : 'resolved';
        await model.insertEvents(tx, [
          {
            clientId,
            findingId: id,
            type,
            fromStatus: row.status,
            toStatus: body.status,
            actorUserId: actor.userId,
            reason,
            details: body.status === 'resolved' ? { how: 'manual' } : {},
          },
        ]);
      });
      return this.get(ctx, id);
    },

    async summary(ctx: RequestContext): Promise<FindingsSummaryResponse> {
      const clientId = tenantOf(ctx, 'findings:read').clientId;
      return withTenant(db, clientId, async (tx) => {
        await entitled(tx, clientId, false);
        return summaryIn(tx, clientId);
      });
    },

    async ledger(ctx: RequestContext) {
      const clientId = tenantOf(ctx, 'findings:read').clientId;
      return withTenant(db, clientId, async (tx) => {
        await entitled(tx, clientId, false);
        const rows = await model.ledgerEntries(tx, clientId);
        return {
          items: rows.map(ledgerOf),
          totals: await model.realizedTotals(tx, clientId),
        };
      });
    },

    async rules(ctx: RequestContext): Promise<{ items: RuleDto[] }> {
      const actor = tenantOf(ctx, 'findings:read');
      const clientId = actor.clientId;
      const locale = localeOf(actor.locale);
      return withTenant(db, clientId, async (tx) => {
        await entitled(tx, clientId, false);
        const settings = new Map(
          (await model.listSettings(tx, clientId)).map((s) => [s.ruleId, s]),
        );
        return { items: ruleCatalog.map((r) => ruleDtoOf(r, settings.get(r.id), locale)) };
      });
    },

    /** Replaces the client's setting of one rule; thresholds are checked against its defaults. */
    async setRule(ctx: RequestContext, ruleId: string, body: RuleSettingBody): Promise<RuleDto> {
      const actor = tenantOf(ctx, 'findings:manage');
      const clientId = actor.clientId;
      const rule = findRule(ruleId);
      if (!rule) throw notFound('Rule');
      const thresholds = body.thresholds ?? {};
      const errors = thresholdErrors(rule, thresholds);
      if (errors.length > 0) {
        throw new AppError('validation_failed', errors.join('; '), {
          details: { issues: errors.map((message) => ({ field: 'thresholds', message })) },
        });
      }
      return withTenant(db, clientId, async (tx) => {
        await entitled(tx, clientId, true);
        const saved = await model.saveSetting(tx, {
          clientId,
          ruleId,
          enabled: body.enabled ?? null,
          thresholds,
          updatedBy: actor.userId,
        });
        return ruleDtoOf(rule, saved, localeOf(actor.locale));
      });
    },

    /**
     * Re-evaluates the client's findings. A user needs findings:manage and a writable plan; a
     * system context (no actor: the ingestion worker) skips those checks, and a plan without
     * findings just skips the work.
     */
    async recompute(
      ctx: RequestContext,
      clientId: string,
      opts: { periods?: string[] } = {},
    ): Promise<RecomputeResult> {
      if (ctx.actor) {
        const own = tenantOf(ctx, 'findings:manage').clientId;
        if (own !== clientId) throw notFound('Client');
      }
      const actorId = ctx.actor?.userId ?? null;
      return withTenant(db, clientId, async (tx) => {
        if (ctx.actor) {
          await entitled(tx, clientId, true);
        } else {
          const e = await loadEntitlements(tx, clientId);
          if (!e.features.has('findings')) {
            return {
              skipped: 'plan without findings',
              window: null,
              candidates: 0,
              created: 0,
              updated: 0,
              reopened: 0,
              resolved: 0,
            };
          }
        }
        return recomputeIn(tx, clientId, actorId, opts.periods);
      });
    },

    /** Open findings and their deduplicated savings for the cost summary; null if not allowed. */
    async summaryForCosts(ctx: RequestContext): Promise<FindingsSummary | null> {
      const actor = ctx.actor;
      if (!actor?.clientId || !actor.capabilities.has('findings:read')) return null;
      const clientId = actor.clientId;
      return withTenant(db, clientId, async (tx) => {
        const e = await loadEntitlements(tx, clientId);
        if (!e.features.has('findings')) return null;
        const rules = await visibleRules(tx, clientId);
        const savings = await model.openSavings(tx, clientId, rules);
        return {
          open: savings.reduce((n, s) => n + s.open, 0),
          potentialMonthlySavings: savings.map((s) => ({
            currency: s.currency,
            amount: s.deduped,
          })),
        };
      });
    },

    /**
     * What an executive report shows: the largest open savings (one per resource, titles in
     * the report's language), deduplicated potential savings and realized savings per currency.
     */
    async forReport(
      ctx: RequestContext,
      clientId: string,
      opts: { limit: number; locale?: ReportLocale; period?: model.EvidenceWindow },
    ): Promise<{
      top: FindingSummary[];
      potentialMonthlySavings: Money[];
      realizedSavings: Money[];
      evidenceWindow: model.EvidenceWindow | null;
    }> {
      const actor = ctx.actor;
      if (actor && actor.clientId !== clientId && !actor.globalRole) {
        throw notFound('Client');
      }
      const locale = localeOf(opts.locale ?? actor?.locale);
      const limit = Math.max(0, Math.min(Math.trunc(opts.limit), 500));
      return withTenant(db, clientId, async (tx) => {
        const rules = await visibleRules(tx, clientId);
        const top = await model.topCounted(tx, clientId, rules, limit, opts.period);
        const savings = await model.openSavings(tx, clientId, rules, opts.period);
        const evidenceWindow = await model.countedWindow(tx, clientId, rules, opts.period);
        return {
          top: top.map((f) => ({
            id: f.id,
            title: findRule(f.ruleId)?.text[locale].title ?? f.ruleId,
            category: f.category,
            provider: f.provider,
            accountId: f.subAccountId ?? f.billingAccountId,
            serviceName: f.serviceName,
            resourceId: f.resourceId,
            currency: f.currency,
            monthlySavings: f.monthlySavings,
            effort: f.effort as FindingSummary['effort'],
          })),
          potentialMonthlySavings: savings.map((s) => ({
            currency: s.currency,
            amount: s.deduped,
          })),
          realizedSavings: sumByCurrency(await model.realizedTotals(tx, clientId)),
          evidenceWindow,
        };
      });
    },

    /** Platform-wide open savings (deduplicated) and the clients with most; admin stats. */
    async platformTotals(): Promise<{
      potentialSavings: { currency: string; amount: string }[];
      topClientsBySavings: { client_id: string; slug: string; currency: string; amount: string }[];
    }> {
      const totals = await withPlatform(db, (tx) =>
        model.platformTotals(tx, CATALOG_IDS, ON_BY_DEFAULT),
      );
      return { potentialSavings: totals.potential, topClientsBySavings: totals.top };
    },
  };
}

/** The last day a candidate's evidence was billed; '9999-12-31' when it keeps no evidence. */
function lastEvidenceDay(c: Candidate): string {
  if (c.evidence.length === 0) return '9999-12-31';
  return c.evidence.reduce((last, e) => (e.lastSeen > last ? e.lastSeen : last), '');
}

function addMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m, 1));
  return d.toISOString().slice(0, 7);
}

import { queryRows, type Tx } from '../../../db/client.js';
import { AppError } from '../../../lib/errors.js';
import { ruleCatalog } from './catalog/index.js';
import {
  compareDecimals,
  localize,
  mergeThresholds,
  type AnyRule,
} from './rules.fns.js';
import type {
  Candidate,
  EvaluateInput,
  FactValue,
  RuleContext,
  RuleRow,
} from './rules.types.js';

const DAY_MS = 86_400_000;
/** A year and a day: enough for any look-back; longer windows are a caller's mistake. */
const MAX_WINDOW_DAYS = 366;

function parseDay(value: string, field: string): number {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) {
    throw new AppError('validation_failed', `${field} must be a date written YYYY-MM-DD`, {
      details: { field, value },
    });
  }
  return time;
}

export function ruleContext(input: EvaluateInput): RuleContext {
  const start = parseDay(input.windowStart, 'windowStart');
  const end = parseDay(input.windowEnd, 'windowEnd');
  const windowDays = (end - start) / DAY_MS + 1;
  if (windowDays < 1 || windowDays > MAX_WINDOW_DAYS) {
    throw new AppError(
      'validation_failed',
      `the window must run forward and last at most ${MAX_WINDOW_DAYS} days`,
      { details: { windowStart: input.windowStart, windowEnd: input.windowEnd } },
    );
  }
  return {
    clientId: input.clientId,
    windowStart: input.windowStart,
    windowEnd: input.windowEnd,
    windowDays,
  };
}

function selectRules(catalog: readonly AnyRule[], ids: readonly string[] | undefined) {
  if (!ids) return catalog;
  const known = new Set(catalog.map((r) => r.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new AppError('validation_failed', `unknown rule ids: ${unknown.join(', ')}`, {
      details: { unknown },
    });
  }
  const wanted = new Set(ids);
  return catalog.filter((r) => wanted.has(r.id));
}

function toCandidate(rule: AnyRule, row: RuleRow): Candidate {
  const facts: Record<string, FactValue> = row.facts ?? {};
  const reasonFacts = {
    ...facts,
    resourceId: row.resource_id,
    monthlyCost: row.monthly_cost,
    monthlySavings: row.monthly_savings,
    currency: row.currency,
  };
  return {
    ruleId: rule.id,
    category: rule.category,
    provider: row.provider,
    billingAccountId: row.billing_account_id,
    subAccountId: row.sub_account_id,
    resourceId: row.resource_id,
    serviceName: row.service_name,
    regionId: row.region_id,
    currency: row.currency,
    monthlyCost: row.monthly_cost,
    monthlySavings: row.monthly_savings,
    confidence: rule.confidence,
    effort: rule.effort,
    evidence: row.evidence ?? [],
    facts,
    reasoning: localize(
      { es: rule.text.es.reason, en: rule.text.en.reason, 'pt-BR': rule.text['pt-BR'].reason },
      reasonFacts,
    ),
  };
}

/**
 * Runs the enabled rules of the catalog over one client's daily facts in the window and
 * returns candidate findings, largest saving first within each rule. Read-only; meant to run
 * inside `withTenant(db, clientId, tx => evaluateRules(tx, …))`, where row-level security
 * backs the `client_id` filter every rule writes itself.
 *
 * Settings for rules not in the catalog are ignored (a rule may have been retired); bad
 * threshold overrides are a `validation_failed` error naming the rule and key.
 */
export async function evaluateRules(
  tx: Tx,
  input: EvaluateInput,
  catalog: readonly AnyRule[] = ruleCatalog,
): Promise<Candidate[]> {
  const ctx = ruleContext(input);
  const rules = selectRules(catalog, input.ruleIds);

  // Validate every override before running anything, so a bad setting fails fast and whole.
  const plan = rules
    .map((rule) => {
      const setting = input.settings?.[rule.id];
      return { rule, enabled: setting?.enabled ?? rule.enabledByDefault, setting };
    })
    .filter((p) => p.enabled)
    .map((p) => ({ rule: p.rule, thresholds: mergeThresholds(p.rule, p.setting) }));

  const candidates: Candidate[] = [];
  for (const { rule, thresholds } of plan) {
    // One statement per rule, in sequence: a transaction runs one query at a time anyway.
    const rows = await queryRows<RuleRow>(tx, rule.query(ctx, thresholds));
    const floor = thresholds.minMonthlySavings.toFixed(10);
    for (const row of rows) {
      if (compareDecimals(row.monthly_savings, floor) < 0) continue;
      candidates.push(toCandidate(rule, row));
    }
  }
  return candidates;
}

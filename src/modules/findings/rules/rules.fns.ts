import { AppError } from '../../../lib/errors.js';
import type {
  BaseThresholds,
  Candidate,
  FactValue,
  Localized,
  RuleDefinition,
  RuleSetting,
  Thresholds,
  ThresholdValue,
} from './rules.types.js';
import { LOCALES } from './rules.types.js';

export type AnyRule = RuleDefinition<BaseThresholds & Thresholds>;

/** Keeps each rule's thresholds typed where it is written, and the catalog one array. */
export function defineRule<T extends BaseThresholds & Thresholds>(
  rule: RuleDefinition<T>,
): AnyRule {
  return rule as unknown as AnyRule;
}

/* ---------------------------------------------------------------------------------------------
 * Money. Amounts travel as decimal strings; sums are done on scaled integers, never on floats.
 * ------------------------------------------------------------------------------------------- */

const SCALE = 10;
const FACTOR = 10n ** BigInt(SCALE);

function toScaled(value: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw new Error(`not a decimal amount: ${value}`);
  const [, sign, whole, fraction = ''] = match;
  const digits = (fraction + '0'.repeat(SCALE)).slice(0, SCALE);
  const scaled = BigInt(whole!) * FACTOR + BigInt(digits);
  return sign === '-' ? -scaled : scaled;
}

function fromScaled(value: bigint, decimals = 2): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  // Round half up at the requested number of decimals.
  const unit = 10n ** BigInt(SCALE - decimals);
  const rounded = (abs + unit / 2n) / unit;
  const whole = rounded / 10n ** BigInt(decimals);
  const fraction = (rounded % 10n ** BigInt(decimals)).toString().padStart(decimals, '0');
  const text = decimals > 0 ? `${whole}.${fraction}` : `${whole}`;
  return negative && rounded !== 0n ? `-${text}` : text;
}

export function sumDecimals(values: readonly string[]): string {
  return fromScaled(values.reduce((acc, v) => acc + toScaled(v), 0n));
}

export function compareDecimals(a: string, b: string): number {
  const d = toScaled(a) - toScaled(b);
  return d === 0n ? 0 : d > 0n ? 1 : -1;
}

/* ---------------------------------------------------------------------------------------------
 * Deduplicated savings. Several rules may price the same resource (a previous-generation m4
 * that is also a Graviton candidate); only the largest saving per resource counts in totals,
 * while every candidate stays listed.
 * ------------------------------------------------------------------------------------------- */

export function resourceKey(c: Pick<Candidate, 'provider' | 'billingAccountId' | 'resourceId'>) {
  return `${c.provider}\u0000${c.billingAccountId}\u0000${c.resourceId}`;
}

/** The candidates whose saving counts in totals: the largest per resource (ties: rule id). */
export function countedCandidates<T extends Candidate>(candidates: readonly T[]): Set<T> {
  const best = new Map<string, T>();
  for (const c of candidates) {
    const key = resourceKey(c);
    const current = best.get(key);
    if (!current) {
      best.set(key, c);
      continue;
    }
    const cmp = compareDecimals(c.monthlySavings, current.monthlySavings);
    if (cmp > 0 || (cmp === 0 && c.ruleId < current.ruleId)) best.set(key, c);
  }
  return new Set(best.values());
}

/** Monthly savings per currency, counting only the largest saving of each resource. */
export function dedupedMonthlySavings(candidates: readonly Candidate[]): Record<string, string> {
  const byCurrency = new Map<string, string[]>();
  for (const c of countedCandidates(candidates)) {
    const list = byCurrency.get(c.currency) ?? [];
    list.push(c.monthlySavings);
    byCurrency.set(c.currency, list);
  }
  return Object.fromEntries([...byCurrency].map(([cur, list]) => [cur, sumDecimals(list)]));
}

/* ---------------------------------------------------------------------------------------------
 * Thresholds. A client's overrides are validated against the rule's defaults: same keys, same
 * kinds, finite non-negative numbers. The lead's PUT /rules/:id can reuse `thresholdErrors`.
 * ------------------------------------------------------------------------------------------- */

function sameKind(def: ThresholdValue, value: unknown): value is ThresholdValue {
  if (typeof def === 'number') {
    return typeof value === 'number' && Number.isFinite(value) && value >= 0;
  }
  return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0);
}

/** Fractions are named …Rate, …Share, …Discount or percentile; percentages end in Pct. */
function upperBound(key: string): number | null {
  if (/(Rate|Share|Discount|^percentile)$/.test(key)) return 1;
  if (/Pct$/.test(key)) return 100;
  return null;
}

export function thresholdErrors(rule: AnyRule, overrides: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    const def = rule.defaults[key];
    const max = upperBound(key);
    if (def === undefined) {
      errors.push(`rule ${rule.id} has no threshold "${key}"`);
    } else if (!sameKind(def, value)) {
      const kind = typeof def === 'number' ? 'a non-negative number' : 'a list of strings';
      errors.push(`threshold "${key}" of rule ${rule.id} must be ${kind}`);
    } else if (max !== null && (value as number) > max) {
      errors.push(`threshold "${key}" of rule ${rule.id} must be at most ${max}`);
    }
  }
  return errors;
}

export function mergeThresholds(
  rule: AnyRule,
  setting: RuleSetting | undefined,
): BaseThresholds & Thresholds {
  const overrides = setting?.thresholds ?? {};
  const errors = thresholdErrors(rule, overrides);
  if (errors.length > 0) {
    throw new AppError('validation_failed', errors.join('; '), { details: { errors } });
  }
  return { ...rule.defaults, ...(overrides as Thresholds) };
}

/* ---------------------------------------------------------------------------------------------
 * Reasoning text: `{name}` placeholders filled from the candidate's facts.
 * ------------------------------------------------------------------------------------------- */

export function fillTemplate(template: string, facts: Record<string, FactValue>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = facts[name];
    return value === undefined || value === null ? whole : String(value);
  });
}

export function localize(
  templates: Record<(typeof LOCALES)[number], string>,
  facts: Record<string, FactValue>,
): Localized {
  return {
    es: fillTemplate(templates.es, facts),
    en: fillTemplate(templates.en, facts),
    'pt-BR': fillTemplate(templates['pt-BR'], facts),
  };
}

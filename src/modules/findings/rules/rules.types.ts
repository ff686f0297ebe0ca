import type { SQL } from 'drizzle-orm';

export type Locale = 'es' | 'en' | 'pt-BR';
export const LOCALES: readonly Locale[] = ['es', 'en', 'pt-BR'];

export type Localized = Record<Locale, string>;

export type RuleCategory =
  | 'commitments'
  | 'compute'
  | 'storage'
  | 'network'
  | 'idle'
  | 'governance';
export type Provider = 'aws' | 'azure' | 'gcp' | 'oci';
export type Level = 'high' | 'medium' | 'low';

/**
 * A threshold is a number (days, hours, rates, money in the billing currency) or a list of
 * strings (tag keys). Keeping the set this small lets one validator serve every rule.
 */
export type ThresholdValue = number | readonly string[];
export type Thresholds = Record<string, ThresholdValue>;

/** Thresholds every rule has, so the evaluator can filter candidates the same way for all. */
export interface BaseThresholds {
  /** Candidates saving less than this per month (billing currency) are dropped. */
  minMonthlySavings: number;
}

/** Words of one locale for a rule; `reason` is a template with `{fact}` placeholders. */
export interface RuleText {
  title: string;
  description: string;
  remediation: string;
  reason: string;
}

/** The window a rule looks at: dates are inclusive `YYYY-MM-DD`; windowDays = end − start + 1. */
export interface RuleContext {
  clientId: string;
  windowStart: string;
  windowEnd: string;
  windowDays: number;
}

export interface RuleDefinition<T extends BaseThresholds = BaseThresholds & Thresholds> {
  /** Stable id, `<provider|multi>.<service>.<what>`; persisted findings refer to it. */
  id: string;
  category: RuleCategory;
  providers: readonly Provider[];
  confidence: Level;
  effort: Level;
  text: Record<Locale, RuleText>;
  /** How the monthly saving is computed, in plain English, for the catalog API and reviewers. */
  savingsFormula: string;
  defaults: T;
  enabledByDefault: boolean;
  /** One SQL statement returning `RuleRow`s; it must filter `client_id` itself. */
  query(ctx: RuleContext, thresholds: T): SQL;
}

/** One row of evidence kept with a candidate: what was billed, where, and for how long. */
export interface Evidence {
  resourceId: string | null;
  subAccountId: string | null;
  usageType: string | null;
  operation: string | null;
  daysObserved: number;
  firstSeen: string;
  lastSeen: string;
  /** Net amortized cost in the window (not monthly), decimal string. */
  cost: string;
  usageQuantity: string | null;
  usageUnit: string | null;
}

export type FactValue = string | number | boolean | null;

/** The shape every rule query returns (snake_case, as PostgreSQL names the columns). */
export interface RuleRow {
  provider: Provider;
  billing_account_id: string;
  sub_account_id: string | null;
  resource_id: string;
  service_name: string | null;
  region_id: string | null;
  currency: string;
  monthly_cost: string;
  monthly_savings: string;
  facts: Record<string, FactValue> | null;
  evidence: Evidence[] | null;
}

export interface Candidate {
  ruleId: string;
  category: RuleCategory;
  provider: Provider;
  billingAccountId: string;
  subAccountId: string | null;
  /** The resource, or a synthetic key (`<kind>:<account>…`) for account-level findings. */
  resourceId: string;
  serviceName: string | null;
  regionId: string | null;
  currency: string;
  /** Decimal strings with two decimals; savings never exceed the cost they come from. */
  monthlyCost: string;
  monthlySavings: string;
  confidence: Level;
  effort: Level;
  evidence: Evidence[];
  /** The numbers behind the reasoning, for a UI that renders its own sentence. */
  facts: Record<string, FactValue>;
  reasoning: Localized;
}

export interface RuleSetting {
  enabled?: boolean;
  thresholds?: Record<string, unknown>;
}

export interface EvaluateInput {
  clientId: string;
  windowStart: string;
  windowEnd: string;
  settings?: Record<string, RuleSetting>;
  /** Evaluate only these rules (recompute one rule, tests); default: the whole catalog. */
  ruleIds?: readonly string[];
}

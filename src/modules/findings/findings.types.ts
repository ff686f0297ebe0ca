import { z } from 'zod';

import { LOCALES, type Locale } from './rules/rules.types.js';

/*
 * Schemas of the findings endpoints and the shapes other modules receive. Amounts are decimal
 * strings in the finding's billing currency; figures in different currencies are never added.
 */

export const FINDING_STATUSES = ['open', 'dismissed', 'resolved'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export const CATEGORIES = ['commitments', 'compute', 'storage', 'network', 'idle', 'governance'];

const DECIMAL = /^\d{1,12}(\.\d{1,2})?$/;

/** One value or the parameter repeated (`?status=open&status=dismissed`). */
const repeatable = <T extends z.ZodType<string>>(item: T, what: string) =>
  z.union([item, z.array(item).max(50)]).optional().describe(`${what} Repeat to match any.`);

export function toList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export const listQuerySchema = z
  .object({
    status: repeatable(z.enum(FINDING_STATUSES), 'Status: open, dismissed or resolved.'),
    category: repeatable(z.string().max(40), `Category: ${CATEGORIES.join(', ')}.`),
    rule: repeatable(z.string().max(80), 'Rule id, e.g. aws.ebs.gp2_to_gp3.'),
    account: z
      .string()
      .max(128)
      .optional()
      .describe('Billing account or sub-account id (AWS linked account, Azure subscription).'),
    service: z.string().max(200).optional().describe('Service name as billed.'),
    region: z.string().max(64).optional().describe('Region id, e.g. us-east-1.'),
    min_savings: z
      .string()
      .regex(DECIMAL, 'min_savings must be a plain decimal amount such as "25.00"')
      .optional()
      .describe('Only findings saving at least this much a month (billing currency).'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(400).optional().describe('`next_cursor` of the previous page.'),
  })
  .strict();
export type ListQuery = z.output<typeof listQuerySchema>;

export const idParams = z.object({ id: z.uuid() }).strict();
export const ruleParams = z.object({ id: z.string().min(3).max(80) }).strict();

export const patchBodySchema = z
  .object({
    status: z.enum(FINDING_STATUSES),
    reason: z.string().trim().min(1).max(1000).optional(),
  })
  .strict();
export type PatchBody = z.output<typeof patchBodySchema>;

export const ruleSettingBodySchema = z
  .object({
    enabled: z
      .boolean()
      .nullable()
      .optional()
      .describe('Turn the rule on or off for this client; null goes back to the default.'),
    thresholds: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Overrides of the rule defaults (replaces earlier overrides; {} resets).'),
  })
  .strict();
export type RuleSettingBody = z.output<typeof ruleSettingBodySchema>;

export const recomputeBodySchema = z
  .object({
    periods: z
      .array(z.string().regex(/^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$/, 'periods are YYYY-MM'))
      .max(60)
      .optional(),
  })
  .strict()
  .optional();

const money = z.string().describe('Decimal amount in the billing currency.');
const moneyList = z.array(z.object({ currency: z.string(), amount: money }));

const dismissedSchema = z
  .object({ by: z.string().nullable(), reason: z.string().nullable(), at: z.string() })
  .nullable();
const resolvedSchema = z
  .object({ by: z.string().nullable(), at: z.string(), how: z.enum(['manual', 'auto']) })
  .nullable();

export const findingItemSchema = z.object({
  id: z.uuid(),
  rule_id: z.string(),
  category: z.string(),
  title: z.string(),
  status: z.enum(FINDING_STATUSES),
  provider: z.string(),
  billing_account_id: z.string(),
  sub_account_id: z.string().nullable(),
  service_name: z.string().nullable(),
  region_id: z.string().nullable(),
  resource_id: z.string(),
  currency: z.string(),
  monthly_cost: money,
  monthly_savings: money,
  counted_in_totals: z
    .boolean()
    .describe('True when this is the largest open saving of its resource (what totals count).'),
  confidence: z.string(),
  effort: z.string(),
  window: z.object({ from: z.string(), to: z.string() }),
  first_seen: z.string(),
  last_seen: z.string(),
  dismissed: dismissedSchema,
  resolved: resolvedSchema,
});
export type FindingItem = z.infer<typeof findingItemSchema>;

export const listResponseSchema = z.object({
  items: z.array(findingItemSchema),
  next_cursor: z.string().nullable(),
});

const evidenceSchema = z.object({
  resourceId: z.string().nullable(),
  subAccountId: z.string().nullable(),
  usageType: z.string().nullable(),
  operation: z.string().nullable(),
  daysObserved: z.number(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  cost: z.string(),
  usageQuantity: z.string().nullable(),
  usageUnit: z.string().nullable(),
});

export const historyEntrySchema = z.object({
  type: z.string(),
  from_status: z.string().nullable(),
  to_status: z.string(),
  actor_user_id: z.string().nullable(),
  reason: z.string().nullable(),
  occurred_at: z.string(),
});

export const ledgerEntrySchema = z.object({
  id: z.uuid(),
  finding_id: z.uuid(),
  rule_id: z.string(),
  provider: z.string(),
  billing_account_id: z.string(),
  resource_id: z.string(),
  currency: z.string(),
  how: z.enum(['manual', 'auto']),
  resolved_on: z.string(),
  before: z.object({ from: z.string(), to: z.string(), cost: money }),
  after: z.object({
    from: z.string(),
    to: z.string().nullable(),
    days: z.number().int().describe('Days of data after resolution counted so far (0–30).'),
    cost: money,
  }),
  estimated_monthly: money.describe('The finding’s monthly saving when it was resolved.'),
  realized_monthly: money
    .nullable()
    .describe(
      'Cost of the 30 days before minus the cost after scaled to 30 days; null until a day ' +
        'of data after the resolution exists. Recomputed until 30 days are covered.',
    ),
  recorded_at: z.string(),
});
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

export const detailResponseSchema = findingItemSchema.extend({
  description: z.string(),
  reasoning: z.string().describe('Why this was found, with its numbers, in your language.'),
  remediation: z.string().describe('How to fix it in the console or with the CLI.'),
  savings_formula: z.string(),
  facts: z.record(z.string(), z.unknown()),
  evidence: z.array(evidenceSchema),
  history: z.array(historyEntrySchema),
  ledger: z.array(ledgerEntrySchema),
});

const groupSchema = z.object({
  key: z.string(),
  currency: z.string(),
  open: z.number().int(),
  monthly_savings: money.describe('Deduplicated: the largest saving of each resource.'),
});

export const summaryResponseSchema = z.object({
  open: z.number().int(),
  dismissed: z.number().int(),
  resolved: z.number().int(),
  potential_monthly_savings: moneyList.describe(
    'Open findings, counting only the largest saving of each resource.',
  ),
  gross_monthly_savings: moneyList.describe('Every open finding added up, overlaps included.'),
  realized_monthly_savings: moneyList,
  by_category: z.array(groupSchema),
  by_rule: z.array(groupSchema),
  by_account: z.array(groupSchema),
});
export type FindingsSummaryResponse = z.infer<typeof summaryResponseSchema>;

export const ledgerResponseSchema = z.object({
  items: z.array(ledgerEntrySchema),
  totals: moneyList.describe('Realized monthly savings of findings still resolved.'),
});

export const ruleDtoSchema = z.object({
  id: z.string(),
  category: z.string(),
  providers: z.array(z.string()),
  confidence: z.string(),
  effort: z.string(),
  title: z.string(),
  description: z.string(),
  remediation: z.string(),
  savings_formula: z.string(),
  enabled: z.boolean().describe('Whether recompute runs it for your client.'),
  enabled_by_default: z.boolean(),
  defaults: z.record(z.string(), z.unknown()),
  thresholds: z.record(z.string(), z.unknown()).describe('Effective: defaults plus overrides.'),
  overrides: z.record(z.string(), z.unknown()),
  updated_at: z.string().nullable(),
});
export type RuleDto = z.infer<typeof ruleDtoSchema>;

export const recomputeResponseSchema = z.object({
  skipped: z.string().nullable().describe('Why nothing ran (no data, period not current).'),
  window: z.object({ from: z.string(), to: z.string() }).nullable(),
  candidates: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  reopened: z.number().int(),
  resolved: z.number().int(),
});
export type RecomputeResult = z.infer<typeof recomputeResponseSchema>;

/** The user's locale when it is one we write, else Spanish (the product's first language). */
export function localeOf(value: string | null | undefined): Locale {
  return (LOCALES as readonly string[]).includes(value ?? '') ? (value as Locale) : 'es';
}

import { z } from 'zod';

import { AppError } from '../../lib/errors.js';
import { isRealDate, MONTH } from '../../lib/dates.js';

/*
 * Query and response schemas of the cost analytics endpoints. Query schemas take what Fastify
 * hands over (strings, or string arrays for repeated parameters) and hold no transforms, so the
 * OpenAPI document shows exactly what a caller sends. Every message names its parameter.
 */

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

export const METRICS = ['billed', 'net_billed', 'amortized', 'net_amortized', 'list'] as const;
export type Metric = (typeof METRICS)[number];

/** What each metric means; the same words go into the OpenAPI description. */
export const METRIC_DEFINITIONS: Record<Metric, string> = {
  billed:
    'Billed cost (AWS unblended, FOCUS BilledCost): what each charge costs on the day it is ' +
    'billed, before negotiated discounts; upfront commitment fees land on the purchase day and ' +
    'Savings-Plan-covered usage nets to zero.',
  net_billed:
    'Net billed cost (AWS net unblended): billed cost after negotiated discounts (EDP, private ' +
    'pricing); what the invoice shows. Falls back to billed cost where the provider gives no ' +
    'net figure.',
  amortized:
    'Amortized cost (AWS amortized, FOCUS EffectiveCost before negotiated discounts): upfront ' +
    'and recurring commitment fees spread over the usage they cover, unused commitment shown ' +
    'as its own cost. The default.',
  net_amortized:
    'Net amortized cost (FOCUS EffectiveCost, AWS net amortized): amortized cost after ' +
    'negotiated discounts; what the usage really costs.',
  list:
    'List cost (AWS public on-demand cost, FOCUS ListCost): the same usage at public ' +
    'on-demand prices; the basis of "savings against list price".',
};

/** The fact-table column behind each metric; the only way a metric reaches SQL. */
export const METRIC_COLUMNS: Record<Metric, string> = {
  billed: 'billed_cost',
  net_billed: 'net_billed_cost',
  amortized: 'effective_cost',
  net_amortized: 'net_effective_cost',
  list: 'list_cost',
};

const metricDescription =
  'Cost metric. ' + METRICS.map((m) => `\`${m}\`: ${METRIC_DEFINITIONS[m]}`).join(' ');

// ---------------------------------------------------------------------------------------------
// Dimensions
// ---------------------------------------------------------------------------------------------

export const DIMENSIONS = [
  'provider',
  'service',
  'service_category',
  'account',
  'region',
  'resource',
  'charge_category',
  'pricing_category',
  'usage_type',
] as const;
export type FixedDimension = (typeof DIMENSIONS)[number];
/** A fixed dimension, or `tag:<key>` (rows without that tag form their own bucket). */
export type Dimension = FixedDimension | `tag:${string}`;

export const CHARGE_CATEGORIES = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'] as const;
export const GRANULARITIES = ['none', 'day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** Tag keys as providers allow them: printable, no control characters, at most 128. */
const TAG_KEY = /^[^\u0000-\u001f\u007f]{1,128}$/;
const TAG_FILTER = /^([^=\u0000-\u001f\u007f]{1,128})=([^\u0000-\u001f\u007f]{0,256})$/;

export function isDimension(value: string): value is Dimension {
  if ((DIMENSIONS as readonly string[]).includes(value)) return true;
  return value.startsWith('tag:') && TAG_KEY.test(value.slice(4));
}

const dimensionParam = (name: string) =>
  z
    .string()
    .refine(isDimension, {
      error: `${name} must be one of ${DIMENSIONS.join(', ')} or tag:<key>`,
    })
    .describe(
      `Dimension to group by: ${DIMENSIONS.join(', ')}, or \`tag:<key>\` ` +
        '(rows without that tag key form an untagged bucket with a null key).',
    );

// ---------------------------------------------------------------------------------------------
// Common query parameters
// ---------------------------------------------------------------------------------------------

/** Longest period a query may span; longer scans are reports, not interactive questions. */
export const MAX_PERIOD_YEARS = 3;

const dateParam = (name: string, what: string) =>
  z
    .string()
    .refine(isRealDate, { error: `${name} must be a date written YYYY-MM-DD, from 2000-01-01 on` })
    .optional()
    .describe(`${what} (YYYY-MM-DD, UTC, inclusive).`);

/** One value or the parameter repeated (`?service=A&service=B`). */
const repeatable = (name: string, what: string) =>
  z
    .union([z.string().min(1).max(512), z.array(z.string().min(1).max(512)).max(100)], {
      error: `${name} must be a non-empty text, repeated for several values (at most 100)`,
    })
    .optional()
    .describe(`${what} Repeat the parameter for several values (any of them matches).`);

const switchParam = (name: string, what: string) =>
  z
    .stringbool({ error: `${name} must be true or false` })
    .default(true)
    .describe(`${what} Default true.`);

const commonShape = {
  from: dateParam('from', 'First day of the period; give `from` and `to` together'),
  to: dateParam('to', 'Last day of the period; a day after today counts as today'),
  month: z
    .string()
    .regex(MONTH, { error: 'month must be written YYYY-MM, from 2000-01 on' })
    .optional()
    .describe('A calendar month (YYYY-MM, UTC) instead of from/to. Default: this month to date.'),
  metric: z
    .enum(METRICS, { error: `metric must be one of ${METRICS.join(', ')}` })
    .default('amortized')
    .describe(metricDescription),
  provider: repeatable('provider', 'Only these providers (aws, azure, gcp, oci).'),
  account: repeatable(
    'account',
    'Only these accounts: a billing account id or a sub-account id (AWS linked account, Azure ' +
      'subscription, GCP project).',
  ),
  service: repeatable('service', 'Only these services (provider service name).'),
  region: repeatable('region', 'Only these regions (region id).'),
  tag: z
    .union([z.string(), z.array(z.string()).max(20)], {
      error: 'tag must be key=value, repeated for several tags (at most 20)',
    })
    .optional()
    .refine((v) => v === undefined || toArray(v).every((t) => TAG_FILTER.test(t)), {
      error: 'tag must be written key=value (for example tag=team=data)',
    })
    .describe(
      'Tag filter `key=value`. Repeat it: values of the same key are alternatives, different ' +
        'keys must all match.',
    ),
  charge_category: z
    .union([z.enum(CHARGE_CATEGORIES), z.array(z.enum(CHARGE_CATEGORIES)).max(5)], {
      error: `charge_category must be one of ${CHARGE_CATEGORIES.join(', ')}`,
    })
    .optional()
    .describe('Only these FOCUS charge categories.'),
  include_credits: switchParam('include_credits', 'Count credits (charge category Credit).'),
  include_refunds: switchParam(
    'include_refunds',
    'Count refunds (AWS line type Refund; FOCUS charge category Adjustment).',
  ),
  include_tax: switchParam('include_tax', 'Count tax (charge category Tax).'),
};

type PeriodFields = { from?: string | undefined; to?: string | undefined; month?: string };

/** Cross-field period rules; each issue names the parameter at fault. */
function checkPeriod(q: PeriodFields, ctx: z.RefinementCtx): void {
  if (q.month && (q.from || q.to)) {
    ctx.addIssue({
      code: 'custom',
      path: ['month'],
      message: 'month cannot be combined with from/to; send one or the other',
    });
    return;
  }
  if (Boolean(q.from) !== Boolean(q.to)) {
    ctx.addIssue({
      code: 'custom',
      path: [q.from ? 'to' : 'from'],
      message: `${q.from ? 'to' : 'from'} is missing; send from and to together`,
    });
    return;
  }
  if (q.from && q.to) {
    if (q.from > q.to) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `from (${q.from}) is after to (${q.to})`,
      });
      return;
    }
    const limit = new Date(`${q.from}T00:00:00Z`);
    limit.setUTCFullYear(limit.getUTCFullYear() + MAX_PERIOD_YEARS);
    if (new Date(`${q.to}T00:00:00Z`) >= limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `the period from ${q.from} to ${q.to} is longer than ${MAX_PERIOD_YEARS} years`,
      });
    }
  }
}

function checkTwoDimensions(
  q: { group_by: string; group_by_2?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (q.group_by_2 && q.group_by_2 === q.group_by) {
    ctx.addIssue({
      code: 'custom',
      path: ['group_by_2'],
      message: 'group_by_2 must differ from group_by',
    });
  }
}

// Unknown parameters are refused (a client_id, say) rather than silently ignored.
export const costQuerySchema = z.object(commonShape).strict().superRefine(checkPeriod);
export type CostQuery = z.output<typeof costQuerySchema>;

export const summaryQuerySchema = costQuerySchema;
export type SummaryQuery = CostQuery;

export const breakdownQuerySchema = z
  .object({
    ...commonShape,
    group_by: dimensionParam('group_by'),
    group_by_2: dimensionParam('group_by_2')
      .optional()
      .describe('Optional second dimension; each row is then a pair of keys.'),
    granularity: z
      .enum(GRANULARITIES, { error: `granularity must be one of ${GRANULARITIES.join(', ')}` })
      .default('none')
      .describe('none: one row per group; day, week (ISO, Monday) or month: per time bucket.'),
    limit: z.coerce
      .number({ error: 'limit must be a whole number from 1 to 1000' })
      .int({ error: 'limit must be a whole number from 1 to 1000' })
      .min(1, { error: 'limit must be a whole number from 1 to 1000' })
      .max(1000, { error: 'limit must be a whole number from 1 to 1000' })
      .default(20)
      .describe(
        'Groups kept per currency, ranked by their cost over the whole period; the rest is ' +
          'summed into one "Others" row (per time bucket).',
      ),
  })
  .strict()
  .superRefine((q, ctx) => {
    checkPeriod(q, ctx);
    checkTwoDimensions(q, ctx);
  });
export type BreakdownQuery = z.output<typeof breakdownQuerySchema>;

export const trendQuerySchema = z
  .object({
    ...commonShape,
    granularity: z
      .enum(['day', 'week', 'month'], { error: 'granularity must be one of day, week, month' })
      .default('day')
      .describe('Bucket size; buckets without cost are filled with 0.'),
  })
  .strict()
  .superRefine(checkPeriod);
export type TrendQuery = z.output<typeof trendQuerySchema>;

export const MOVER_DIMENSIONS = ['service', 'account', 'resource'] as const;

export const MOVERS_METHOD =
  'Compares the period with the previous period of the same length. Each group (service, ' +
  'account or resource, per currency) is split into components by usage type and usage unit. ' +
  'A group found only in the current period is "new"; only in the previous one, "removed". For ' +
  'a group in both, each component with a positive usage quantity in both periods splits its ' +
  'change into usage effect = (q1 − q0) × (c0 / q0) (the old unit cost applied to the change ' +
  'in quantity) and price effect = the rest, which equals (c1/q1 − c0/q0) × q1. Components ' +
  'without a comparable quantity (no unit, zero quantity, or present in one period only) count ' +
  'entirely as usage. usage + price + new + removed always equals the change exactly.';

export const moversQuerySchema = z
  .object({
    ...commonShape,
    group_by: z
      .enum(MOVER_DIMENSIONS, { error: `group_by must be one of ${MOVER_DIMENSIONS.join(', ')}` })
      .default('service')
      .describe('Who moved: service, account or resource.'),
    limit: z.coerce
      .number({ error: 'limit must be a whole number from 1 to 100' })
      .int({ error: 'limit must be a whole number from 1 to 100' })
      .min(1, { error: 'limit must be a whole number from 1 to 100' })
      .max(100, { error: 'limit must be a whole number from 1 to 100' })
      .default(10)
      .describe('How many increases and how many decreases, per currency.'),
  })
  .strict()
  .superRefine(checkPeriod);
export type MoversQuery = z.output<typeof moversQuerySchema>;

export const FORECAST_METHOD =
  'Ordinary least squares on the daily cost of the last 90 days with data (at least 14): ' +
  'y = a + b·t + one offset per weekday (Monday is the base). Days inside that window without ' +
  'cost count as 0. A month total is the sum of the predicted days (plus the actual cost ' +
  'already incurred in the current month); its 95 % prediction interval is ' +
  '±1.96·σ·√(h + xᵀ(XᵀX)⁻¹x) for the h predicted days, x being the sum of their regressor ' +
  'rows and σ the residual standard error, so it widens with the horizon. The lower bound is ' +
  'not cut at zero. Forecasts are estimates computed in double precision and rounded to ' +
  'cents; actual amounts are exact.';

export const forecastQuerySchema = z
  .object({
    ...commonShape,
    months: z.coerce
      .number({ error: 'months must be 1, 2 or 3' })
      .int({ error: 'months must be 1, 2 or 3' })
      .min(1, { error: 'months must be 1, 2 or 3' })
      .max(3, { error: 'months must be 1, 2 or 3' })
      .default(3)
      .describe('Full calendar months to forecast after the current one.'),
  })
  .strict()
  .superRefine(checkPeriod);
export type ForecastQuery = z.output<typeof forecastQuerySchema>;

export const ANOMALY_METHOD =
  'For each day of the period and each group (service or account, per currency), the baseline ' +
  "is the mean μ and population standard deviation σ of the group's daily cost over the " +
  "previous `window_days` days (days without cost count as 0; days before the client's first " +
  'data are left out, and at least 7 baseline days are required). A day is an anomaly when its ' +
  'cost > μ + k·σ and cost − μ ≥ `min_amount`. Drivers are the resources of that group whose ' +
  'cost that day rose most above their own mean over the same window. Only rises are reported.';

export const anomaliesQuerySchema = z
  .object({
    ...commonShape,
    group_by: z
      .enum(['service', 'account'], { error: 'group_by must be one of service, account' })
      .default('service')
      .describe('Whose daily cost is watched.'),
    window_days: z.coerce
      .number({ error: 'window_days must be a whole number from 14 to 30' })
      .int({ error: 'window_days must be a whole number from 14 to 30' })
      .min(14, { error: 'window_days must be a whole number from 14 to 30' })
      .max(30, { error: 'window_days must be a whole number from 14 to 30' })
      .default(28)
      .describe('Length of the rolling baseline in days.'),
    k: z.coerce
      .number({ error: 'k must be a number from 1 to 10' })
      .min(1, { error: 'k must be a number from 1 to 10' })
      .max(10, { error: 'k must be a number from 1 to 10' })
      .default(3)
      .describe('How many standard deviations above the mean count as an anomaly.'),
    min_amount: z.coerce
      .number({ error: 'min_amount must be a number from 0 to 1000000000' })
      .min(0, { error: 'min_amount must be a number from 0 to 1000000000' })
      .max(1e9, { error: 'min_amount must be a number from 0 to 1000000000' })
      .default(10)
      .describe('Smallest rise over the mean (in the billing currency) worth reporting.'),
  })
  .strict()
  .superRefine(checkPeriod);
export type AnomaliesQuery = z.output<typeof anomaliesQuerySchema>;

export const commitmentsQuerySchema = costQuerySchema;
export type CommitmentsQuery = CostQuery;

export const tagsQuerySchema = z
  .object({
    ...commonShape,
    key: z
      .string()
      .regex(TAG_KEY, { error: 'key must be a tag key of 1 to 128 printable characters' })
      .optional()
      .describe('Give a tag key to list its values instead of the keys.'),
    limit: z.coerce
      .number({ error: 'limit must be a whole number from 1 to 1000' })
      .int({ error: 'limit must be a whole number from 1 to 1000' })
      .min(1, { error: 'limit must be a whole number from 1 to 1000' })
      .max(1000, { error: 'limit must be a whole number from 1 to 1000' })
      .default(100)
      .describe('Most keys (or values) listed per currency, by cost.'),
  })
  .strict()
  .superRefine(checkPeriod);
export type TagsQuery = z.output<typeof tagsQuerySchema>;

export function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Parses raw query parameters outside Fastify (jobs, reports, tests) with the same rules the
 * routes apply, throwing the API's validation error with the parameter named.
 */
export function parseCostQuery<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    field: i.path.join('.') || 'query',
    message: i.message,
  }));
  const first = issues[0]!;
  const message = first.message.includes(first.field)
    ? first.message
    : `${first.field}: ${first.message}`;
  throw new AppError('validation_failed', message, { details: { issues } });
}

// ---------------------------------------------------------------------------------------------
// Responses. Money is a decimal string (never a float); ratios and percentages are numbers.
// ---------------------------------------------------------------------------------------------

const money = z.string().describe('Decimal amount in the billing currency, as a string.');
const ratio = z
  .number()
  .nullable()
  .describe('A ratio from 0 to 1 (may leave that range with negative costs); null if undefined.');
const percent = z.number().nullable().describe('Percentage; null when the base is zero.');

export const periodSchema = z.object({
  from: z.string(),
  to: z.string(),
  days: z.number().int(),
});
export type Period = z.infer<typeof periodSchema>;

export const summaryCurrencySchema = z.object({
  currency: z.string(),
  total: money,
  previous: money.describe('Same metric over the previous period of the same length.'),
  change: money,
  changePct: percent,
  monthToDate: money.describe('From the 1st of the month of `to` through `to`.'),
  forecastMonthEnd: money
    .nullable()
    .describe(
      'Month to date plus the average daily cost of the 7 days ending at `to`, times the days ' +
        'left in that month. Null for a closed month (the month of `to` ended before today): ' +
        'its spend is known, so nothing is projected.',
    ),
  dailyAverage: money.describe('Total divided by the calendar days of the period.'),
  credits: money.describe('Credits in the period (negative), counted whatever include_credits.'),
  refunds: money,
  tax: money,
  listCost: money.describe('List cost of usage charges.'),
  savings: money.describe('List cost minus net amortized cost, over usage charges.'),
  effectiveSavingsRate: ratio.describe('1 − net amortized / list, over usage charges.'),
  commitmentCoverage: ratio.describe(
    'List cost of commitment-covered usage / (that + on-demand compute and database usage).',
  ),
  commitmentUtilization: ratio.describe('Used / (used + unused) commitment, amortized.'),
  unusedCommitment: money,
  tagged: money.describe('Cost of rows carrying at least one tag.'),
  taggedShare: ratio,
});

export const findingsSummarySchema = z.object({
  open: z.number().int(),
  potentialMonthlySavings: z.array(z.object({ currency: z.string(), amount: money })),
});
export type FindingsSummary = z.infer<typeof findingsSummarySchema>;

export const summaryResponseSchema = z.object({
  metric: z.enum(METRICS),
  period: periodSchema,
  previousPeriod: periodSchema,
  currencies: z.array(summaryCurrencySchema),
  findings: findingsSummarySchema.nullable(),
});
export type SummaryResponse = z.infer<typeof summaryResponseSchema>;

const groupKey = z.string().nullable().describe('Null for "no value" (e.g. untagged).');

export const breakdownRowSchema = z.object({
  currency: z.string(),
  bucket: z.string().nullable().describe('Start day of the time bucket; null with no granularity.'),
  key: groupKey,
  label: z.string().nullable(),
  key2: groupKey.optional(),
  label2: z.string().nullable().optional(),
  others: z.boolean().describe('True on the row that sums every group beyond `limit`.'),
  cost: money,
  share: ratio.describe('Share of the currency total (of the bucket total with granularity).'),
});
export type BreakdownRow = z.infer<typeof breakdownRowSchema>;

export const breakdownResponseSchema = z.object({
  metric: z.enum(METRICS),
  period: periodSchema,
  groupBy: z.string(),
  groupBy2: z.string().nullable(),
  granularity: z.enum(GRANULARITIES),
  totals: z.array(z.object({ currency: z.string(), cost: money })),
  rows: z.array(breakdownRowSchema),
});
export type BreakdownResponse = z.infer<typeof breakdownResponseSchema>;

export const trendResponseSchema = z.object({
  metric: z.enum(METRICS),
  period: periodSchema,
  granularity: z.enum(['day', 'week', 'month']),
  series: z.array(
    z.object({
      currency: z.string(),
      total: money,
      points: z.array(z.object({ bucket: z.string(), cost: money })),
    }),
  ),
});
export type TrendResponse = z.infer<typeof trendResponseSchema>;

export const moverSchema = z.object({
  key: groupKey,
  label: z.string().nullable(),
  previous: money,
  current: money,
  change: money,
  changePct: percent,
  usageEffect: money,
  priceEffect: money,
  newCost: money,
  removedCost: money,
});
export type Mover = z.infer<typeof moverSchema>;

export const moversResponseSchema = z.object({
  metric: z.enum(METRICS),
  period: periodSchema,
  previousPeriod: periodSchema,
  groupBy: z.enum(MOVER_DIMENSIONS),
  method: z.string(),
  currencies: z.array(
    z.object({
      currency: z.string(),
      current: money,
      previous: money,
      change: money,
      increases: z.array(moverSchema),
      decreases: z.array(moverSchema),
    }),
  ),
});
export type MoversResponse = z.infer<typeof moversResponseSchema>;

export const forecastResponseSchema = z.object({
  metric: z.enum(METRICS),
  method: z.string(),
  history: z.object({ from: z.string().nullable(), to: z.string().nullable(), days: z.number() }),
  currencies: z.array(
    z.object({
      currency: z.string(),
      residualStdDev: z.number(),
      months: z.array(
        z.object({
          month: z.string(),
          actualToDate: money,
          forecast: money,
          lower: money,
          upper: money,
        }),
      ),
    }),
  ),
  note: z.string().nullable(),
});
export type ForecastResponse = z.infer<typeof forecastResponseSchema>;

export const anomaliesResponseSchema = z.object({
  metric: z.enum(METRICS),
  period: periodSchema,
  groupBy: z.enum(['service', 'account']),
  method: z.string(),
  anomalies: z.array(
    z.object({
      currency: z.string(),
      day: z.string(),
      key: groupKey,
      label: z.string().nullable(),
      cost: money,
      baselineMean: money,
      baselineStdDev: money,
      excess: money,
      drivers: z.array(z.object({ resourceId: z.string().nullable(), cost: money, excess: money })),
    }),
  ),
});
export type AnomaliesResponse = z.infer<typeof anomaliesResponseSchema>;

const commitmentFigures = {
  used: money.describe('Amortized cost of usage covered by commitments.'),
  unused: money.describe('Amortized cost of commitment left unused.'),
  utilization: ratio,
  savings: money.describe('List cost minus net amortized cost of covered usage.'),
  netSavings: money.describe('Savings minus unused commitment.'),
};

export const commitmentsResponseSchema = z.object({
  period: periodSchema,
  asOf: z.string(),
  currencies: z.array(
    z.object({
      currency: z.string(),
      ...commitmentFigures,
      coverage: ratio,
      byType: z.array(z.object({ type: z.string().nullable(), ...commitmentFigures })),
    }),
  ),
  commitments: z.array(
    z.object({
      currency: z.string(),
      commitmentId: z.string(),
      type: z.string().nullable(),
      category: z.string().nullable(),
      ...commitmentFigures,
      endDate: z.string().nullable(),
    }),
  ),
  expiring: z.array(
    z.object({
      commitmentId: z.string(),
      type: z.string().nullable(),
      currency: z.string(),
      endDate: z.string(),
      daysLeft: z.number().int(),
      within: z.union([z.literal(30), z.literal(60), z.literal(90)]),
      savingsLast30Days: money.describe('Savings at risk: list minus net amortized, 30 days.'),
    }),
  ),
});
export type CommitmentsResponse = z.infer<typeof commitmentsResponseSchema>;

export const tagsResponseSchema = z.object({
  metric: z.enum(METRICS),
  period: periodSchema,
  key: z.string().nullable(),
  currencies: z.array(
    z.object({
      currency: z.string(),
      total: money,
      items: z.array(
        z.object({
          value: z.string().nullable().describe('Tag key, or a value of `key` (null: untagged).'),
          cost: money,
          share: ratio,
        }),
      ),
    }),
  ),
});
export type TagsResponse = z.infer<typeof tagsResponseSchema>;

import { z } from 'zod';

import { METRICS } from '../costs/costs.types.js';
import { COST_METRICS, REPORT_LOCALES } from './report.types.js';
import { isRealDate, MONTH } from '../../lib/dates.js';

/*
 * Query parameters of the report and export routes (the contract of the replaced service).
 * Like the cost routes' schemas they take strings as Fastify hands them over and every message
 * names its parameter; the period rules that span fields are checked here too, so a bad period
 * is a 400 naming the parameter at fault.
 */

export const REPORT_FORMATS = ['pdf', 'csv', 'xlsx'] as const;

/** Longest window a report may cover: the daily charts stop being readable beyond a year. */
export const MAX_REPORT_DAYS = 366;
/** Longest window of a FOCUS export, the same bound as the cost analytics. */
export const MAX_EXPORT_YEARS = 3;

const dateParam = (name: string, what: string) =>
  z
    .string()
    .refine(isRealDate, { error: `${name} must be a date written YYYY-MM-DD, from 2000-01-01 on` })
    .optional()
    .describe(`${what} (YYYY-MM-DD, UTC, inclusive); give \`from\` and \`to\` together.`);

type Range = { from?: string | undefined; to?: string | undefined };

function yearsLater(day: string, years: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}

/** from/to together, in order, no longer than the limit; each issue names its parameter. */
function checkRange(q: Range, ctx: z.RefinementCtx, maxDays: number | null): void {
  if (Boolean(q.from) !== Boolean(q.to)) {
    const missing = q.from ? 'to' : 'from';
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: `${missing} is missing; send from and to together`,
    });
    return;
  }
  if (!q.from || !q.to) return;
  if (q.from > q.to) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: `from (${q.from}) is after to` });
    return;
  }
  if (q.to >= yearsLater(q.from, MAX_EXPORT_YEARS)) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `to: the period is longer than ${MAX_EXPORT_YEARS} years`,
    });
    return;
  }
  const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1;
  if (maxDays !== null && days > maxDays) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `to: a report covers at most ${maxDays} days; export the data with FOCUS instead`,
    });
  }
}

const metricValues = [...METRICS, ...COST_METRICS] as const;

export const reportQuerySchema = z
  .object({
    period: z
      .string()
      .regex(MONTH, { error: 'period must be a month written YYYY-MM, from 2000-01 on' })
      .optional()
      .describe('A calendar month (YYYY-MM). Default: the last full month.'),
    from: dateParam('from', 'First day of the period instead of `period`'),
    to: dateParam('to', 'Last day of the period'),
    metric: z
      .enum(metricValues, { error: `metric must be one of ${METRICS.join(', ')}` })
      .default('amortized')
      .describe(
        `Cost metric, as in the cost API: ${METRICS.join(', ')} (FOCUS column names ` +
          'such as effective_cost are accepted too). Default amortized.',
      ),
    lang: z
      .enum(REPORT_LOCALES, { error: `lang must be one of ${REPORT_LOCALES.join(', ')}` })
      .optional()
      .describe("Report language. Default: the user's language."),
    delimiter: z
      .enum([',', ';'], { error: 'delimiter must be , or ;' })
      .default(',')
      .describe('CSV only: field delimiter.'),
    bom: z
      .stringbool({ error: 'bom must be true or false' })
      .default(false)
      .describe('CSV only: start with a UTF-8 byte-order mark so Excel on Windows reads UTF-8.'),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.period && (q.from || q.to)) {
      ctx.addIssue({
        code: 'custom',
        path: ['period'],
        message: 'period cannot be combined with from/to; send one or the other',
      });
      return;
    }
    checkRange(q, ctx, MAX_REPORT_DAYS);
  });
export type ReportQuery = z.output<typeof reportQuerySchema>;

export const reportFormatParams = z.object({
  format: z
    .enum(REPORT_FORMATS, { error: `format must be one of ${REPORT_FORMATS.join(', ')}` })
    .describe('pdf, csv or xlsx; the plan decides which ones the client may export.'),
});
export type ReportFormatParam = z.output<typeof reportFormatParams>['format'];

export const focusQuerySchema = z
  .object({
    from: dateParam('from', 'First billing day. Default: the last full month'),
    to: dateParam('to', 'Last billing day'),
    gzip: z
      .stringbool({ error: 'gzip must be true or false' })
      .default(false)
      .describe('Compress the CSV with gzip (file name ending .csv.gz).'),
  })
  .strict()
  .superRefine((q, ctx) => checkRange(q, ctx, null));
export type FocusQuery = z.output<typeof focusQuerySchema>;

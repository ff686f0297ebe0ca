/**
 * CSV exports: one flat, "long" table per report, RFC 4180 (CRLF, quotes doubled), loadable in
 * Excel, Power Query or a BI tool as it is. Each record is one figure, so every line has the same
 * columns and a pivot table rebuilds any view of the report.
 *
 * Client layout, in this order (headers in the report's language):
 *   section | measure | date or month | provider | account id | account name | service category |
 *   service | item | currency | value | unit | note | one column per detail tag key
 * - `section` groups the records: key figures, 12-month trend, top services, accounts, daily
 *   trend, findings, commitments, movers, daily detail, methodology.
 * - `value` is always a plain number ("-12.5", never quoted, never prefixed) or empty when the
 *   figure is not available; `unit` is the currency code or "%" (percent, 12.5 = 12.5 %) or a
 *   count. Money has two decimals, rounded half up on the exact decimal (the FOCUS export keeps
 *   every digit). `currency` is empty on percent records, which are no amount: `item` keeps what
 *   it holds on the amount records of the same figure (the figure's name for key figures, the
 *   rank for services) and a key-figure ratio names its currency block in `note`.
 * - Text cells that a spreadsheet would run as a formula (leading =, +, -, @, tab, CR, NUL) get
 *   a leading apostrophe.
 *
 * Admin layout: section | measure | item | slug | plan | status | date | currency | value | unit
 *   | note, with the same rules.
 */
import { pipeline } from 'node:stream';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

import { AppError } from '../../../lib/errors.js';
import {
  ADMIN_METHODOLOGY_TERMS,
  METHODOLOGY_TERMS,
  ReportFormatter,
  methodologyText,
  serviceLabel,
} from '../i18n.js';
import {
  CONTENT_TYPES,
  canonicalDecimal,
  contentDisposition,
  moneyDecimal,
  neutralizeSpreadsheetText,
  reportFileName,
} from '../report.fns.js';
import type {
  AdminReportModel,
  ClientReportModel,
  CsvExportOptions,
  Decimal,
  Money,
  Ratio,
  ReportExport,
} from '../report.types.js';
import { accountNameResolver, coalesce, deferred, iterate, yieldToEventLoop } from './shared.js';

/** Records written between two turns of the event loop. */
const YIELD_EVERY = 2_000;

/** A cell whose text is a number: written as is, never neutralized (credits stay -12.5). */
class NumberCell {
  constructor(readonly text: string) {}
}

type Cell = string | NumberCell | null;

interface CsvContext {
  fmt: ReportFormatter;
  decimalSeparator: '.' | ',';
}

/** Money with two decimals, like every figure of the PDF; the FOCUS export keeps every digit. */
function money(ctx: CsvContext, value: Decimal | null): NumberCell | null {
  return value === null ? null : new NumberCell(moneyDecimal(value, ctx.decimalSeparator));
}

/** Ratios go out as percentages with up to 4 decimals: 0.12345 → 12.345. */
function percent(ctx: CsvContext, value: Ratio | null): NumberCell | null {
  if (value === null || !Number.isFinite(value)) return null;
  const text = (value * 100).toFixed(4);
  return new NumberCell(canonicalDecimal(text, ctx.decimalSeparator));
}

function count(value: number): NumberCell {
  return new NumberCell(String(Math.trunc(value)));
}

function toText(cell: Cell): string {
  if (cell === null) return '';
  if (cell instanceof NumberCell) return cell.text;
  return neutralizeSpreadsheetText(cell);
}

function resolveOptions(options: CsvExportOptions) {
  const delimiter = options.delimiter ?? ',';
  const decimalSeparator = options.decimalSeparator ?? '.';
  if (delimiter === decimalSeparator) {
    throw new AppError(
      'validation_failed',
      'The decimal separator must differ from the field delimiter; use delimiter ";" with ","',
    );
  }
  return { delimiter, decimalSeparator, bom: options.bom ?? false };
}

/**
 * Streams records through csv-stringify. `records` is pulled lazily, so a detail of millions of
 * rows is read from its cursor only as fast as the consumer takes the bytes.
 */
function streamCsv(
  header: string[],
  records: AsyncGenerator<Cell[]>,
  options: ReturnType<typeof resolveOptions>,
  counter: { rows: number },
): { stream: Readable; done: Promise<{ rows: number }> } {
  const done = deferred<{ rows: number }>();

  async function* lines(): AsyncGenerator<string[]> {
    yield header.map((label) => neutralizeSpreadsheetText(label));
    for await (const record of records) {
      counter.rows += 1;
      // An in-memory source resolves every step as a microtask, which would starve timers and
      // other requests for the whole file; a cursor yields by itself, this costs it nothing.
      if (counter.rows % YIELD_EVERY === 0) await yieldToEventLoop();
      yield record.map(toText);
    }
  }

  const output = pipeline(
    Readable.from(lines()),
    stringify({
      bom: options.bom,
      delimiter: options.delimiter,
      record_delimiter: 'windows',
      quote: '"',
      escape: '"',
    }),
    coalesce(),
    (error) => (error ? done.reject(error) : done.resolve({ rows: counter.rows })),
  );
  return { stream: output, done: done.promise };
}

/* --------------------------------------------------------------------------------------------
 * Client report
 * ------------------------------------------------------------------------------------------ */

function clientHeader(fmt: ReportFormatter, tagKeys: string[]): string[] {
  const c = fmt.strings.columns;
  return [
    c.section,
    c.measure,
    `${c.date} / ${c.month}`,
    c.provider,
    c.accountId,
    c.accountName,
    c.category,
    c.service,
    c.item,
    c.currency,
    c.value,
    c.unit,
    c.note,
    ...tagKeys.map((key) => c.tag(key)),
  ];
}

interface ClientRecord {
  section: string;
  measure: string;
  date?: string | null;
  provider?: string | null;
  accountId?: string | null;
  accountName?: string | null;
  category?: string | null;
  service?: string | null;
  item?: string | null;
  currency?: string | null;
  value: NumberCell | null;
  unit: string;
  note?: string | null;
  tags?: string[];
}

function clientCells(record: ClientRecord, tagCount: number): Cell[] {
  const tags = record.tags ?? [];
  return [
    record.section,
    record.measure,
    record.date ?? null,
    record.provider ?? null,
    record.accountId ?? null,
    record.accountName ?? null,
    record.category ?? null,
    record.service ?? null,
    record.item ?? null,
    record.currency ?? null,
    record.value,
    record.unit,
    record.note ?? null,
    ...Array.from({ length: tagCount }, (_, i) => tags[i] ?? null),
  ];
}

async function* clientRecords(
  model: ClientReportModel,
  ctx: CsvContext,
): AsyncGenerator<ClientRecord> {
  const { fmt } = ctx;
  const s = fmt.strings;
  const pct = s.units.percent;
  // A ratio beside the amounts of a row: no currency, the percent unit.
  const ratio = (measure: string, value: Ratio | null) => ({
    measure,
    currency: null,
    value: percent(ctx, value),
    unit: pct,
  });

  for (const k of model.keyFigures) {
    const section = s.sections.keyFigures;
    const cur = k.currency;
    const m = (measure: string, value: Decimal | null): ClientRecord => ({
      section,
      measure,
      currency: cur,
      value: money(ctx, value),
      unit: cur,
    });
    // A ratio is no amount: no currency, but the currency block it belongs to stays readable
    // in the note. `item` is the figure's name, as on every other record, so a filter on the
    // item column never mixes a currency code in with names.
    const p = (measure: string, value: Ratio | null): ClientRecord => ({
      section,
      measure,
      item: measure,
      currency: null,
      value: percent(ctx, value),
      unit: pct,
      note: cur,
    });
    yield m(s.figures.totalSpend, k.totalSpend);
    yield m(s.figures.previousMonth, k.vsPreviousMonth.reference);
    yield m(s.figures.vsPreviousMonth, k.vsPreviousMonth.change);
    yield p(s.figures.vsPreviousMonth, k.vsPreviousMonth.changeRatio);
    yield m(s.figures.sameMonthLastYear, k.vsSameMonthLastYear.reference);
    yield m(s.figures.vsSameMonthLastYear, k.vsSameMonthLastYear.change);
    yield p(s.figures.vsSameMonthLastYear, k.vsSameMonthLastYear.changeRatio);
    yield m(s.figures.forecast, k.forecast);
    yield m(ctx.fmt.savingsLabel(model.findingsWindow), k.potentialMonthlySavings);
    yield m(s.figures.realizedSavings, k.realizedSavings);
    yield p(s.figures.effectiveSavingsRate, k.effectiveSavingsRate);
    yield p(s.figures.commitmentCoverage, k.commitmentCoverage);
    yield p(s.figures.tagCoverage, k.tagCoverage);
  }

  for (const row of model.monthlyTrend) {
    yield {
      section: s.sections.monthlyTrend,
      measure: s.columns.amount,
      date: row.month,
      category: row.category,
      currency: row.currency,
      value: money(ctx, row.amount),
      unit: row.currency,
    };
  }

  for (const row of model.topServices) {
    const base = {
      section: s.sections.topServices,
      category: row.category,
      service: serviceLabel(fmt, row),
      // The remainder row has no rank: it is the rest, not the eleventh service.
      item: row.remainder ? null : String(row.rank),
      currency: row.currency,
    };
    yield { ...base, measure: s.columns.amount, value: money(ctx, row.amount), unit: row.currency };
    yield { ...base, ...ratio(s.columns.share, row.share) };
    yield {
      ...base,
      measure: s.columns.previous,
      value: money(ctx, row.vsPreviousMonth.reference),
      unit: row.currency,
    };
    yield {
      ...base,
      measure: s.columns.change,
      value: money(ctx, row.vsPreviousMonth.change),
      unit: row.currency,
    };
    yield { ...base, ...ratio(s.columns.changePct, row.vsPreviousMonth.changeRatio) };
  }

  for (const row of model.accounts) {
    const base = {
      section: s.sections.accounts,
      provider: fmt.provider(row.provider),
      accountId: row.accountId,
      accountName: row.accountName,
      currency: row.currency,
    };
    yield { ...base, measure: s.columns.amount, value: money(ctx, row.amount), unit: row.currency };
    yield { ...base, ...ratio(s.columns.share, row.share) };
  }

  for (const row of model.dailyTrend) {
    const base = { section: s.sections.daily, date: row.date, currency: row.currency };
    const note = row.anomaly
      ? [`${s.columns.anomaly}: ${s.severity[row.anomaly.severity]}`, row.anomaly.driver]
          .filter(Boolean)
          .join(' · ')
      : null;
    yield {
      ...base,
      measure: s.columns.amount,
      value: money(ctx, row.amount),
      unit: row.currency,
      note,
    };
    if (row.anomaly) {
      yield {
        ...base,
        measure: s.columns.expected,
        value: money(ctx, row.anomaly.expected),
        unit: row.currency,
        note,
      };
    }
  }

  for (const row of model.topFindings) {
    yield {
      section: s.sections.findings,
      measure: s.columns.monthlySavings,
      provider: fmt.provider(row.provider),
      accountId: row.accountId,
      category: row.category,
      service: row.serviceName,
      item: row.title,
      currency: row.currency,
      value: money(ctx, row.monthlySavings),
      unit: row.currency,
      note: [`${s.columns.effort}: ${s.effort[row.effort]}`, row.resourceId]
        .filter(Boolean)
        .join(' · '),
    };
  }

  for (const row of model.commitments) {
    const base = {
      section: s.sections.commitments,
      date: row.endDate,
      provider: fmt.provider(row.provider),
      item: `${row.type} ${row.id}`,
      currency: row.currency,
      note: row.scope,
    };
    yield {
      ...base,
      measure: s.columns.periodCost,
      value: money(ctx, row.periodCost),
      unit: row.currency,
    };
    yield {
      ...base,
      measure: s.columns.periodSavings,
      value: money(ctx, row.periodSavings),
      unit: row.currency,
    };
    yield { ...base, ...ratio(s.columns.utilization, row.utilization) };
  }

  for (const row of model.movers) {
    const base = {
      section: s.sections.movers,
      accountId: row.accountId,
      service: row.serviceName,
      item: s.moverKinds[row.kind],
      currency: row.currency,
      unit: row.currency,
    };
    yield { ...base, measure: s.columns.previous, value: money(ctx, row.previous) };
    yield { ...base, measure: s.columns.current, value: money(ctx, row.current) };
    yield { ...base, measure: s.columns.change, value: money(ctx, row.change) };
    yield { ...base, measure: s.columns.priceEffect, value: money(ctx, row.priceEffect) };
    yield { ...base, measure: s.columns.usageEffect, value: money(ctx, row.usageEffect) };
    yield { ...base, measure: s.columns.newEffect, value: money(ctx, row.newEffect) };
    yield { ...base, measure: s.columns.removedEffect, value: money(ctx, row.removedEffect) };
  }

  // The one part that may be huge: pulled row by row from the provider's cursor.
  const accountNames = accountNameResolver(model.accounts);
  for await (const row of iterate(model.dailyDetail)) {
    yield {
      section: s.sections.detail,
      measure: s.columns.amount,
      date: row.date,
      provider: fmt.provider(row.provider),
      accountId: row.accountId,
      accountName: accountNames.of(row),
      category: row.serviceCategory,
      service: row.serviceName,
      item: row.chargeCategory,
      currency: row.currency,
      // Every digit, unlike the figures above: detail lines are data that a reader sums, and
      // rounding each to the cent would make them drift from the total.
      value: new NumberCell(canonicalDecimal(row.amount, ctx.decimalSeparator)),
      unit: row.currency,
      note: row.region,
      tags: model.detailTagKeys.map((key) => row.tags[key] ?? ''),
    };
  }

  for (const term of METHODOLOGY_TERMS) {
    yield {
      section: s.sections.methodology,
      measure: s.methodology[term],
      value: null,
      unit: '',
      note: methodologyText(fmt, term, model),
    };
  }
  for (const [label, value] of coverFacts(model, fmt)) {
    yield { section: s.sections.reportInfo, measure: label, value: null, unit: '', note: value };
  }
}

function coverFacts(model: ClientReportModel, fmt: ReportFormatter): Array<[string, string]> {
  const c = fmt.strings.cover;
  const cover = model.cover;
  return [
    [c.client, `${cover.clientName} (${cover.clientSlug})`],
    [c.period, `${cover.period.from} – ${cover.period.to}`],
    [c.generatedAt, cover.generatedAt],
    [c.metric, fmt.strings.metrics[cover.metric]],
    [c.reportingCurrency, cover.currency],
    [c.currencies, cover.currencies.join(', ')],
    [c.language, fmt.strings.languageName],
    [c.timeZone, cover.timeZone],
    [c.requestId, cover.requestId],
  ];
}

export function exportClientCsv(
  model: ClientReportModel,
  options: CsvExportOptions = {},
): ReportExport {
  const resolved = resolveOptions(options);
  const fmt = new ReportFormatter(model.cover.language, model.cover.timeZone);
  const ctx: CsvContext = { fmt, decimalSeparator: resolved.decimalSeparator };
  const tagCount = model.detailTagKeys.length;

  async function* records(): AsyncGenerator<Cell[]> {
    for await (const record of clientRecords(model, ctx)) yield clientCells(record, tagCount);
  }

  const counter = { rows: 0 };
  const { stream, done } = streamCsv(
    clientHeader(fmt, model.detailTagKeys),
    records(),
    resolved,
    counter,
  );
  const fileName = reportFileName(
    model.cover.clientSlug,
    model.cover.period,
    'csv',
    model.cover.language,
  );
  return {
    stream,
    done,
    fileName,
    contentType: CONTENT_TYPES.csv,
    contentDisposition: contentDisposition(fileName),
  };
}

/* --------------------------------------------------------------------------------------------
 * Admin report
 * ------------------------------------------------------------------------------------------ */

interface AdminRecord {
  section: string;
  measure: string;
  item?: string | null;
  slug?: string | null;
  plan?: string | null;
  status?: string | null;
  date?: string | null;
  currency?: string | null;
  value: NumberCell | null;
  unit: string;
  note?: string | null;
}

async function* adminRecords(
  model: AdminReportModel,
  ctx: CsvContext,
): AsyncGenerator<AdminRecord> {
  const s = ctx.fmt.strings;
  const p = model.platform;
  const section = s.sections.platform;
  const unitCount = s.units.count;
  const counts: Array<[string, number]> = [
    [s.platform.clientsTotal, p.clients.total],
    [s.platform.clientsActive, p.clients.active],
    [s.platform.clientsSuspended, p.clients.suspended],
    [s.platform.clientsNew, p.clients.newInPeriod],
    [s.platform.usersTotal, p.users.total],
    [s.platform.usersActive, p.users.active],
    [s.platform.usersDisabled, p.users.disabled],
    [s.platform.memberships, p.memberships],
    [s.platform.cloudAccounts, p.cloudAccounts],
    [s.platform.ingestionsSucceeded, p.ingestions.succeeded],
    [s.platform.ingestionsFailed, p.ingestions.failed],
    [s.platform.factRows, p.factRows],
  ];
  for (const [measure, value] of counts) {
    yield { section, measure, value: count(value), unit: unitCount };
  }
  const moneyRows = (measure: string, list: Money[]) =>
    list.map((m) => ({
      section,
      measure,
      currency: m.currency,
      value: money(ctx, m.amount),
      unit: m.currency,
    }));
  yield* moneyRows(s.platform.spendUnderManagement, p.spendUnderManagement);
  yield* moneyRows(s.platform.potentialMonthlySavings, p.potentialMonthlySavings);

  for await (const client of iterate(model.clients)) {
    const base = {
      section: s.sections.clients,
      item: client.name,
      slug: client.slug,
      plan: client.planName ?? client.planCode,
      status: s.clientStatus[client.status],
      date: client.lastIngestionAt,
    };
    yield { ...base, measure: s.columns.members, value: count(client.members), unit: unitCount };
    for (const m of client.spendUnderManagement) {
      yield {
        ...base,
        measure: s.columns.spendUnderManagement,
        currency: m.currency,
        value: money(ctx, m.amount),
        unit: m.currency,
      };
    }
    for (const m of client.potentialMonthlySavings) {
      yield {
        ...base,
        measure: s.columns.potentialSavings,
        currency: m.currency,
        value: money(ctx, m.amount),
        unit: m.currency,
      };
    }
  }

  for (const plan of model.subscriptions.plans) {
    const base = {
      section: s.sections.subscriptions,
      item: plan.planName,
      plan: plan.planCode,
      currency: plan.currency,
    };
    yield {
      ...base,
      measure: s.columns.monthlyPrice,
      value: money(ctx, plan.monthlyPrice),
      unit: plan.currency,
    };
    const states: Array<[string, number]> = [
      [s.columns.trialing, plan.trialing],
      [s.columns.active, plan.active],
      [s.columns.pastDue, plan.pastDue],
      [s.columns.canceled, plan.canceled],
    ];
    for (const [measure, value] of states) {
      yield { ...base, currency: null, measure, value: count(value), unit: unitCount };
    }
    yield {
      ...base,
      measure: s.columns.mrr,
      value: money(ctx, plan.monthlyRecurringRevenue),
      unit: plan.currency,
    };
  }
  for (const m of model.subscriptions.monthlyRecurringRevenue) {
    yield {
      section: s.sections.subscriptions,
      measure: s.platform.monthlyRecurringRevenue,
      currency: m.currency,
      value: money(ctx, m.amount),
      unit: m.currency,
    };
  }
  yield {
    section: s.sections.subscriptions,
    measure: s.platform.newSubscriptions,
    value: count(model.subscriptions.newInPeriod),
    unit: unitCount,
  };
  yield {
    section: s.sections.subscriptions,
    measure: s.platform.canceledSubscriptions,
    value: count(model.subscriptions.canceledInPeriod),
    unit: unitCount,
  };

  const sec = model.security;
  const securityRows: Array<[string, keyof typeof s.security]> = [
    [s.security.logins, 'logins'],
    [s.security.loginFailures, 'loginFailures'],
    [s.security.lockouts, 'lockouts'],
    [s.security.privilegedAccesses, 'privilegedAccesses'],
    [s.security.passwordResets, 'passwordResets'],
  ];
  for (const [measure, key] of securityRows) {
    yield {
      section: s.sections.security,
      measure,
      item: s.columns.current,
      value: count(sec[key]),
      unit: unitCount,
    };
    if (sec.previous) {
      yield {
        section: s.sections.security,
        measure,
        item: s.columns.previousPeriod,
        value: count(sec.previous[key]),
        unit: unitCount,
      };
    }
  }

  for (const term of ADMIN_METHODOLOGY_TERMS) {
    yield {
      section: s.sections.methodology,
      measure: s.methodology[term],
      value: null,
      unit: '',
      note: s.definitions[term],
    };
  }
  const c = s.cover;
  const cover = model.cover;
  const facts: Array<[string, string]> = [
    [c.period, `${cover.period.from} – ${cover.period.to}`],
    [c.generatedAt, cover.generatedAt],
    [c.generatedBy, cover.generatedBy ?? ''],
    [c.language, s.languageName],
    [c.timeZone, cover.timeZone],
    [c.requestId, cover.requestId],
  ];
  for (const [measure, note] of facts) {
    yield { section: s.sections.reportInfo, measure, value: null, unit: '', note };
  }
}

export function exportAdminCsv(
  model: AdminReportModel,
  options: CsvExportOptions = {},
): ReportExport {
  const resolved = resolveOptions(options);
  const fmt = new ReportFormatter(model.cover.language, model.cover.timeZone);
  const ctx: CsvContext = { fmt, decimalSeparator: resolved.decimalSeparator };
  const c = fmt.strings.columns;
  const header = [
    c.section,
    c.measure,
    c.item,
    c.slug,
    c.plan,
    c.status,
    c.date,
    c.currency,
    c.value,
    c.unit,
    c.note,
  ];

  async function* records(): AsyncGenerator<Cell[]> {
    for await (const r of adminRecords(model, ctx)) {
      yield [
        r.section,
        r.measure,
        r.item ?? null,
        r.slug ?? null,
        r.plan ?? null,
        r.status ?? null,
        r.date ?? null,
        r.currency ?? null,
        r.value,
        r.unit,
        r.note ?? null,
      ];
    }
  }

  const counter = { rows: 0 };
  const { stream, done } = streamCsv(header, records(), resolved, counter);
  const fileName = reportFileName('admin', model.cover.period, 'csv', model.cover.language);
  return {
    stream,
    done,
    fileName,
    contentType: CONTENT_TYPES.csv,
    contentDisposition: contentDisposition(fileName),
  };
}

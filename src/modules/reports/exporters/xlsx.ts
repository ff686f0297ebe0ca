/**
 * XLSX exports through exceljs's streaming `WorkbookWriter`: each sheet's rows are committed as
 * they are produced, so the daily detail of a large client never sits in memory at once.
 *
 * Every sheet is one table: a frozen, styled header row, an autofilter over the data, fixed
 * column widths, money as numbers with a per-currency number format, ratios as numbers with a
 * percent format, dates as real dates. Text from users is written as text only, with a leading
 * apostrophe where a spreadsheet would read a formula; no cell is ever a formula.
 */
import { PassThrough, type Writable } from 'node:stream';
import ExcelJS from 'exceljs';

import {
  ADMIN_METHODOLOGY_TERMS,
  METHODOLOGY_TERMS,
  ReportFormatter,
  freshnessText,
  methodologyText,
  moversComparedText,
  moversEmptyText,
  serviceLabel,
} from '../i18n.js';
import {
  CONTENT_TYPES,
  contentDisposition,
  decimalToNumber,
  neutralizeSpreadsheetText,
  reportFileName,
} from '../report.fns.js';
import type {
  AdminClientRow,
  AdminReportModel,
  ClientReportModel,
  CurrencyCode,
  DailyDetailRow,
  Decimal,
  IsoDate,
  IsoDateTime,
  IsoMonth,
  KeyFigures,
  Money,
  Ratio,
  ReportExport,
  RowSource,
} from '../report.types.js';
import {
  accountNameResolver,
  currencyDigits,
  deferred,
  iterate,
  waitForRoom,
  yieldToEventLoop,
} from './shared.js';

/** A typed cell: the exporter decides value and number format from the kind, never the data. */
type XCell =
  | { t: 'text'; v: string | null }
  | { t: 'money'; v: Decimal | null; currency: CurrencyCode }
  | { t: 'percent'; v: Ratio | null }
  | { t: 'count'; v: number | null }
  | { t: 'date'; v: IsoDate | null }
  | { t: 'month'; v: IsoMonth }
  | { t: 'datetime'; v: IsoDateTime | null };

const text = (v: string | null | undefined): XCell => ({ t: 'text', v: v ?? null });
const money = (v: Decimal | null, currency: CurrencyCode): XCell => ({ t: 'money', v, currency });
const percent = (v: Ratio | null): XCell => ({ t: 'percent', v });
const count = (v: number | null): XCell => ({ t: 'count', v });

interface Column<R> {
  header: string;
  width: number;
  cell: (row: R) => XCell;
  wrap?: boolean;
}

const HEADER_FILL = 'FF0B3954';
const HEADER_FONT = 'FFFFFFFF';
const PERCENT_FORMAT = '0.0%';
const COUNT_FORMAT = '#,##0';
const DATE_FORMAT = 'yyyy-mm-dd';
const MONTH_FORMAT = 'yyyy-mm';
const DATETIME_FORMAT = 'yyyy-mm-dd hh:mm';

/** Rows between two checks that the compressor and the consumer keep up. */
const ROOM_CHECK_EVERY = 250;

/** Sheet XML allowed to wait for compression before rows stop being produced. */
const MAX_PENDING_XML = 2 * 1024 * 1024;

interface ExcelStreamBuf {
  buffers?: Array<{ length: number }>;
  /** archiver's input: a readable-stream 2 PassThrough, which has no `writableLength`. */
  pipes?: Array<{ writableLength?: number; _writableState?: { length?: number } }>;
}

/**
 * Bytes of a sheet's XML written but not yet taken by the zip compressor. exceljs 4.4's sheet
 * stream (its internal StreamBuf) writes into archiver without honouring backpressure, so rows
 * produced faster than deflate runs pile up in memory (measured: ~0.5 KB a row, 55 MB for
 * 100,000 rows). This reads that stream's buffers; exceljs is pinned at 4.4.0.
 * TODO(reports): drop once exceljs's streaming writer propagates backpressure itself.
 */
function pendingSheetBytes(ws: ExcelJS.Worksheet): number {
  const stream = (ws as unknown as { stream?: ExcelStreamBuf }).stream;
  if (!stream) return 0;
  const buffered = (stream.buffers ?? []).reduce((sum, b) => sum + (b.length ?? 0), 0);
  const piped = (stream.pipes ?? []).reduce(
    (sum, p) => sum + (p.writableLength ?? p._writableState?.length ?? 0),
    0,
  );
  return buffered + piped;
}

/** Waits until the compressor has caught up with the sheet and the reader with the output. */
async function throttle(ws: ExcelJS.Worksheet, out: Writable): Promise<void> {
  while (pendingSheetBytes(ws) > MAX_PENDING_XML && !out.destroyed) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await waitForRoom(out);
}

const moneyFormats = new Map<CurrencyCode, string>();

/** `[$USD] #,##0.00`: the code travels with the number, and negatives show in red. */
export function moneyNumberFormat(currency: CurrencyCode): string {
  let format = moneyFormats.get(currency);
  if (format === undefined) {
    const digits = currencyDigits(currency);
    const body = digits > 0 ? `#,##0.${'0'.repeat(digits)}` : '#,##0';
    const code = currency.replace(/[^A-Z]/g, '');
    format = `[$${code}] ${body};[Red]-[$${code}] ${body}`;
    moneyFormats.set(currency, format);
  }
  return format;
}

/**
 * One style object per format, shared by every cell that uses it: exceljs recognizes a style it
 * has seen by object identity, so a shared object costs one lookup instead of one serialization
 * per cell (the difference between minutes and seconds on a large detail sheet).
 */
const styleCache = new Map<string, Partial<ExcelJS.Style>>();

function sharedStyle(numFmt: string | undefined, wrap: boolean): Partial<ExcelJS.Style> {
  const key = `${wrap ? 'w' : '-'}${numFmt ?? ''}`;
  let style = styleCache.get(key);
  if (!style) {
    style = {};
    if (numFmt) style.numFmt = numFmt;
    if (wrap) style.alignment = { wrapText: true, vertical: 'top' };
    styleCache.set(key, style);
  }
  return style;
}

function toExcel(cell: XCell): { value: ExcelJS.CellValue; numFmt?: string } {
  switch (cell.t) {
    case 'text':
      // A string cell never runs as a formula when opened, but Excel turns "=…" into one when
      // a user edits the cell and presses Enter; quotePrefix would prevent that without the
      // visible apostrophe, but exceljs 4.4 neither writes nor reads it (checked: the style
      // comes back empty), so the apostrophe stays.
      // TODO(reports): cell.style = { quotePrefix: true } with the raw text once exceljs
      // writes the xf attribute.
      return { value: cell.v === null ? null : neutralizeSpreadsheetText(cell.v) };
    case 'money':
      return {
        value: cell.v === null ? null : decimalToNumber(cell.v),
        numFmt: moneyNumberFormat(cell.currency),
      };
    case 'percent':
      return {
        value: cell.v === null || !Number.isFinite(cell.v) ? null : cell.v,
        numFmt: PERCENT_FORMAT,
      };
    case 'count':
      return { value: cell.v, numFmt: COUNT_FORMAT };
    case 'date':
      return {
        value: cell.v === null ? null : new Date(`${cell.v}T00:00:00Z`),
        numFmt: DATE_FORMAT,
      };
    case 'month':
      return { value: new Date(`${cell.v}-01T00:00:00Z`), numFmt: MONTH_FORMAT };
    case 'datetime':
      return { value: cell.v === null ? null : new Date(cell.v), numFmt: DATETIME_FORMAT };
  }
}

interface SheetContext {
  wb: ExcelJS.stream.xlsx.WorkbookWriter;
  out: Writable;
  counter: { rows: number };
}

/**
 * Writes one table sheet and commits it. `after` may append rows below the table (a key/value
 * block) before the commit; the autofilter covers the table only.
 */
async function writeSheet<R>(
  ctx: SheetContext,
  name: string,
  columns: Column<R>[],
  rows: RowSource<R>,
  after?: (ws: ExcelJS.Worksheet, nextRow: number) => void,
): Promise<void> {
  const ws = ctx.wb.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }],
  });
  ws.columns = columns.map((column, i) => ({
    key: `c${i}`,
    header: neutralizeSpreadsheetText(column.header),
    width: column.width,
    style: column.wrap ? { alignment: { wrapText: true, vertical: 'top' } } : {},
  }));

  const header = ws.getRow(1);
  header.height = 30;
  header.eachCell((cell) => {
    cell.font = { bold: true, color: { argb: HEADER_FONT } };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: HEADER_FILL } };
    cell.alignment = { vertical: 'middle', wrapText: true };
  });
  header.commit();

  let rowNumber = 1;
  for await (const source of iterate(rows)) {
    rowNumber += 1;
    const row = ws.getRow(rowNumber);
    columns.forEach((column, i) => {
      const { value, numFmt } = toExcel(column.cell(source));
      const cell = row.getCell(i + 1);
      cell.value = value;
      cell.style = sharedStyle(numFmt, column.wrap ?? false);
    });
    row.commit();
    ctx.counter.rows += 1;

    if (rowNumber % ROOM_CHECK_EVERY === 0) {
      await throttle(ws, ctx.out);
      await yieldToEventLoop();
    }
  }

  ws.autoFilter = {
    from: { row: 1, column: 1 },
    to: { row: Math.max(rowNumber, 1), column: columns.length },
  };
  after?.(ws, rowNumber + 2);
  ws.commit();
}

/**
 * For `writeSheet`'s `after` on a table that may be empty: the sheet says why it is empty, as
 * the PDF does, instead of showing a bare header.
 */
function whenEmpty(rows: readonly unknown[], message: string) {
  return (ws: ExcelJS.Worksheet): void => {
    if (rows.length > 0) return;
    const row = ws.getRow(2);
    row.getCell(1).value = neutralizeSpreadsheetText(message);
    row.getCell(1).font = { italic: true, color: { argb: 'FF5F6B7A' } };
    row.commit();
  };
}

/** A titled block of label/value pairs under a table (report facts, notes). */
function keyValueBlock(
  ws: ExcelJS.Worksheet,
  startRow: number,
  title: string,
  pairs: Array<[string, string]>,
): void {
  const titleRow = ws.getRow(startRow);
  titleRow.getCell(1).value = neutralizeSpreadsheetText(title);
  titleRow.getCell(1).font = { bold: true, size: 12, color: { argb: HEADER_FILL } };
  titleRow.commit();
  pairs.forEach(([label, value], i) => {
    const row = ws.getRow(startRow + 1 + i);
    row.getCell(1).value = neutralizeSpreadsheetText(label);
    row.getCell(1).font = { bold: true };
    row.getCell(2).value = neutralizeSpreadsheetText(value);
    row.getCell(2).alignment = { wrapText: true, vertical: 'top' };
    row.commit();
  });
}

/**
 * Runs the workbook writer in the background and hands back its output stream at once; a
 * failure destroys the stream, so the HTTP reply aborts instead of ending in a corrupt file.
 */
function streamWorkbook(
  title: string,
  write: (ctx: SheetContext) => Promise<void>,
): { stream: PassThrough; done: Promise<{ rows: number }> } {
  const out = new PassThrough();
  const done = deferred<{ rows: number }>();
  const counter = { rows: 0 };
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  wb.creator = 'FinOpsLatam';
  wb.title = title;

  (async () => {
    await write({ wb, out, counter });
    await wb.commit();
  })().then(
    () => done.resolve({ rows: counter.rows }),
    (error: unknown) => {
      done.reject(error);
      out.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  );
  return { stream: out, done: done.promise };
}

/* --------------------------------------------------------------------------------------------
 * Client report
 * ------------------------------------------------------------------------------------------ */

interface FigureRow {
  label: string;
  cell: (k: KeyFigures) => XCell;
}

function figureRows(
  fmt: ReportFormatter,
  findingsWindow: ClientReportModel['findingsWindow'],
): FigureRow[] {
  const f = fmt.strings.figures;
  return [
    { label: f.totalSpend, cell: (k) => money(k.totalSpend, k.currency) },
    { label: f.previousMonth, cell: (k) => money(k.vsPreviousMonth.reference, k.currency) },
    { label: f.vsPreviousMonth, cell: (k) => money(k.vsPreviousMonth.change, k.currency) },
    { label: `${f.vsPreviousMonth} (%)`, cell: (k) => percent(k.vsPreviousMonth.changeRatio) },
    {
      label: f.sameMonthLastYear,
      cell: (k) => money(k.vsSameMonthLastYear.reference, k.currency),
    },
    { label: f.vsSameMonthLastYear, cell: (k) => money(k.vsSameMonthLastYear.change, k.currency) },
    {
      label: `${f.vsSameMonthLastYear} (%)`,
      cell: (k) => percent(k.vsSameMonthLastYear.changeRatio),
    },
    { label: f.forecast, cell: (k) => money(k.forecast, k.currency) },
    {
      label: fmt.savingsLabel(findingsWindow),
      cell: (k) => money(k.potentialMonthlySavings, k.currency),
    },
    { label: f.realizedSavings, cell: (k) => money(k.realizedSavings, k.currency) },
    { label: f.effectiveSavingsRate, cell: (k) => percent(k.effectiveSavingsRate) },
    { label: f.commitmentCoverage, cell: (k) => percent(k.commitmentCoverage) },
    { label: f.tagCoverage, cell: (k) => percent(k.tagCoverage) },
  ];
}

function clientFacts(model: ClientReportModel, fmt: ReportFormatter): Array<[string, string]> {
  const c = fmt.strings.cover;
  const cover = model.cover;
  return [
    [c.client, cover.clientName],
    [c.period, fmt.period(cover.period)],
    [c.generatedAt, fmt.dateTime(cover.generatedAt)],
    [c.metric, fmt.strings.metrics[cover.metric]],
    [c.reportingCurrency, cover.currency],
    [c.currencies, cover.currencies.join(', ')],
    [c.language, fmt.strings.languageName],
    [c.requestId, cover.requestId],
  ];
}

async function writeClientWorkbook(
  ctx: SheetContext,
  model: ClientReportModel,
  fmt: ReportFormatter,
): Promise<void> {
  const s = fmt.strings;
  const c = s.columns;

  // Summary: figures down, one column per currency, as in the PDF's key figures.
  const currencies = model.keyFigures;
  await writeSheet(
    ctx,
    s.sheets.summary,
    [
      { header: c.measure, width: 44, cell: (r: FigureRow) => text(r.label) },
      ...currencies.map((k) => ({
        header: k.currency,
        width: 20,
        cell: (r: FigureRow) => r.cell(k),
      })),
    ],
    figureRows(fmt, model.findingsWindow),
    (ws, next) => {
      keyValueBlock(ws, next, s.sections.reportInfo, [
        ...clientFacts(model, fmt),
        // With no spend there is no figure column: the sheet says so instead of staying blank.
        ...(currencies.length === 0 ? [['', s.empty.data] as [string, string]] : []),
        ['', s.currencyNote],
      ]);
    },
  );

  await writeSheet(
    ctx,
    s.sheets.trend,
    [
      { header: c.month, width: 12, cell: (r) => ({ t: 'month', v: r.month }) },
      { header: c.category, width: 26, cell: (r) => text(fmt.category(r.category)) },
      { header: c.currency, width: 10, cell: (r) => text(r.currency) },
      { header: c.amount, width: 20, cell: (r) => money(r.amount, r.currency) },
    ],
    model.monthlyTrend,
  );

  await writeSheet(
    ctx,
    s.sheets.services,
    [
      // The remainder row ("Other / credits") has no rank: it is the rest of the total.
      { header: c.rank, width: 6, cell: (r) => (r.remainder ? text(null) : count(r.rank)) },
      { header: c.service, width: 42, cell: (r) => text(serviceLabel(fmt, r)) },
      { header: c.category, width: 20, cell: (r) => text(fmt.category(r.category)) },
      { header: c.currency, width: 10, cell: (r) => text(r.currency) },
      { header: c.amount, width: 20, cell: (r) => money(r.amount, r.currency) },
      { header: c.share, width: 12, cell: (r) => percent(r.share) },
      {
        header: c.previous,
        width: 20,
        cell: (r) => money(r.vsPreviousMonth.reference, r.currency),
      },
      { header: c.change, width: 18, cell: (r) => money(r.vsPreviousMonth.change, r.currency) },
      { header: c.changePct, width: 12, cell: (r) => percent(r.vsPreviousMonth.changeRatio) },
    ],
    model.topServices,
  );

  await writeSheet(
    ctx,
    s.sheets.accounts,
    [
      { header: c.provider, width: 10, cell: (r) => text(fmt.provider(r.provider)) },
      { header: c.accountId, width: 18, cell: (r) => text(r.accountId) },
      { header: c.accountName, width: 36, cell: (r) => text(r.accountName) },
      { header: c.currency, width: 10, cell: (r) => text(r.currency) },
      { header: c.amount, width: 20, cell: (r) => money(r.amount, r.currency) },
      { header: c.share, width: 12, cell: (r) => percent(r.share) },
    ],
    model.accounts,
  );

  await writeSheet(
    ctx,
    s.sheets.daily,
    [
      { header: c.date, width: 12, cell: (r) => ({ t: 'date', v: r.date }) },
      { header: c.currency, width: 10, cell: (r) => text(r.currency) },
      { header: c.amount, width: 20, cell: (r) => money(r.amount, r.currency) },
      {
        header: c.expected,
        width: 20,
        cell: (r) => money(r.anomaly?.expected ?? null, r.currency),
      },
      {
        header: c.anomaly,
        width: 12,
        cell: (r) => text(r.anomaly ? s.severity[r.anomaly.severity] : null),
      },
      { header: c.driver, width: 40, cell: (r) => text(r.anomaly?.driver ?? null) },
    ],
    model.dailyTrend,
  );

  // The large one: rows come from the provider's cursor and leave as they are committed.
  const accountNames = accountNameResolver(model.accounts);
  await writeSheet(
    ctx,
    s.sheets.detail,
    [
      { header: c.date, width: 12, cell: (r) => ({ t: 'date', v: r.date }) },
      { header: c.provider, width: 10, cell: (r) => text(fmt.provider(r.provider)) },
      { header: c.accountId, width: 18, cell: (r) => text(r.accountId) },
      { header: c.accountName, width: 30, cell: (r) => text(accountNames.of(r)) },
      {
        header: c.category,
        width: 18,
        cell: (r) => text(r.serviceCategory === null ? null : fmt.category(r.serviceCategory)),
      },
      { header: c.service, width: 34, cell: (r) => text(r.serviceName) },
      { header: c.region, width: 14, cell: (r) => text(r.region) },
      { header: c.chargeCategory, width: 14, cell: (r) => text(r.chargeCategory) },
      { header: c.currency, width: 10, cell: (r) => text(r.currency) },
      { header: c.amount, width: 18, cell: (r) => money(r.amount, r.currency) },
      ...model.detailTagKeys.map((key) => ({
        header: c.tag(key),
        width: 22,
        cell: (r: DailyDetailRow) => text(r.tags[key] ?? null),
      })),
    ],
    model.dailyDetail,
  );

  await writeSheet(
    ctx,
    s.sheets.findings,
    [
      { header: c.finding, width: 60, wrap: true, cell: (r) => text(r.title) },
      { header: c.findingCategory, width: 14, cell: (r) => text(r.category) },
      { header: c.provider, width: 10, cell: (r) => text(fmt.provider(r.provider)) },
      { header: c.accountId, width: 18, cell: (r) => text(r.accountId) },
      { header: c.service, width: 24, cell: (r) => text(r.serviceName) },
      { header: c.resource, width: 36, cell: (r) => text(r.resourceId) },
      { header: c.currency, width: 10, cell: (r) => text(r.currency) },
      { header: c.monthlySavings, width: 18, cell: (r) => money(r.monthlySavings, r.currency) },
      { header: c.effort, width: 10, cell: (r) => text(s.effort[r.effort]) },
    ],
    model.topFindings,
    whenEmpty(model.topFindings, s.empty.findings),
  );

  await writeSheet(
    ctx,
    s.sheets.commitments,
    [
      { header: c.commitment, width: 16, cell: (r) => text(r.id) },
      { header: c.commitmentType, width: 20, cell: (r) => text(r.type) },
      { header: c.provider, width: 10, cell: (r) => text(fmt.provider(r.provider)) },
      { header: c.scope, width: 34, cell: (r) => text(r.scope) },
      { header: c.currency, width: 10, cell: (r) => text(r.currency) },
      { header: c.periodCost, width: 18, cell: (r) => money(r.periodCost, r.currency) },
      { header: c.periodSavings, width: 18, cell: (r) => money(r.periodSavings, r.currency) },
      { header: c.utilization, width: 12, cell: (r) => percent(r.utilization) },
      { header: c.endDate, width: 12, cell: (r) => ({ t: 'date', v: r.endDate }) },
    ],
    model.commitments,
    whenEmpty(model.commitments, s.empty.commitments),
  );

  await writeSheet(
    ctx,
    s.sheets.movers,
    [
      { header: c.moverKind, width: 16, cell: (r) => text(s.moverKinds[r.kind]) },
      // No account column: movers are per service across accounts, so it would stay empty.
      { header: c.service, width: 38, cell: (r) => text(r.serviceName) },
      { header: c.currency, width: 10, cell: (r) => text(r.currency) },
      { header: c.previous, width: 18, cell: (r) => money(r.previous, r.currency) },
      { header: c.current, width: 18, cell: (r) => money(r.current, r.currency) },
      { header: c.change, width: 18, cell: (r) => money(r.change, r.currency) },
      { header: c.priceEffect, width: 18, cell: (r) => money(r.priceEffect, r.currency) },
      { header: c.usageEffect, width: 18, cell: (r) => money(r.usageEffect, r.currency) },
      { header: c.newEffect, width: 18, cell: (r) => money(r.newEffect, r.currency) },
      { header: c.removedEffect, width: 18, cell: (r) => money(r.removedEffect, r.currency) },
    ],
    model.movers,
    whenEmpty(model.movers, moversEmptyText(fmt, model)),
  );

  const m = model.methodology;
  const notes: Array<[string, string]> = [
    [s.columns.note, s.notAvailableNote],
    [s.methodology.currencies, s.currencyNote],
  ];
  notes.push([s.cover.period, freshnessText(fmt, m)]);
  const compared = moversComparedText(fmt, model);
  if (compared) notes.push([s.sheets.movers, compared]);
  if (m.providers.length > 0) {
    const names = m.providers.map((p) => fmt.provider(p)).join(', ');
    notes.push([c.provider, s.providersLine(names)]);
  }
  for (const note of m.notes) notes.push([c.note, note]);

  await writeSheet(
    ctx,
    s.sheets.methodology,
    [
      { header: c.term, width: 34, wrap: true, cell: (term) => text(s.methodology[term]) },
      {
        header: c.definition,
        width: 100,
        wrap: true,
        cell: (term) => text(methodologyText(fmt, term, model)),
      },
    ],
    [...METHODOLOGY_TERMS],
    (ws, next) => keyValueBlock(ws, next, s.sections.reportInfo, notes),
  );
}

export function exportClientXlsx(model: ClientReportModel): ReportExport {
  const fmt = new ReportFormatter(model.cover.language, model.cover.timeZone);
  const title = `${fmt.strings.clientReportTitle} · ${model.cover.clientName}`;
  const { stream, done } = streamWorkbook(title, (ctx) => writeClientWorkbook(ctx, model, fmt));
  const fileName = reportFileName(
    model.cover.clientSlug,
    model.cover.period,
    'xlsx',
    model.cover.language,
  );
  return {
    stream,
    done,
    fileName,
    contentType: CONTENT_TYPES.xlsx,
    contentDisposition: contentDisposition(fileName),
  };
}

/* --------------------------------------------------------------------------------------------
 * Admin report
 * ------------------------------------------------------------------------------------------ */

interface LabeledValue {
  label: string;
  value: XCell;
  currency: string | null;
}

interface ClientCurrencyRow {
  client: AdminClientRow;
  currency: string | null;
  spend: Money | null;
  savings: Money | null;
}

/** One spreadsheet row per client and currency, so every amount cell is one currency. */
async function* clientCurrencyRows(
  clients: RowSource<AdminClientRow>,
): AsyncGenerator<ClientCurrencyRow> {
  for await (const client of iterate(clients)) {
    const currencies = [
      ...new Set([
        ...client.spendUnderManagement.map((m) => m.currency),
        ...client.potentialMonthlySavings.map((m) => m.currency),
      ]),
    ];
    if (currencies.length === 0) {
      yield { client, currency: null, spend: null, savings: null };
      continue;
    }
    for (const currency of currencies) {
      yield {
        client,
        currency,
        spend: client.spendUnderManagement.find((m) => m.currency === currency) ?? null,
        savings: client.potentialMonthlySavings.find((m) => m.currency === currency) ?? null,
      };
    }
  }
}

async function writeAdminWorkbook(
  ctx: SheetContext,
  model: AdminReportModel,
  fmt: ReportFormatter,
): Promise<void> {
  const s = fmt.strings;
  const c = s.columns;
  const p = model.platform;

  const moneyRows = (label: string, list: Money[]): LabeledValue[] =>
    list.map((m) => ({ label, currency: m.currency, value: money(m.amount, m.currency) }));
  const countRow = (label: string, value: number): LabeledValue => ({
    label,
    currency: null,
    value: count(value),
  });
  const platformRows: LabeledValue[] = [
    countRow(s.platform.clientsTotal, p.clients.total),
    countRow(s.platform.clientsActive, p.clients.active),
    countRow(s.platform.clientsSuspended, p.clients.suspended),
    countRow(s.platform.clientsNew, p.clients.newInPeriod),
    countRow(s.platform.usersTotal, p.users.total),
    countRow(s.platform.usersActive, p.users.active),
    countRow(s.platform.usersDisabled, p.users.disabled),
    countRow(s.platform.memberships, p.memberships),
    countRow(s.platform.cloudAccounts, p.cloudAccounts),
    countRow(s.platform.ingestionsSucceeded, p.ingestions.succeeded),
    countRow(s.platform.ingestionsFailed, p.ingestions.failed),
    countRow(s.platform.factRows, p.factRows),
    ...moneyRows(s.platform.spendUnderManagement, p.spendUnderManagement),
    ...moneyRows(s.platform.potentialMonthlySavings, p.potentialMonthlySavings),
    ...moneyRows(s.platform.monthlyRecurringRevenue, model.subscriptions.monthlyRecurringRevenue),
    countRow(s.platform.newSubscriptions, model.subscriptions.newInPeriod),
    countRow(s.platform.canceledSubscriptions, model.subscriptions.canceledInPeriod),
  ];
  const cover = model.cover;
  await writeSheet(
    ctx,
    s.sheets.summary,
    [
      { header: c.measure, width: 44, cell: (r: LabeledValue) => text(r.label) },
      { header: c.currency, width: 10, cell: (r: LabeledValue) => text(r.currency) },
      { header: c.value, width: 22, cell: (r: LabeledValue) => r.value },
    ],
    platformRows,
    (ws, next) =>
      keyValueBlock(ws, next, s.sections.reportInfo, [
        [s.cover.period, fmt.period(cover.period)],
        [s.cover.generatedAt, fmt.dateTime(cover.generatedAt)],
        [s.cover.generatedBy, cover.generatedBy ?? fmt.na],
        [s.cover.language, s.languageName],
        [s.cover.requestId, cover.requestId],
        ['', s.currencyNote],
      ]),
  );

  await writeSheet(
    ctx,
    s.sheets.clients,
    [
      { header: c.client, width: 36, cell: (r) => text(r.client.name) },
      { header: c.slug, width: 22, cell: (r) => text(r.client.slug) },
      { header: c.plan, width: 14, cell: (r) => text(r.client.planName ?? r.client.planCode) },
      { header: c.status, width: 12, cell: (r) => text(s.clientStatus[r.client.status]) },
      { header: c.members, width: 10, cell: (r) => count(r.client.members) },
      { header: c.currency, width: 10, cell: (r) => text(r.currency) },
      {
        header: c.spendUnderManagement,
        width: 22,
        cell: (r) => money(r.spend?.amount ?? null, r.currency ?? 'USD'),
      },
      {
        header: c.potentialSavings,
        width: 22,
        cell: (r) => money(r.savings?.amount ?? null, r.currency ?? 'USD'),
      },
      {
        header: c.lastIngestion,
        width: 18,
        cell: (r) => ({ t: 'datetime', v: r.client.lastIngestionAt }),
      },
    ],
    clientCurrencyRows(model.clients),
  );

  await writeSheet(
    ctx,
    s.sheets.subscriptions,
    [
      { header: c.plan, width: 18, cell: (r) => text(r.planName) },
      { header: c.slug, width: 14, cell: (r) => text(r.planCode) },
      { header: c.currency, width: 10, cell: (r) => text(r.currency) },
      { header: c.monthlyPrice, width: 16, cell: (r) => money(r.monthlyPrice, r.currency) },
      { header: c.trialing, width: 12, cell: (r) => count(r.trialing) },
      { header: c.active, width: 12, cell: (r) => count(r.active) },
      { header: c.pastDue, width: 14, cell: (r) => count(r.pastDue) },
      { header: c.canceled, width: 12, cell: (r) => count(r.canceled) },
      { header: c.mrr, width: 18, cell: (r) => money(r.monthlyRecurringRevenue, r.currency) },
    ],
    model.subscriptions.plans,
  );

  const sec = model.security;
  type SecurityKey = keyof typeof s.security;
  const keys: SecurityKey[] = [
    'logins',
    'loginFailures',
    'lockouts',
    'privilegedAccesses',
    'passwordResets',
  ];
  await writeSheet(
    ctx,
    s.sheets.security,
    [
      { header: c.measure, width: 40, cell: (k: SecurityKey) => text(s.security[k]) },
      { header: c.current, width: 16, cell: (k: SecurityKey) => count(sec[k]) },
      {
        header: c.previousPeriod,
        width: 16,
        cell: (k: SecurityKey) => count(sec.previous ? sec.previous[k] : null),
      },
      {
        header: c.changePct,
        width: 14,
        cell: (k: SecurityKey) => {
          const before = sec.previous?.[k];
          return percent(before ? (sec[k] - before) / before : null);
        },
      },
    ],
    keys,
  );

  await writeSheet(
    ctx,
    s.sheets.methodology,
    [
      { header: c.term, width: 34, wrap: true, cell: (t) => text(s.methodology[t]) },
      { header: c.definition, width: 100, wrap: true, cell: (t) => text(s.definitions[t]) },
    ],
    [...ADMIN_METHODOLOGY_TERMS],
  );
}

export function exportAdminXlsx(model: AdminReportModel): ReportExport {
  const fmt = new ReportFormatter(model.cover.language, model.cover.timeZone);
  const { stream, done } = streamWorkbook(fmt.strings.adminReportTitle, (ctx) =>
    writeAdminWorkbook(ctx, model, fmt),
  );
  const fileName = reportFileName('admin', model.cover.period, 'xlsx', model.cover.language);
  return {
    stream,
    done,
    fileName,
    contentType: CONTENT_TYPES.xlsx,
    contentDisposition: contentDisposition(fileName),
  };
}

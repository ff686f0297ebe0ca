/**
 * PDF exports (pdfkit, A4): a cover, the key figures, vector charts, the findings, commitments and
 * movers tables and a methodology page, with a running header, page numbers and a footer that
 * carries the generation time and request id on every page.
 */
import type { Readable } from 'node:stream';

import {
  ADMIN_METHODOLOGY_TERMS,
  METHODOLOGY_TERMS,
  ReportFormatter,
  freshnessText,
  methodologyText,
  moversComparedText,
  moversEmptyText,
} from '../i18n.js';
import {
  CONTENT_TYPES,
  contentDisposition,
  decimalToNumber,
  moneyDecimal,
  reportFileName,
} from '../report.fns.js';
import type {
  AccountSpend,
  AdminClientRow,
  AdminReportModel,
  ClientReportModel,
  CurrencyCode,
  Decimal,
  KeyFigures,
  Money,
  Mover,
  MoverKind,
  PdfExportOptions,
  ReportExport,
  ReportLogo,
  ReportPeriod,
} from '../report.types.js';
import {
  accountsChart,
  dailyTrendChart,
  monthlyTrendChart,
  topServicesChart,
  type ChartSvg,
} from './pdf-charts.js';
import { COLORS, PdfCanvas, type PdfColumn, type PdfRow } from './pdf-layout.js';
import { byCurrency, deferred, iterate, orderedCurrencies } from './shared.js';

const MOVER_ORDER: MoverKind[] = ['price', 'usage', 'new', 'removed', 'credit'];

/** The footer's left part: who made it, when, and the request id support will ask for. */
function footerText(fmt: ReportFormatter, generatedAt: string, requestId: string): string {
  const s = fmt.strings;
  const when = s.footer.generated(fmt.dateTime(generatedAt));
  return `FinOpsLatam · ${when} · ${s.footer.request(requestId)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

/** A cost that went up reads red, one that went down green; zero and unknown stay neutral. */
/**
 * An id short enough for a table cell: a long ARN or path is shown by its last segment (the
 * reservation or instance id), which is the part that differs between rows.
 */
export function shortId(id: string, max = 34): string {
  if (id.length <= max) return id;
  const tail = id.split(/[/:]/).filter(Boolean).pop() ?? id;
  return tail.length < max ? `…${tail}` : `…${id.slice(-(max - 1))}`;
}

/** The new or the removed effect, whichever the row has: never both on one row. */
function newOrRemoved(m: Mover): Decimal | null {
  if (m.newEffect !== null && Number(m.newEffect) !== 0) return m.newEffect;
  if (m.removedEffect !== null && Number(m.removedEffect) !== 0) return m.removedEffect;
  return m.newEffect ?? m.removedEffect;
}

function changeColor(change: Decimal | number | null): string | undefined {
  if (change === null) return undefined;
  const value = typeof change === 'number' ? change : decimalToNumber(change);
  if (value > 0) return COLORS.red;
  if (value < 0) return COLORS.green;
  return undefined;
}

/**
 * Runs the composition in the background and hands the document stream back at once. A failure
 * destroys the stream, so the reply aborts rather than ending in a truncated file.
 */
function streamPdf(
  canvas: PdfCanvas,
  compose: () => Promise<number>,
): { stream: Readable; done: Promise<{ rows: number }> } {
  const stream = canvas.doc as unknown as Readable;
  const done = deferred<{ rows: number }>();
  let rows = 0;
  stream.once('end', () => done.resolve({ rows }));
  stream.once('error', (error) => done.reject(error));

  compose().then(
    (count) => {
      rows = count;
      canvas.finish();
    },
    (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      done.reject(failure);
      stream.destroy(failure);
    },
  );
  return { stream, done: done.promise };
}

/* --------------------------------------------------------------------------------------------
 * Cover
 * ------------------------------------------------------------------------------------------ */

interface CoverContent {
  title: string;
  period: ReportPeriod;
  subject: string;
  facts: Array<[string, string]>;
  notes: string[];
  logo: ReportLogo | undefined;
}

function drawCover(c: PdfCanvas, fmt: ReportFormatter, content: CoverContent): void {
  const doc = c.doc;
  c.addCoverPage();

  // The band, with a quiet rising-bars motif on its right.
  const band = 318;
  doc.rect(0, 0, c.pageWidth, band).fill(COLORS.navy);
  doc.save();
  doc.fillOpacity(0.12);
  [70, 95, 88, 130, 150, 185].forEach((height, i) => {
    doc.rect(360 + i * 34, band - height - 40, 22, height).fill(COLORS.aqua);
  });
  doc.restore();

  c.mark(c.left, 44, 40);
  c.style('bold', 20, COLORS.white);
  doc.text('FinOpsLatam', c.left + 52, 53, { lineBreak: false });

  if (content.logo) {
    const box = { x: c.right - 150, y: 36, w: 150, h: 64 };
    doc.roundedRect(box.x, box.y, box.w, box.h, 6).fill(COLORS.white);
    c.logo(content.logo, box.x + 10, box.y + 8, box.w - 20, box.h - 16);
  }

  c.style('bold', 26, COLORS.white);
  doc.text(content.title, c.left, 150, { width: 420, lineGap: 2 });
  c.style('body', 16, COLORS.aqua);
  doc.text(capitalize(fmt.period(content.period)), c.left, doc.y + 8, { width: 420 });

  c.style('bold', 22, COLORS.navy);
  doc.text(content.subject, c.left, band + 34, { width: c.width });
  doc.y += 8;
  doc
    .moveTo(c.left, doc.y)
    .lineTo(c.left + 80, doc.y)
    .lineWidth(2)
    .strokeColor(COLORS.teal)
    .stroke();
  doc.y += 16;
  c.definitionList(content.facts, c.left, c.width);

  let y = c.bottom - 12 - content.notes.length * 13;
  c.style('body', 7.5, COLORS.muted);
  for (const note of content.notes) {
    doc.text(note, c.left, y, { width: c.width, lineBreak: false });
    y += 13;
  }
}

/* --------------------------------------------------------------------------------------------
 * Client report
 * ------------------------------------------------------------------------------------------ */

function keyFigureTiles(
  c: PdfCanvas,
  fmt: ReportFormatter,
  k: KeyFigures,
  findingsWindow: ClientReportModel['findingsWindow'],
): void {
  const s = fmt.strings;
  const gap = 8;
  const width = (c.width - 2 * gap) / 3;
  const height = 64;
  const cur = k.currency;
  const pct = (value: number | null) => fmt.ratio(value, { signed: true });
  const tiles = [
    {
      label: s.figures.totalSpend,
      value: fmt.money(k.totalSpend, cur),
      sub: `${s.columns.previous}: ${fmt.money(k.vsPreviousMonth.reference, cur)}`,
    },
    {
      label: s.figures.vsPreviousMonth,
      value: fmt.signedMoney(k.vsPreviousMonth.change, cur),
      sub: pct(k.vsPreviousMonth.changeRatio),
      subColor: changeColor(k.vsPreviousMonth.change),
    },
    {
      label: s.figures.vsSameMonthLastYear,
      value: fmt.signedMoney(k.vsSameMonthLastYear.change, cur),
      sub: pct(k.vsSameMonthLastYear.changeRatio),
      subColor: changeColor(k.vsSameMonthLastYear.change),
    },
    { label: s.figures.forecast, value: fmt.money(k.forecast, cur) },
    {
      label: s.figures.potentialMonthlySavings,
      value: fmt.money(k.potentialMonthlySavings, cur),
      // The window the findings were measured in, so the figure is never read as this period's
      // own when the two differ.
      sub: findingsWindow
        ? s.figures.savingsWindow(
            fmt.numericDate(findingsWindow.from),
            fmt.numericDate(findingsWindow.to),
          )
        : undefined,
      accent: COLORS.green,
    },
    {
      label: s.figures.realizedSavings,
      value: fmt.money(k.realizedSavings, cur),
      accent: COLORS.green,
    },
    {
      label: s.figures.effectiveSavingsRate,
      value: fmt.ratio(k.effectiveSavingsRate),
      accent: COLORS.amber,
    },
    {
      label: s.figures.commitmentCoverage,
      value: fmt.ratio(k.commitmentCoverage),
      accent: COLORS.amber,
    },
    { label: s.figures.tagCoverage, value: fmt.ratio(k.tagCoverage), accent: COLORS.amber },
  ];

  c.ensureSpace(20 + 3 * (height + gap));
  const top = c.doc.y;
  tiles.forEach((tile, i) => {
    const x = c.left + (i % 3) * (width + gap);
    const y = top + Math.floor(i / 3) * (height + gap);
    c.tile(x, y, width, height, tile);
  });
  c.doc.y = top + 3 * (height + gap) + 4;
}

async function composeClient(
  c: PdfCanvas,
  model: ClientReportModel,
  fmt: ReportFormatter,
  options: PdfExportOptions,
): Promise<number> {
  const s = fmt.strings;
  const cover = model.cover;
  let rows = 0;

  drawCover(c, fmt, {
    title: s.clientReportTitle,
    period: cover.period,
    subject: cover.clientName,
    logo: options.logo,
    facts: [
      [s.cover.period, fmt.period(cover.period)],
      [s.cover.generatedAt, fmt.dateTime(cover.generatedAt)],
      [s.cover.metric, s.metrics[cover.metric]],
      [s.cover.reportingCurrency, cover.currency],
      [s.cover.currencies, cover.currencies.join(', ')],
      [s.cover.language, s.languageName],
      [s.cover.requestId, cover.requestId],
    ],
    notes: [s.confidential(cover.clientName), s.currencyNote],
  });

  // Key figures, one block per currency.
  c.addPage();
  c.sectionTitle(s.sections.keyFigures);
  // A period without any charge says so once, plainly, instead of showing empty charts.
  const periodEmpty = model.keyFigures.length === 0 && model.dailyTrend.length === 0;
  if (periodEmpty) c.notice(s.empty.data);
  for (const k of model.keyFigures) {
    const suffix = k.currency === cover.currency ? ` · ${s.cover.reportingCurrency}` : '';
    c.subTitle(`${k.currency}${suffix}`, 3 * (64 + 8) + 4);
    keyFigureTiles(c, fmt, k, model.findingsWindow);
    rows += 1;
  }
  c.paragraph(`${s.currencyNote} ${s.notAvailableNote}`, { size: 7.5, color: COLORS.muted });

  const currenciesOf = (list: ReadonlyArray<{ currency: CurrencyCode }>) =>
    orderedCurrencies(cover.currencies, list).filter((cur) => list.some((r) => r.currency === cur));

  // Charts: one per currency, since amounts in different currencies never share an axis.
  // Each is rendered before its heading is placed, so no heading is left alone at a page foot.
  const chartSection = async (
    title: string,
    currencies: CurrencyCode[],
    render: (cur: CurrencyCode) => Promise<ChartSvg>,
    caption?: string,
  ) => {
    if (currencies.length === 0) {
      if (periodEmpty) return;
      c.sectionTitle(title, 20);
      c.paragraph(s.empty.data, { color: COLORS.muted });
      return;
    }
    const charts = [];
    for (const cur of currencies) charts.push({ cur, chart: await render(cur) });
    const extra = caption ? 18 : 0;
    c.sectionTitle(title, (charts[0]?.chart.height ?? 40) + 24 + extra);
    for (const { cur, chart } of charts) {
      c.subTitle(cur, chart.height + 10 + extra);
      c.chart(chart, caption ? { caption } : {});
    }
  };

  await chartSection(s.sections.monthlyTrend, currenciesOf(model.monthlyTrend), (cur) =>
    monthlyTrendChart(byCurrency(model.monthlyTrend, cur), cur, c.width, fmt),
  );
  rows += model.monthlyTrend.length;

  await chartSection(s.sections.topServices, currenciesOf(model.topServices), (cur) =>
    topServicesChart(byCurrency(model.topServices, cur), cur, c.width, fmt),
  );
  rows += model.topServices.length;

  // A CFO reads the largest accounts; a long tail of tiny ones would only push the chart off
  // the page, and accounts without spend are only counted. The CSV and XLSX keep every account.
  const spending = model.accounts.filter((a) => !showsAsZero(a.amount));
  await chartSection(s.sections.accounts, currenciesOf(model.accounts), (cur) =>
    accountsChart(topAccounts(spending, cur, MAX_ACCOUNTS_CHART), cur, c.width, fmt),
  );
  if (model.accounts.length > 0) {
    c.table(
      [
        { header: s.columns.provider, width: 0.11 },
        { header: s.columns.accountId, width: 0.2 },
        { header: s.columns.accountName, width: 0.33, wrap: true, maxLines: 2 },
        { header: s.columns.amount, width: 0.22, align: 'right' },
        { header: s.columns.share, width: 0.14, align: 'right' },
      ],
      currenciesOf(model.accounts).flatMap((cur) => {
        const all = byCurrency(spending, cur);
        const idle = byCurrency(model.accounts, cur).length - all.length;
        const idleRow = idle > 0 ? [['', '', s.charts.accountsWithoutSpend(idle), '', '']] : [];
        const shown = all
          .slice(0, MAX_ACCOUNTS_TABLE)
          .map((a) => [
            fmt.provider(a.provider),
            a.accountId,
            a.accountName ?? fmt.na,
            fmt.money(a.amount, a.currency),
            fmt.ratio(a.share),
          ]);
        const rest = all.slice(MAX_ACCOUNTS_TABLE);
        const amount = sumDecimals(rest.map((a) => a.amount));
        if (rest.length === 0 || showsAsZero(amount)) return [...shown, ...idleRow];
        const share = rest.reduce((acc, a) => acc + (a.share ?? 0), 0);
        const label = `${s.charts.otherCategory} (${rest.length})`;
        return [...shown, ['', '', label, fmt.money(amount, cur), fmt.ratio(share)], ...idleRow];
      }),
    );
  }
  rows += model.accounts.length;

  await chartSection(
    s.sections.daily,
    currenciesOf(model.dailyTrend),
    (cur) => dailyTrendChart(byCurrency(model.dailyTrend, cur), cur, c.width, fmt),
    `━ ${s.charts.spendLegend}     ● ${s.charts.anomalyLegend}`,
  );
  const anomalies = model.dailyTrend.filter((d) => d.anomaly !== null);
  if (anomalies.length > 0) {
    c.table(
      [
        { header: s.columns.date, width: 0.15 },
        { header: s.columns.amount, width: 0.19, align: 'right' },
        { header: s.columns.expected, width: 0.19, align: 'right' },
        { header: s.columns.severity, width: 0.12 },
        { header: s.columns.driver, width: 0.35, wrap: true, maxLines: 2 },
      ],
      anomalies.map((d) => [
        fmt.numericDate(d.date),
        { text: fmt.money(d.amount, d.currency), bold: true },
        fmt.money(d.anomaly?.expected ?? null, d.currency),
        {
          text: d.anomaly ? s.severity[d.anomaly.severity] : fmt.na,
          color: d.anomaly?.severity === 'high' ? COLORS.red : COLORS.text,
        },
        d.anomaly?.driver ?? fmt.na,
      ]),
    );
  }
  rows += model.dailyTrend.length;

  c.sectionTitle(s.sections.findings);
  if (model.topFindings.length === 0) {
    c.paragraph(s.empty.findings, { color: COLORS.muted });
  } else {
    c.table(
      [
        { header: s.columns.rank, width: 0.05, align: 'right' },
        { header: s.columns.finding, width: 0.35, wrap: true, maxLines: 3 },
        {
          header: `${s.columns.resource} / ${s.columns.service}`,
          width: 0.32,
          wrap: true,
          maxLines: 3,
        },
        { header: s.columns.effort, width: 0.1 },
        { header: s.columns.monthlySavings, width: 0.18, align: 'right' },
      ],
      model.topFindings.map((f, i) => [
        String(i + 1),
        f.title,
        // The resource first: it is what tells two findings of one service apart.
        [f.resourceId ? shortId(f.resourceId) : null, f.serviceName, f.accountId]
          .filter(Boolean)
          .join('\n') || fmt.na,
        s.effort[f.effort],
        { text: fmt.money(f.monthlySavings, f.currency), bold: true, color: COLORS.green },
      ]),
    );
  }
  rows += model.topFindings.length;

  c.sectionTitle(s.sections.commitments);
  if (model.commitments.length === 0) {
    c.paragraph(s.empty.commitments, { color: COLORS.muted });
  } else {
    c.table(
      [
        { header: s.columns.commitment, width: 0.28, wrap: true, maxLines: 3 },
        { header: s.columns.scope, width: 0.18, wrap: true, maxLines: 2 },
        { header: s.columns.periodCost, width: 0.15, align: 'right' },
        { header: s.columns.periodSavings, width: 0.15, align: 'right' },
        { header: s.columns.utilization, width: 0.1, align: 'right' },
        { header: s.columns.endDate, width: 0.14, align: 'right' },
      ],
      model.commitments.map((m) => [
        // Every ARN of an account starts alike: its tail (the reservation id) is what differs.
        `${m.type}\n${shortId(m.id)}`,
        m.scope ?? fmt.na,
        fmt.money(m.periodCost, m.currency),
        { text: fmt.money(m.periodSavings, m.currency), color: COLORS.green },
        fmt.ratio(m.utilization),
        fmt.numericDate(m.endDate),
      ]),
    );
  }
  rows += model.commitments.length;

  c.sectionTitle(s.sections.movers);
  const compared = moversComparedText(fmt, model);
  if (compared) c.paragraph(compared, { size: 8, color: COLORS.muted });
  if (model.movers.length === 0) c.paragraph(moversEmptyText(fmt, model), { color: COLORS.muted });
  for (const kind of MOVER_ORDER) {
    const movers = model.movers.filter((m) => m.kind === kind);
    if (movers.length === 0) continue;
    c.subTitle(s.moverGroups[kind]);
    c.table(
      [
        { header: s.columns.service, width: 0.22, wrap: true, maxLines: 3 },
        { header: s.columns.previous, width: 0.12, align: 'right' },
        { header: s.columns.current, width: 0.12, align: 'right' },
        { header: s.columns.change, width: 0.14, align: 'right' },
        { header: s.columns.priceEffect, width: 0.13, align: 'right' },
        { header: s.columns.usageEffect, width: 0.13, align: 'right' },
        { header: s.columns.newRemovedEffect, width: 0.14, align: 'right' },
      ],
      movers.map((m): PdfRow => [
        m.accountId ? `${m.serviceName} · ${m.accountId}` : m.serviceName,
        fmt.money(m.previous, m.currency),
        fmt.money(m.current, m.currency),
        { text: fmt.signedMoney(m.change, m.currency), bold: true, color: changeColor(m.change) },
        fmt.signedMoney(m.priceEffect, m.currency),
        fmt.signedMoney(m.usageEffect, m.currency),
        fmt.signedMoney(newOrRemoved(m), m.currency),
      ]),
      { fontSize: 7.5 },
    );
  }
  rows += model.movers.length;

  // Methodology on a page of its own: it is what a reader checks a figure against.
  c.addPage();
  c.sectionTitle(s.sections.methodology);
  for (const term of METHODOLOGY_TERMS) {
    c.subTitle(s.methodology[term], 30);
    c.paragraph(methodologyText(fmt, term, model), { gap: 6 });
  }
  const m = model.methodology;
  c.sectionTitle(s.sections.reportInfo, 60);
  c.paragraph(freshnessText(fmt, m));
  if (m.providers.length > 0) {
    c.paragraph(s.providersLine(m.providers.map((p) => fmt.provider(p)).join(', ')));
  }
  for (const note of m.notes) c.paragraph(note);
  c.paragraph(s.notAvailableNote, { color: COLORS.muted });

  // The detail is for the spreadsheets; a PDF export does not consume the provider's cursor.
  return rows;
}

const MAX_ACCOUNTS_CHART = 12;
const MAX_ACCOUNTS_TABLE = 25;

/** An amount the reader would see as 0.00 (exact decimal rounding, no float). */
function showsAsZero(value: Decimal): boolean {
  return /^-?0\.00$/.test(moneyDecimal(value));
}

function topAccounts(accounts: readonly AccountSpend[], currency: string, n: number) {
  return byCurrency(accounts, currency).slice(0, n);
}

/** Adds decimal strings exactly (money keeps 10 fractional digits at most). */
function sumDecimals(values: readonly string[]): string {
  const scale = 10n ** 10n;
  const total = values.reduce((acc, v) => {
    const [int = '0', frac = ''] = v.replace('-', '').split('.');
    const units = BigInt(int) * scale + BigInt(`${frac}0000000000`.slice(0, 10));
    return acc + (v.startsWith('-') ? -units : units);
  }, 0n);
  const abs = total < 0n ? -total : total;
  const sign = total < 0n ? '-' : '';
  return `${sign}${abs / scale}.${(abs % scale).toString().padStart(10, '0')}`;
}

export function exportClientPdf(
  model: ClientReportModel,
  options: PdfExportOptions = {},
): ReportExport {
  const fmt = new ReportFormatter(model.cover.language, model.cover.timeZone);
  const s = fmt.strings;
  const cover = model.cover;
  const canvas = new PdfCanvas(
    {
      title: `${s.clientReportTitle} · ${cover.clientName} · ${fmt.period(cover.period)}`,
      subject: s.clientReportTitle,
      createdAt: new Date(cover.generatedAt),
      lang: fmt.intl,
    },
    {
      // The client first: when the line is too short, the title is what gets cut.
      headerLeft: `${cover.clientName} · ${s.clientReportTitle}`,
      headerRight: capitalize(fmt.period(cover.period)),
      footerLeft: footerText(fmt, cover.generatedAt, cover.requestId),
      pageLabel: s.footer.page,
      ...(options.logo ? { logo: options.logo } : {}),
    },
  );
  const { stream, done } = streamPdf(canvas, () => composeClient(canvas, model, fmt, options));
  const fileName = reportFileName(cover.clientSlug, cover.period, 'pdf', cover.language);
  return {
    stream,
    done,
    fileName,
    contentType: CONTENT_TYPES.pdf,
    contentDisposition: contentDisposition(fileName),
  };
}

/* --------------------------------------------------------------------------------------------
 * Admin report
 * ------------------------------------------------------------------------------------------ */

function moneyLines(fmt: ReportFormatter, list: Money[]): string {
  return list.length === 0 ? fmt.na : list.map((m) => fmt.money(m.amount, m.currency)).join('\n');
}

function tileGrid(
  c: PdfCanvas,
  tiles: Array<{ label: string; value: string; sub?: string; accent?: string }>,
  columns = 4,
): void {
  const gap = 8;
  const width = (c.width - (columns - 1) * gap) / columns;
  const height = 58;
  const lines = Math.ceil(tiles.length / columns);
  c.ensureSpace(lines * (height + gap));
  const top = c.doc.y;
  tiles.forEach((tile, i) => {
    c.tile(
      c.left + (i % columns) * (width + gap),
      top + Math.floor(i / columns) * (height + gap),
      width,
      height,
      tile,
    );
  });
  c.doc.y = top + lines * (height + gap) + 4;
}

async function composeAdmin(
  c: PdfCanvas,
  model: AdminReportModel,
  fmt: ReportFormatter,
): Promise<number> {
  const s = fmt.strings;
  const cover = model.cover;
  const p = model.platform;
  let rows = 0;

  drawCover(c, fmt, {
    title: s.adminReportTitle,
    period: cover.period,
    subject: 'FinOpsLatam',
    logo: undefined,
    facts: [
      [s.cover.period, fmt.period(cover.period)],
      [s.cover.generatedAt, fmt.dateTime(cover.generatedAt)],
      [s.cover.generatedBy, cover.generatedBy ?? fmt.na],
      [s.cover.language, s.languageName],
      [s.cover.requestId, cover.requestId],
    ],
    notes: [s.adminConfidential, s.currencyNote],
  });

  c.addPage();
  c.sectionTitle(s.sections.platform);
  tileGrid(c, [
    { label: s.platform.clientsTotal, value: fmt.count(p.clients.total) },
    { label: s.platform.clientsActive, value: fmt.count(p.clients.active) },
    {
      label: s.platform.clientsSuspended,
      value: fmt.count(p.clients.suspended),
      accent: COLORS.red,
    },
    { label: s.platform.clientsNew, value: fmt.count(p.clients.newInPeriod), accent: COLORS.green },
    { label: s.platform.usersTotal, value: fmt.count(p.users.total) },
    { label: s.platform.usersActive, value: fmt.count(p.users.active) },
    { label: s.platform.usersDisabled, value: fmt.count(p.users.disabled), accent: COLORS.red },
    { label: s.platform.memberships, value: fmt.count(p.memberships) },
    { label: s.platform.cloudAccounts, value: fmt.count(p.cloudAccounts) },
    {
      label: s.platform.ingestionsSucceeded,
      value: fmt.count(p.ingestions.succeeded),
      accent: COLORS.green,
    },
    {
      label: s.platform.ingestionsFailed,
      value: fmt.count(p.ingestions.failed),
      accent: COLORS.red,
    },
    { label: s.platform.factRows, value: fmt.count(p.factRows) },
  ]);
  const moneyTiles = (label: string, list: Money[], accent: string) =>
    list.map((m) => ({
      label: `${label} · ${m.currency}`,
      value: fmt.money(m.amount, m.currency),
      accent,
    }));
  tileGrid(
    c,
    [
      ...moneyTiles(s.platform.spendUnderManagement, p.spendUnderManagement, COLORS.teal),
      ...moneyTiles(s.platform.potentialMonthlySavings, p.potentialMonthlySavings, COLORS.green),
      ...moneyTiles(
        s.platform.monthlyRecurringRevenue,
        model.subscriptions.monthlyRecurringRevenue,
        COLORS.amber,
      ),
    ],
    3,
  );
  c.paragraph(s.currencyNote, { size: 7.5, color: COLORS.muted });

  c.sectionTitle(s.sections.clients);
  const clientRows: PdfRow[] = [];
  for await (const client of iterate<AdminClientRow>(model.clients)) {
    clientRows.push([
      `${client.name}\n${client.slug}`,
      client.planName ?? client.planCode ?? fmt.na,
      {
        text: s.clientStatus[client.status],
        color: client.status === 'suspended' ? COLORS.red : COLORS.text,
      },
      fmt.count(client.members),
      moneyLines(fmt, client.spendUnderManagement),
      moneyLines(fmt, client.potentialMonthlySavings),
      fmt.dateTime(client.lastIngestionAt),
    ]);
  }
  if (clientRows.length === 0) c.paragraph(s.empty.clients, { color: COLORS.muted });
  else {
    c.table(
      [
        { header: s.columns.client, width: 0.2, wrap: true, maxLines: 3 },
        { header: s.columns.plan, width: 0.1 },
        { header: s.columns.status, width: 0.11 },
        { header: s.columns.members, width: 0.1, align: 'right' },
        {
          header: s.columns.spendUnderManagement,
          width: 0.16,
          align: 'right',
          wrap: true,
          maxLines: 4,
        },
        {
          header: s.columns.potentialSavings,
          width: 0.16,
          align: 'right',
          wrap: true,
          maxLines: 4,
        },
        { header: s.columns.lastIngestion, width: 0.17, wrap: true, maxLines: 2 },
      ],
      clientRows,
      { fontSize: 7.5 },
    );
  }
  rows += clientRows.length;

  c.sectionTitle(s.sections.subscriptions);
  c.table(
    [
      { header: s.columns.plan, width: 0.16 },
      { header: s.columns.monthlyPrice, width: 0.16, align: 'right' },
      { header: s.columns.trialing, width: 0.11, align: 'right' },
      { header: s.columns.active, width: 0.11, align: 'right' },
      { header: s.columns.pastDue, width: 0.13, align: 'right' },
      { header: s.columns.canceled, width: 0.13, align: 'right' },
      { header: s.columns.mrr, width: 0.2, align: 'right' },
    ],
    [
      ...model.subscriptions.plans.map((plan): PdfRow => [
        plan.planName,
        fmt.money(plan.monthlyPrice, plan.currency),
        fmt.count(plan.trialing),
        fmt.count(plan.active),
        fmt.count(plan.pastDue),
        fmt.count(plan.canceled),
        { text: fmt.money(plan.monthlyRecurringRevenue, plan.currency), bold: true },
      ]),
      ...model.subscriptions.monthlyRecurringRevenue.map((m): PdfRow => [
        { text: `${s.columns.mrr} · ${m.currency}`, bold: true },
        '',
        '',
        '',
        '',
        '',
        { text: fmt.money(m.amount, m.currency), bold: true, color: COLORS.navy },
      ]),
    ],
  );
  c.paragraph(
    `${s.platform.newSubscriptions}: ${fmt.count(model.subscriptions.newInPeriod)} · ` +
      `${s.platform.canceledSubscriptions}: ${fmt.count(model.subscriptions.canceledInPeriod)}`,
  );
  rows += model.subscriptions.plans.length;

  c.sectionTitle(s.sections.security);
  const sec = model.security;
  const keys = [
    'logins',
    'loginFailures',
    'lockouts',
    'privilegedAccesses',
    'passwordResets',
  ] as const;
  c.table(
    [
      { header: s.columns.measure, width: 0.46 },
      { header: s.columns.current, width: 0.18, align: 'right' },
      { header: s.columns.previousPeriod, width: 0.18, align: 'right' },
      { header: s.columns.changePct, width: 0.18, align: 'right' },
    ],
    keys.map((key): PdfRow => {
      const before = sec.previous?.[key] ?? null;
      const ratio = before ? (sec[key] - before) / before : null;
      return [
        s.security[key],
        { text: fmt.count(sec[key]), bold: true },
        fmt.count(before),
        fmt.ratio(ratio, { signed: true }),
      ];
    }),
  );
  rows += keys.length;

  c.addPage();
  c.sectionTitle(s.sections.methodology);
  for (const term of ADMIN_METHODOLOGY_TERMS) {
    c.subTitle(s.methodology[term], 30);
    c.paragraph(s.definitions[term], { gap: 6 });
  }
  c.paragraph(s.notAvailableNote, { color: COLORS.muted });
  return rows;
}

export function exportAdminPdf(model: AdminReportModel): ReportExport {
  const fmt = new ReportFormatter(model.cover.language, model.cover.timeZone);
  const s = fmt.strings;
  const cover = model.cover;
  const canvas = new PdfCanvas(
    {
      title: `${s.adminReportTitle} · ${fmt.period(cover.period)}`,
      subject: s.adminReportTitle,
      createdAt: new Date(cover.generatedAt),
      lang: fmt.intl,
    },
    {
      headerLeft: `${s.adminReportTitle} · FinOpsLatam`,
      headerRight: capitalize(fmt.period(cover.period)),
      footerLeft: footerText(fmt, cover.generatedAt, cover.requestId),
      pageLabel: s.footer.page,
    },
  );
  const { stream, done } = streamPdf(canvas, () => composeAdmin(canvas, model, fmt));
  const fileName = reportFileName('admin', cover.period, 'pdf', cover.language);
  return {
    stream,
    done,
    fileName,
    contentType: CONTENT_TYPES.pdf,
    contentDisposition: contentDisposition(fileName),
  };
}

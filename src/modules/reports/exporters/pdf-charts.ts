/**
 * The report's charts as Vega-Lite specs rendered to SVG without a canvas (`renderer: 'none'`,
 * text widths estimated), then drawn into the PDF as vectors by svg-to-pdfkit.
 *
 * Amounts become JS numbers here: a chart's scale is the only place where float precision is
 * acceptable, and every figure a reader may quote is also printed from its decimal string.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

import { serviceLabel, type ReportFormatter } from '../i18n.js';
import { decimalToNumber } from '../report.fns.js';
import type {
  AccountSpend,
  DailySpend,
  MonthlyCategorySpend,
  ServiceSpend,
} from '../report.types.js';

export const CHART_FONT = 'DejaVu Sans';

/** Category colours: navy, teal and amber lead; muted tones after, for long tails. */
export const CATEGORY_PALETTE = [
  '#0B3954',
  '#087E8B',
  '#3FB8AF',
  '#F2A541',
  '#C8553D',
  '#7B6D8D',
  '#A3B18A',
  '#5F6B7A',
  '#E07A5F',
  '#81B29A',
];

const BAR_COLOR = '#087E8B';
const ANOMALY_COLOR = '#C8553D';
const MUTED = '#5F6B7A';
const GRID = '#E4EAF0';

/** Categories beyond this many fold into "Other" so the legend stays readable. */
const MAX_CATEGORIES = 8;

export interface ChartSvg {
  svg: string;
  width: number;
  height: number;
}

function baseConfig() {
  return {
    font: CHART_FONT,
    background: '#FFFFFF',
    view: { stroke: null },
    axis: {
      labelFont: CHART_FONT,
      titleFont: CHART_FONT,
      labelFontSize: 7.5,
      titleFontSize: 8,
      titleFontWeight: 'normal' as const,
      labelColor: MUTED,
      titleColor: MUTED,
      gridColor: GRID,
      domainColor: '#B8C4D0',
      tickColor: '#B8C4D0',
    },
    legend: {
      labelFont: CHART_FONT,
      labelFontSize: 7.5,
      labelColor: '#1F2933',
      symbolType: 'square',
      symbolSize: 70,
      labelLimit: 160,
    },
  };
}

async function render(spec: TopLevelSpec, fmt: ReportFormatter): Promise<ChartSvg> {
  const { decimal, group } = fmt.separators();
  const compiled = vl.compile(spec).spec;
  // The view's own locale, not vega's global default: concurrent exports in different languages
  // must not see each other's separators. At run time the option takes locale definitions (the
  // typings describe the built formatters instead), hence the cast.
  const options = {
    renderer: 'none',
    locale: { number: { decimal, thousands: group, grouping: [3], currency: ['', ''] } },
  };
  const view = new vega.View(vega.parse(compiled), options as unknown as vega.ViewOptions);
  try {
    const svg = await view.toSVG();
    const width = Number(/width="([\d.]+)"/.exec(svg)?.[1] ?? 0);
    const height = Number(/height="([\d.]+)"/.exec(svg)?.[1] ?? 0);
    return { svg, width, height };
  } finally {
    view.finalize();
  }
}

/**
 * A d3 number format for an axis spanning `span`: whole numbers hide the steps of a small scale
 * (ticks at 0, 0.5, 1, 1.5 read "0, 1, 1, 2"), so the decimals follow the tick step (about a
 * fifth of the span). `~` drops trailing zeros; the separators come from the view's locale.
 */
export function axisFormat(span: number): string {
  const step = Math.abs(span) / 5;
  if (!(step > 0) || step >= 1) return ',.0f';
  return `,.${Math.min(4, Math.ceil(-Math.log10(step)))}~f`;
}

function maxOf(values: ReadonlyArray<{ v: number }>): number {
  return values.reduce((acc, r) => Math.max(acc, Math.abs(r.v)), 0);
}

/** Stacked monthly bars per service category, months in order, biggest categories at the base. */
export function monthlyTrendChart(
  rows: MonthlyCategorySpend[],
  currency: string,
  width: number,
  fmt: ReportFormatter,
): Promise<ChartSvg> {
  rows = rows.map((r) => ({ ...r, category: fmt.category(r.category) }));
  const months = [...new Set(rows.map((r) => r.month))].sort();
  const totals = new Map<string, number>();
  for (const r of rows) {
    totals.set(r.category, (totals.get(r.category) ?? 0) + decimalToNumber(r.amount));
  }
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
  const other = fmt.strings.charts.otherCategory;
  // The provider's own "Other" joins the folded tail rather than taking a place of its own.
  const kept = new Set(ranked.filter((c) => c !== other).slice(0, MAX_CATEGORIES - 1));
  const fold = ranked.length > MAX_CATEGORIES;
  const categories = fold ? [...kept, other] : ranked;

  // "sept 24", "set 24", "Sep 24": CLDR's own short month-year is too long in Portuguese
  // ("set. de 24") for twelve bars side by side.
  const monthName = new Intl.DateTimeFormat(fmt.intl, { month: 'short', timeZone: 'UTC' });
  const label = (month: string) => {
    const name = monthName.format(new Date(`${month}-01T00:00:00Z`)).replace(/\.$/, '');
    return `${name} ${month.slice(2, 4)}`;
  };
  const labels = months.map(label);
  const values = rows.map((r) => ({
    m: label(r.month),
    c: fold && !kept.has(r.category) ? other : r.category,
    o: categories.indexOf(fold && !kept.has(r.category) ? other : r.category),
    v: decimalToNumber(r.amount),
  }));

  return render(
    {
      width,
      height: 210,
      autosize: { type: 'fit', contains: 'padding' },
      config: baseConfig(),
      data: { values },
      mark: { type: 'bar', cornerRadiusEnd: 0 },
      encoding: {
        x: {
          field: 'm',
          type: 'ordinal',
          sort: labels,
          axis: { title: null, labelAngle: months.length > 12 ? -45 : 0, labelPadding: 4 },
        },
        y: {
          field: 'v',
          type: 'quantitative',
          aggregate: 'sum',
          axis: {
            title: fmt.strings.charts.spendAxis(currency),
            format: axisFormat(Math.max(0, ...monthTotals(values))),
            tickCount: 5,
          },
        },
        color: {
          field: 'c',
          type: 'nominal',
          sort: categories,
          scale: { domain: categories, range: CATEGORY_PALETTE },
          legend: { title: null, orient: 'bottom', direction: 'horizontal', columns: 4 },
        },
        order: { field: 'o', type: 'quantitative', sort: 'ascending' },
      },
    },
    fmt,
  );
}

function monthTotals(values: ReadonlyArray<{ m: string; v: number }>): number[] {
  const totals = new Map<string, number>();
  for (const r of values) totals.set(r.m, (totals.get(r.m) ?? 0) + r.v);
  return [...totals.values()];
}

/** Horizontal bars with the amount printed at the end of each bar. */
function rankedBars(
  values: Array<{ label: string; v: number }>,
  currency: string,
  width: number,
  fmt: ReportFormatter,
): Promise<ChartSvg> {
  const order = values.map((v) => v.label);
  return render(
    {
      width,
      height: Math.max(60, values.length * 20 + 30),
      autosize: { type: 'fit', contains: 'padding' },
      config: baseConfig(),
      data: { values },
      encoding: {
        y: {
          field: 'label',
          type: 'nominal',
          sort: order,
          // Wide enough for "Amazon Relational Database Service" and an account's name.
          axis: { title: null, labelLimit: 280, labelFontSize: 8, labelColor: '#1F2933' },
        },
        x: {
          field: 'v',
          type: 'quantitative',
          axis: {
            title: fmt.strings.charts.spendAxis(currency),
            format: axisFormat(maxOf(values)),
            tickCount: 5,
          },
          scale: { nice: true },
        },
      },
      layer: [
        { mark: { type: 'bar', color: BAR_COLOR, cornerRadiusEnd: 2, height: { band: 0.7 } } },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 7.5, color: '#1F2933' },
          encoding: { text: { field: 'v', type: 'quantitative', format: ',.2f' } },
        },
      ],
    },
    fmt,
  );
}

export function topServicesChart(
  rows: ServiceSpend[],
  currency: string,
  width: number,
  fmt: ReportFormatter,
): Promise<ChartSvg> {
  const values = [...rows]
    .sort((a, b) => a.rank - b.rank)
    .map((r) => ({ label: serviceLabel(fmt, r), v: decimalToNumber(r.amount) }));
  return rankedBars(values, currency, width, fmt);
}

export function accountsChart(
  rows: AccountSpend[],
  currency: string,
  width: number,
  fmt: ReportFormatter,
): Promise<ChartSvg> {
  const sorted = [...rows].sort((a, b) => decimalToNumber(b.amount) - decimalToNumber(a.amount));
  // The name alone, or the id's last segment: a full Azure path or ARN leaves no room for it.
  const short = sorted.map((r) => accountLabel(r.accountName, r.accountId));
  const values = sorted.map((r, i) => {
    const label = short[i]!;
    // Two accounts of one name would share a bar: the id's tail tells them apart.
    const clash = short.indexOf(label) !== i || short.lastIndexOf(label) !== i;
    return {
      label: clash ? `${label} · ${lastSegment(r.accountId)}` : label,
      v: decimalToNumber(r.amount),
    };
  });
  return rankedBars(values, currency, width, fmt);
}

function lastSegment(id: string): string {
  return id.split(/[/:]/).filter(Boolean).pop() ?? id;
}

export function accountLabel(name: string | null, id: string): string {
  return name && name !== id ? name : lastSegment(id);
}

/** The period's daily line, anomalies as red dots over it. */
export function dailyTrendChart(
  rows: DailySpend[],
  currency: string,
  width: number,
  fmt: ReportFormatter,
): Promise<ChartSvg> {
  const sorted = [...rows].sort((a, b) => a.date.localeCompare(b.date));
  const sameMonth = new Set(sorted.map((r) => r.date.slice(0, 7))).size === 1;
  const label = (date: string) => (sameMonth ? fmt.dayOfMonth(date) : date.slice(5));
  const values = sorted.map((r) => ({
    d: label(r.date),
    v: decimalToNumber(r.amount),
    a: r.anomaly ? 1 : 0,
  }));
  const x = {
    field: 'd',
    type: 'ordinal' as const,
    sort: values.map((v) => v.d),
    axis: {
      title: fmt.strings.charts.dayAxis,
      labelAngle: 0,
      labelOverlap: true,
      labelFontSize: sorted.length > 40 ? 6 : 7.5,
    },
  };
  const y = {
    field: 'v',
    type: 'quantitative' as const,
    axis: {
      title: fmt.strings.charts.spendAxis(currency),
      // The scale does not start at zero: the visible span sets the decimals.
      format: axisFormat(maxOf(values) - Math.min(...values.map((r) => r.v))),
      tickCount: 5,
    },
    scale: { zero: false, nice: true },
  };
  return render(
    {
      width,
      height: 170,
      autosize: { type: 'fit', contains: 'padding' },
      config: baseConfig(),
      data: { values },
      encoding: { x, y },
      layer: [
        { mark: { type: 'line', color: BAR_COLOR, strokeWidth: 1.6, interpolate: 'linear' } },
        { mark: { type: 'point', color: BAR_COLOR, filled: true, size: 14 } },
        {
          transform: [{ filter: 'datum.a == 1' }],
          mark: {
            type: 'point',
            color: ANOMALY_COLOR,
            filled: true,
            size: 90,
            stroke: '#FFFFFF',
            strokeWidth: 1,
            opacity: 1,
          },
        },
      ],
    },
    fmt,
  );
}

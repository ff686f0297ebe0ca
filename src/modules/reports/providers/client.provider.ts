/**
 * Builds the client report model from the cost analytics service (every figure the API shows
 * comes from the same service call the API makes, so the report and the API agree), the client
 * row, and the findings module when it is wired.
 */
import type { Db } from '../../../db/client.js';
import { withTenant } from '../../../db/tenant.js';
import type { RequestContext } from '../../../http/context.js';
import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors.js';
import {
  addDays,
  addDecimals,
  addMonths,
  daysBetween,
  monthEnd,
  monthStart,
  todayUtc,
} from '../../costs/costs.fns.js';
import type { CostsService } from '../../costs/costs.service.js';
import {
  METRIC_COLUMNS,
  anomaliesQuerySchema,
  breakdownQuerySchema,
  commitmentsQuerySchema,
  forecastQuerySchema,
  moversQuerySchema,
  parseCostQuery,
  summaryQuerySchema,
  tagsQuerySchema,
  trendQuerySchema,
  type AnomaliesResponse,
  type BreakdownResponse,
  type Metric,
  type SummaryResponse,
} from '../../costs/costs.types.js';
import { moneyDecimal } from '../report.fns.js';
import * as model from '../reports.model.js';
import type {
  AccountSpend,
  AnomalySeverity,
  ClientReportModel,
  ClientReportParams,
  ClientReportStatsProvider,
  CommitmentSummary,
  Comparison,
  CostMetric,
  CurrencyCode,
  DailySpend,
  Decimal,
  FindingSummary,
  IsoDate,
  KeyFigures,
  Money,
  MonthlyCategorySpend,
  Mover,
  MoversComparison,
  ReportLocale,
  ReportPeriod,
  ServiceSpend,
} from '../report.types.js';

/**
 * What the findings module gives a report (`services.findings.forReport`): the top open
 * findings with their savings, and the open and realized savings per currency.
 */
export interface ReportFindingsSource {
  forReport(
    ctx: RequestContext,
    clientId: string,
    options: { limit: number; locale?: ReportLocale; period?: { from: IsoDate; to: IsoDate } },
  ): Promise<{
    top: FindingSummary[];
    potentialMonthlySavings: Money[];
    realizedSavings: Money[];
    /** The span of the evidence windows behind the figures; null when no finding counts. */
    evidenceWindow: { from: IsoDate; to: IsoDate } | null;
  }>;
}

export interface ClientProviderDeps {
  db: Db;
  clock: Clock;
  costs: CostsService;
  /** Absent until the findings module is wired: findings figures are then null or empty. */
  findings?: ReportFindingsSource | null;
  /** Facts per page of the daily detail. */
  detailPageSize?: number;
}

const TOP_SERVICES = 10;
const TOP_FINDINGS = 10;
const MOVERS_PER_DIRECTION = 10;
const DETAIL_TAG_KEYS = 5;
const UNCATEGORIZED = 'Other';

/** The report names metrics by their fact column, the API by its short name. */
const API_METRIC = Object.fromEntries(
  Object.entries(METRIC_COLUMNS).map(([api, column]) => [column, api]),
) as Record<CostMetric, Metric>;

export function apiMetricOf(metric: CostMetric): Metric {
  return API_METRIC[metric];
}

/* --------------------------------------------------------------------------------------------
 * Small pure helpers
 * ------------------------------------------------------------------------------------------ */

function negate(value: Decimal): Decimal {
  return value.startsWith('-') ? value.slice(1) : `-${value}`;
}

function compare(current: Decimal, reference: Decimal | null): Comparison {
  if (reference === null) return { reference: null, change: null, changeRatio: null };
  const change = addDecimals(current, negate(reference));
  const ref = Number(reference);
  return { reference, change, changeRatio: ref === 0 ? null : Number(change) / ref };
}

/** The reporting currency first, then the others in the order first seen. */
function currencyOrder(reporting: CurrencyCode, seen: CurrencyCode[]): CurrencyCode[] {
  return [reporting, ...new Set(seen.filter((c) => c !== reporting))];
}

function byCurrencyRank<T extends { currency: CurrencyCode }>(
  rows: T[],
  order: CurrencyCode[],
): T[] {
  const rank = (c: CurrencyCode) => {
    const i = order.indexOf(c);
    return i === -1 ? order.length : i;
  };
  return [...rows].sort((a, b) => rank(a.currency) - rank(b.currency));
}

/** The reference windows: the previous calendar month and the same month a year before. */
function referencePeriods(period: ReportPeriod): {
  previous: { from: string; to: string };
  lastYear: { from: string; to: string };
} {
  if (period.month) {
    const start = `${period.month}-01`;
    const prev = addMonths(start, -1);
    const year = addMonths(start, -12);
    return {
      previous: { from: prev, to: monthEnd(prev) },
      lastYear: { from: year, to: monthEnd(year) },
    };
  }
  // Any other window: the window of the same length just before, and the same days a year ago.
  const days = daysBetween(period.from, period.to) + 1;
  const shiftYear = (d: string) => {
    const y = addMonths(d, -12);
    const dayOfMonth = Math.min(Number(d.slice(8, 10)), Number(monthEnd(y).slice(8, 10)));
    return `${y.slice(0, 8)}${String(dayOfMonth).padStart(2, '0')}`;
  };
  return {
    previous: { from: addDays(period.from, -days), to: addDays(period.from, -1) },
    lastYear: { from: shiftYear(period.from), to: shiftYear(period.to) },
  };
}

/** Plan features (forecast, anomalies, commitments) leave their part empty, not the report. */
async function ifInPlan<T>(work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError && err.code === 'feature_not_in_plan') return null;
    throw err;
  }
}

function severityOf(excess: number, stdDev: number): AnomalySeverity {
  // The detector flags days beyond 3σ by default; how far beyond says how loud it is.
  const z = stdDev > 0 ? excess / stdDev : Number.POSITIVE_INFINITY;
  if (z >= 6) return 'high';
  if (z >= 4.5) return 'medium';
  return 'low';
}

/** Guessed from the commitment id's form; the analytics answer does not carry the provider. */
function providerOfCommitment(id: string): string {
  // TODO: take the provider from the commitments answer once it carries one.
  if (id.startsWith('arn:aws')) return 'aws';
  if (/^\/?(subscriptions|providers)\//i.test(id) || /microsoft\./i.test(id)) return 'azure';
  if (/^projects\/|^billingAccounts\//i.test(id)) return 'gcp';
  if (id.startsWith('ocid1.')) return 'oci';
  return '';
}

/**
 * What a commitment covers, as far as its id says: an AWS ARN names the service and region
 * ("EC2 · us-east-1"). FOCUS's category alone ("Usage", "Spend") tells a reader nothing.
 */
function scopeOfCommitment(id: string, category: string | null): string | null {
  const arn = /^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):/.exec(id);
  if (arn) {
    const service = arn[1] === 'savingsplans' ? 'Savings Plans' : arn[1]!.toUpperCase();
    return [service, arn[2] || null].filter(Boolean).join(' · ');
  }
  return category;
}

/* --------------------------------------------------------------------------------------------
 * Provider
 * ------------------------------------------------------------------------------------------ */

export function createClientReportProvider(deps: ClientProviderDeps): ClientReportStatsProvider {
  const { db, clock, costs } = deps;

  return {
    async build(ctx: RequestContext, params: ClientReportParams): Promise<ClientReportModel> {
      const clientId = ctx.actor?.clientId;
      if (!clientId) {
        throw new AppError('forbidden', 'Reports work inside a client; choose a client first.');
      }
      const { period, language } = params;
      const metric = apiMetricOf(params.metric);
      const now = clock.now();
      const today = todayUtc(now);
      const window = { from: period.from, to: period.to, metric };
      const refs = referencePeriods(period);

      const { client, facts, realized } = await withTenant(db, clientId, async (tx) => {
        const facts = await model.dataFacts(tx, clientId, period);
        return {
          client: await model.clientRow(tx, clientId),
          facts,
          realized: await model.realizedInPeriod(tx, clientId, period, facts.last_day),
        };
      });
      if (!client) throw new AppError('not_found', 'Client not found');

      // Key figures: the same summary the API answers, for the period and its references.
      const summary = await costs.summary(ctx, parseCostQuery(summaryQuerySchema, window));
      const previous = await costs.summary(
        ctx,
        parseCostQuery(summaryQuerySchema, { ...refs.previous, metric }),
      );
      const lastYear = await costs.summary(
        ctx,
        parseCostQuery(summaryQuerySchema, { ...refs.lastYear, metric }),
      );

      // A report describes its period, so it only carries findings whose evidence window
      // overlaps that period: an October 2018 report must not promise savings measured in
      // November 2019. The figure is labelled with the window it comes from, and a period
      // without such findings says so instead of borrowing today's open list.
      const findings = deps.findings
        ? await deps.findings.forReport(ctx, clientId, {
            limit: TOP_FINDINGS,
            locale: language,
            period: { from: period.from, to: period.to },
          })
        : null;

      const forecast = await forecastOf(costs, ctx, period, today, metric);

      const order = currencyOrder(
        client.currency,
        summary.currencies.map((c) => c.currency),
      );
      const present = order.filter((c) => summary.currencies.some((s) => s.currency === c));
      // Realized savings of this period only; the findings module's figure is all-time.
      const realizedSavings = findings ? realized : null;
      const keyFigures = present.map((currency) =>
        keyFiguresOf(currency, summary, previous, lastYear, forecast, findings, realizedSavings),
      );

      // Charts and tables.
      const monthlyTrend = await monthlyTrendOf(costs, ctx, period, metric);
      const topServices = await topServicesOf(costs, ctx, window, refs.previous, summary, previous);
      const accounts = await accountsOf(costs, ctx, window);
      const dailyTrend = await dailyTrendOf(costs, ctx, window);
      const tagKeys = await detailTagKeysOf(costs, ctx, window);
      const commitments = (await ifInPlan(() => commitmentsOf(costs, ctx, window))) ?? [];
      const { movers, comparison } = await moversOf(costs, ctx, window, period, facts.last_day, {
        window: refs.previous,
        summary: previous,
      });

      const currencies = currencyOrder(client.currency, [
        ...summary.currencies.map((c) => c.currency),
        ...monthlyTrend.map((m) => m.currency),
      ]).filter((c) => c === client.currency || present.includes(c));

      const detailPageSize = deps.detailPageSize;
      return {
        kind: 'client',
        cover: {
          period,
          generatedAt: now.toISOString(),
          // TODO: the client's own time zone once clients carry one.
          timeZone: 'UTC',
          language,
          requestId: ctx.requestId,
          clientName: client.name,
          clientSlug: client.slug,
          metric: params.metric,
          currency: client.currency,
          currencies,
        },
        keyFigures,
        monthlyTrend: byCurrencyRank(monthlyTrend, order),
        topServices: byCurrencyRank(topServices, order),
        accounts: byCurrencyRank(accounts, order),
        dailyTrend: byCurrencyRank(dailyTrend, order),
        detailTagKeys: tagKeys,
        // A fresh cursor-backed source per build: the exporter reads it exactly once.
        dailyDetail: model.dailyDetail(
          db,
          clientId,
          period,
          params.metric,
          tagKeys,
          detailPageSize,
        ),
        topFindings: findings?.top ?? [],
        findingsWindow: findings?.evidenceWindow ?? null,
        commitments: byCurrencyRank(commitments, order),
        movers: byCurrencyRank(movers, order),
        moversComparison: comparison,
        methodology: {
          dataThrough: facts.last_day,
          lastIngestionAt: facts.last_ingestion_at,
          providers: [...new Set(accounts.map((a) => a.provider))].sort(),
          // TODO: the client's required tag keys once clients can configure them.
          requiredTagKeys: [],
          notes: [],
        },
      };
    },
  };
}

/** The month-end forecast of an open period; none for closed periods or outside the plan. */
async function forecastOf(
  costs: CostsService,
  ctx: RequestContext,
  period: ReportPeriod,
  today: string,
  metric: Metric,
): Promise<Map<CurrencyCode, Decimal>> {
  const out = new Map<CurrencyCode, Decimal>();
  if (period.to < today || period.from > today) return out;
  const query = { from: period.from, to: period.to, metric, months: '1' };
  const answer = await ifInPlan(() =>
    costs.forecast(ctx, parseCostQuery(forecastQuerySchema, query)),
  );
  for (const c of answer?.currencies ?? []) {
    const month = c.months.find((m) => m.month === today.slice(0, 7));
    if (month) out.set(c.currency, month.forecast);
  }
  return out;
}

function keyFiguresOf(
  currency: CurrencyCode,
  summary: SummaryResponse,
  previous: SummaryResponse,
  lastYear: SummaryResponse,
  forecast: Map<CurrencyCode, Decimal>,
  findings: Awaited<ReturnType<ReportFindingsSource['forReport']>> | null,
  realizedSavings: Money[] | null,
): KeyFigures {
  const current = summary.currencies.find((c) => c.currency === currency)!;
  const reference = (s: SummaryResponse) =>
    s.currencies.find((c) => c.currency === currency)?.total ?? null;
  const moneyOf = (list: Money[] | undefined) => {
    if (!list) return null;
    return list.find((m) => m.currency === currency)?.amount ?? '0';
  };
  return {
    currency,
    totalSpend: current.total,
    vsPreviousMonth: compare(current.total, reference(previous)),
    vsSameMonthLastYear: compare(current.total, reference(lastYear)),
    forecast: forecast.get(currency) ?? null,
    potentialMonthlySavings: moneyOf(findings?.potentialMonthlySavings),
    realizedSavings: moneyOf(realizedSavings ?? undefined),
    effectiveSavingsRate: current.effectiveSavingsRate,
    commitmentCoverage: current.commitmentCoverage,
    tagCoverage: current.taggedShare,
  };
}

type Window = { from: string; to: string; metric: Metric };

async function monthlyTrendOf(
  costs: CostsService,
  ctx: RequestContext,
  period: ReportPeriod,
  metric: Metric,
): Promise<MonthlyCategorySpend[]> {
  // Twelve months ending with the period's last month, per service category.
  const from = addMonths(monthStart(period.to), -11);
  const answer = await costs.breakdown(
    ctx,
    parseCostQuery(breakdownQuerySchema, {
      from,
      to: period.to,
      metric,
      group_by: 'service_category',
      granularity: 'month',
      limit: '1000',
    }),
  );
  const out = new Map<string, MonthlyCategorySpend>();
  for (const r of answer.rows) {
    const month = (r.bucket ?? from).slice(0, 7);
    const category = r.others ? UNCATEGORIZED : (r.key ?? UNCATEGORIZED);
    const key = `${r.currency}|${month}|${category}`;
    const seen = out.get(key);
    out.set(key, {
      month,
      category,
      currency: r.currency,
      amount: seen ? addDecimals(seen.amount, r.cost) : r.cost,
    });
  }
  return [...out.values()].sort((a, b) => a.month.localeCompare(b.month));
}

async function topServicesOf(
  costs: CostsService,
  ctx: RequestContext,
  window: Window,
  previousWindow: { from: string; to: string },
  currentSummary: SummaryResponse,
  previousSummary: SummaryResponse,
): Promise<ServiceSpend[]> {
  const current = await costs.breakdown(
    ctx,
    parseCostQuery(breakdownQuerySchema, {
      ...window,
      group_by: 'service',
      group_by_2: 'service_category',
      limit: String(TOP_SERVICES),
    }),
  );
  const before = await costs.breakdown(
    ctx,
    parseCostQuery(breakdownQuerySchema, {
      ...previousWindow,
      metric: window.metric,
      group_by: 'service',
      limit: '1000',
    }),
  );
  const previousCost = new Map(before.rows.map((r) => [`${r.currency}|${r.key}`, r.cost]));
  const hadSpend = new Set(previousSummary.currencies.map((c) => c.currency));

  const totalOf = (s: SummaryResponse, currency: CurrencyCode) =>
    s.currencies.find((c) => c.currency === currency)?.total ?? null;
  const shareOf = (amount: Decimal, currency: CurrencyCode) => {
    const total = Number(totalOf(currentSummary, currency) ?? 0);
    return total === 0 ? null : Number(amount) / total;
  };

  const rank = new Map<CurrencyCode, number>();
  // Services that round to 0.00, and credits, take no place in the top list: they tell the
  // reader nothing there. They are not dropped either: the remainder row below carries them.
  const shown = current.rows.filter(
    (r) => !r.others && !roundsToZero(r.cost) && !r.cost.startsWith('-'),
  );
  const rows = sortByCost(shown).map((r): ServiceSpend => {
    const n = (rank.get(r.currency) ?? 0) + 1;
    rank.set(r.currency, n);
    // A service with no spend last month compares with 0 when the client had data then.
    const reference = hadSpend.has(r.currency)
      ? (previousCost.get(`${r.currency}|${r.key}`) ?? '0')
      : null;
    return {
      rank: n,
      serviceName: r.label ?? r.key ?? UNCATEGORIZED,
      category: r.key2 ?? UNCATEGORIZED,
      currency: r.currency,
      amount: r.cost,
      // On the currency's total, so the listed shares and the remainder's add up to 100 %.
      share: shareOf(r.cost, r.currency),
      vsPreviousMonth: compare(r.cost, reference),
    };
  });

  // The rows a reader sums must give the total: whatever the top list leaves out (the tail,
  // credits) goes into one remainder row, computed exactly from the decimal strings.
  const remainders: ServiceSpend[] = [];
  for (const c of currentSummary.currencies) {
    const listed = rows.filter((r) => r.currency === c.currency);
    const amount = addDecimals(c.total, ...listed.map((r) => negate(r.amount)));
    if (roundsToZero(amount)) continue;
    const before = totalOf(previousSummary, c.currency);
    const reference =
      before === null
        ? null
        : addDecimals(before, ...listed.map((r) => negate(r.vsPreviousMonth.reference ?? '0')));
    remainders.push({
      rank: listed.length + 1,
      serviceName: UNCATEGORIZED,
      category: UNCATEGORIZED,
      currency: c.currency,
      amount,
      share: shareOf(amount, c.currency),
      vsPreviousMonth: compare(amount, reference),
      remainder: true,
    });
  }
  return [...rows, ...remainders].sort(
    (a, b) => a.currency.localeCompare(b.currency) || a.rank - b.rank,
  );
}

/** True when the amount shows as 0.00 once rounded to the cent (exact decimal rounding). */
function roundsToZero(value: Decimal): boolean {
  return /^-?0\.00$/.test(moneyDecimal(value));
}

/** Largest first within each currency; floats only order, they never add money up. */
function sortByCost<T extends { currency: string; cost: string }>(rows: T[]): T[] {
  return [...rows].sort(
    (a, b) => a.currency.localeCompare(b.currency) || Number(b.cost) - Number(a.cost),
  );
}

async function accountsOf(
  costs: CostsService,
  ctx: RequestContext,
  window: Window,
): Promise<AccountSpend[]> {
  const answer: BreakdownResponse = await costs.breakdown(
    ctx,
    parseCostQuery(breakdownQuerySchema, {
      ...window,
      group_by: 'account',
      group_by_2: 'provider',
      limit: '1000',
    }),
  );
  return sortByCost(answer.rows.filter((r) => !r.others)).map((r) => ({
    provider: r.key2 ?? '',
    accountId: r.key ?? '',
    // The breakdown's label is already the cloud account's name, else the billing data's, else
    // the id: the reader always sees something to recognise the account by.
    accountName: r.label ?? r.key ?? null,
    currency: r.currency,
    amount: r.cost,
    share: r.share,
  }));
}

async function dailyTrendOf(
  costs: CostsService,
  ctx: RequestContext,
  window: Window,
): Promise<DailySpend[]> {
  const trend = await costs.trend(
    ctx,
    parseCostQuery(trendQuerySchema, { ...window, granularity: 'day' }),
  );
  const anomalies: AnomaliesResponse | null = await ifInPlan(() =>
    costs.anomalies(ctx, parseCostQuery(anomaliesQuerySchema, { ...window, group_by: 'service' })),
  );

  const flagged = new Map<string, AnomaliesResponse['anomalies']>();
  for (const a of anomalies?.anomalies ?? []) {
    const key = `${a.currency}|${a.day}`;
    flagged.set(key, [...(flagged.get(key) ?? []), a]);
  }

  return trend.series.flatMap((s) =>
    s.points.map((p) => {
      const found = flagged.get(`${s.currency}|${p.bucket}`);
      if (!found) return { date: p.bucket, currency: s.currency, amount: p.cost, anomaly: null };
      const loudest = [...found].sort((a, b) => Number(b.excess) - Number(a.excess))[0]!;
      const resource = loudest.drivers[0]?.resourceId;
      return {
        date: p.bucket,
        currency: s.currency,
        amount: p.cost,
        anomaly: {
          // What the day would have cost had every flagged group stayed at its baseline.
          expected: addDecimals(p.cost, ...found.map((a) => negate(a.excess))),
          severity: severityOf(Number(loudest.excess), Number(loudest.baselineStdDev)),
          driver: [loudest.label ?? loudest.key, resource].filter(Boolean).join(' · ') || null,
        },
      };
    }),
  );
}

async function detailTagKeysOf(
  costs: CostsService,
  ctx: RequestContext,
  window: Window,
): Promise<string[]> {
  const answer = await costs.tags(
    ctx,
    parseCostQuery(tagsQuerySchema, { ...window, limit: String(DETAIL_TAG_KEYS) }),
  );
  const keys: string[] = [];
  for (const c of answer.currencies) {
    for (const item of c.items) {
      if (item.value !== null && !keys.includes(item.value)) keys.push(item.value);
    }
  }
  return keys.slice(0, DETAIL_TAG_KEYS);
}

async function commitmentsOf(
  costs: CostsService,
  ctx: RequestContext,
  window: Window,
): Promise<CommitmentSummary[]> {
  const answer = await costs.commitments(ctx, parseCostQuery(commitmentsQuerySchema, window));
  return answer.commitments.map((c) => ({
    id: c.commitmentId,
    type: c.type ?? c.category ?? '—',
    provider: providerOfCommitment(c.commitmentId),
    scope: scopeOfCommitment(c.commitmentId, c.category),
    currency: c.currency,
    periodCost: addDecimals(c.used, c.unused),
    periodSavings: c.savings,
    utilization: c.utilization,
    endDate: c.endDate,
  }));
}

async function moversOf(
  costs: CostsService,
  ctx: RequestContext,
  window: Window,
  period: ReportPeriod,
  lastDay: string | null,
  previousMonth: { window: { from: string; to: string }; summary: SummaryResponse },
): Promise<{ movers: Mover[]; comparison: MoversComparison | null }> {
  // A month with data to its last day compares with the whole previous calendar month, as
  // finance reads month over month. A month whose data stops early (the month in progress,
  // or a provider's late files) compares the same number of days, so missing days do not show
  // up as falling spend.
  // TODO: compare with the same days of the previous month (1–N against 1–N) once the movers
  // service takes an explicit reference period; it compares with the N days just before now.
  const partial = lastDay !== null && lastDay < period.to;
  const scope =
    period.month !== null && !partial
      ? { month: period.month, metric: window.metric }
      : { ...window, to: partial ? lastDay : window.to };
  const answer = await costs.movers(
    ctx,
    parseCostQuery(moversQuerySchema, {
      ...scope,
      group_by: 'service',
      limit: String(MOVERS_PER_DIRECTION),
    }),
  );
  // Against a window without any data every service would read as "new": the currencies with
  // nothing to compare with list no movers, and the report says why.
  const previousWindow = answer.previousPeriod;
  const sameWindow =
    previousWindow.from === previousMonth.window.from &&
    previousWindow.to === previousMonth.window.to;
  const previousSummary = sameWindow
    ? previousMonth.summary
    : await costs.summary(
        ctx,
        parseCostQuery(summaryQuerySchema, {
          from: previousWindow.from,
          to: previousWindow.to,
          metric: window.metric,
        }),
      );
  const comparable = new Set(previousSummary.currencies.map((c) => c.currency));
  const comparison: MoversComparison = {
    current: { from: answer.period.from, to: answer.period.to },
    previous: { from: previousWindow.from, to: previousWindow.to },
    partial,
    previousEmpty: comparable.size === 0,
  };
  const movers = answer.currencies
    .filter((c) => comparable.has(c.currency))
    .flatMap((c) =>
      [...c.increases, ...c.decreases]
        // A change a reader sees as 0.00 is no mover: a service billing fractions of a cent would
        // otherwise show up as "new" next to the real ones.
        .filter((m) => !roundsToZero(m.change))
        .map((m): Mover => {
          const previous = roundsToZero(m.previous) ? 0 : Number(m.previous);
          const current = roundsToZero(m.current) ? 0 : Number(m.current);
          // Negative spend is a credit or refund: calling it a new service would misread it.
          const kind: Mover['kind'] =
            current < 0 || previous < 0
              ? 'credit'
              : previous === 0 && current !== 0
                ? 'new'
                : current === 0 && previous !== 0
                  ? 'removed'
                  : Math.abs(Number(m.priceEffect)) > Math.abs(Number(m.usageEffect))
                    ? 'price'
                    : 'usage';
          return {
            kind,
            serviceName: m.label ?? m.key ?? UNCATEGORIZED,
            accountId: null,
            currency: c.currency,
            previous: m.previous,
            current: m.current,
            change: m.change,
            // The service's four parts add up to its change: price and usage on the spend found
            // in both periods, new and removed on the rest.
            priceEffect: m.priceEffect,
            usageEffect: m.usageEffect,
            newEffect: m.newCost,
            removedEffect: m.removedCost,
          };
        }),
    );
  return { movers, comparison };
}

import type { Db, Tx } from '../../db/client.js';
import { withTenant } from '../../db/tenant.js';
import type { RequestContext } from '../../http/context.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import {
  addDays,
  addDecimals,
  addMonths,
  centsOf,
  daysBetween,
  fitDailyModel,
  minDay,
  monthEnd,
  monthStart,
  todayUtc,
} from './costs.fns.js';
import { NO_CACHE, type AnswerCache } from './costs.cache.js';
import * as model from './costs.model.js';
import { costDataVersion } from './costs.rollup.js';
import {
  ANOMALY_METHOD,
  FORECAST_METHOD,
  MOVERS_METHOD,
  toArray,
  type AnomaliesQuery,
  type AnomaliesResponse,
  type BreakdownQuery,
  type BreakdownResponse,
  type CommitmentsQuery,
  type CommitmentsResponse,
  type CostQuery,
  type Dimension,
  type FindingsSummary,
  type ForecastQuery,
  type ForecastResponse,
  type MoversQuery,
  type MoversResponse,
  type Period,
  type SummaryQuery,
  type SummaryResponse,
  type TagsQuery,
  type TagsResponse,
  type TrendQuery,
  type TrendResponse,
} from './costs.types.js';

export interface CostsServiceDeps {
  db: Db;
  clock: Clock;
  /** Open findings and their savings, from the findings module once it exists. */
  findingsSummary?: (ctx: RequestContext) => Promise<FindingsSummary | null>;
  /** The plan gate for the views not every plan includes (forecast, anomalies, commitments). */
  requireFeature?: (
    ctx: RequestContext,
    feature: 'forecast' | 'anomalies' | 'commitments',
  ) => Promise<void>;
  /**
   * `auto` (default) reads the rollup whenever a question needs no per-resource detail;
   * `facts` always reads `cost_daily` (tests run every figure both ways).
   */
  source?: 'auto' | 'facts';
  /** Answers of summary, breakdown and trend, keyed by the client's cost data version. */
  cache?: AnswerCache;
}

export type CostsService = ReturnType<typeof createCostsService>;

/** Days of history the forecast learns from, and the fewest it accepts. */
const FORECAST_HISTORY_DAYS = 90;
const FORECAST_MIN_DAYS = 14;
/** Trailing days whose average daily cost projects the month end in the summary. */
const RUN_RATE_DAYS = 7;

/**
 * The tenant is the active client of the verified token, never a parameter. The route has
 * already checked `costs:read`; checking it again here keeps jobs and reports honest too.
 */
function tenantOf(ctx: RequestContext): string {
  const actor = ctx.actor;
  if (!actor?.clientId) {
    throw new AppError('forbidden', 'Cost analytics work inside a client; choose a client first.');
  }
  if (!actor.capabilities.has('costs:read')) {
    throw new AppError('forbidden', 'Your role does not allow reading costs (needs "costs:read").');
  }
  return actor.clientId;
}

function periodOf(from: string, to: string): Period {
  return { from, to, days: daysBetween(from, to) + 1 };
}

/**
 * The period asked for (default: this month to date), with a `to` after today read as today:
 * costs of days that have not happened would only dilute averages and comparisons.
 */
function resolvePeriod(q: CostQuery, today: string): Period {
  let from: string;
  let to: string;
  if (q.month) {
    from = `${q.month}-01`;
    to = monthEnd(from);
  } else if (q.from && q.to) {
    from = q.from;
    to = q.to;
  } else {
    from = monthStart(today);
    to = today;
  }

  to = minDay(to, today);
  if (from > to) {
    const field = q.month ? 'month' : 'from';
    throw new AppError('validation_failed', `${field}: the period starts after today (${today})`, {
      details: { issues: [{ field, message: 'the period starts after today' }] },
    });
  }
  return periodOf(from, to);
}

/**
 * The period compared against: for `month=` the previous calendar month (what finance means by
 * "last month", and what the reports print); otherwise the same number of days just before.
 */
function previousOf(p: Period, q: { month?: string | undefined }): Period {
  if (q.month) {
    // A month still in progress compares with the same days of the month before.
    const start = addMonths(p.from, -1);
    const sameDays = addDays(start, p.days - 1);
    return periodOf(
      start,
      p.to < monthEnd(p.from) && sameDays < monthEnd(start) ? sameDays : monthEnd(start),
    );
  }
  return periodOf(addDays(p.from, -p.days), addDays(p.from, -1));
}

function filterOf(q: CostQuery): model.CostFilter {
  // Values of one tag key are alternatives; different keys must all match.
  const tags = new Map<string, string[]>();
  for (const t of toArray(q.tag)) {
    const at = t.indexOf('=');
    const key = t.slice(0, at);
    tags.set(key, [...(tags.get(key) ?? []), t.slice(at + 1)]);
  }
  return {
    metric: q.metric,
    providers: toArray(q.provider),
    accounts: toArray(q.account),
    services: toArray(q.service),
    regions: toArray(q.region),
    tags: [...tags].map(([key, values]) => ({ key, values })),
    chargeCategories: toArray(q.charge_category),
    includeCredits: q.include_credits,
    includeRefunds: q.include_refunds,
    includeTax: q.include_tax,
  };
}

function hasPeriod(q: CostQuery): boolean {
  return Boolean(q.month || (q.from && q.to));
}

export function createCostsService(deps: CostsServiceDeps) {
  const { db, clock } = deps;
  const today = () => todayUtc(clock.now());
  const sourceFor = (f: model.CostFilter, dimensions: (Dimension | null)[] = []) =>
    deps.source === 'facts' ? 'facts' : model.sourceFor(f, dimensions);

  const cache = deps.cache ?? NO_CACHE;

  /** One read-only tenant transaction with the analytics session settings. */
  const read = <T>(clientId: string, fn: (tx: Tx) => Promise<T>): Promise<T> =>
    withTenant(db, clientId, async (tx) => {
      await model.prepareAnalytics(tx);
      return fn(tx);
    });

  /**
   * `read` through the answer cache. The key is the question exactly as the model gets it
   * (resolved dates, filter, source) plus the cost data version, read first in the same
   * transaction so the answer is at least as new as the version it is filed under.
   */
  const cachedRead = <T>(
    clientId: string,
    question: unknown[],
    fn: (tx: Tx) => Promise<T>,
  ): Promise<T> =>
    withTenant(db, clientId, async (tx) => {
      const version = await costDataVersion(tx, clientId);
      const key = JSON.stringify([clientId, version, ...question]);
      return cache.get(key, async () => {
        await model.prepareAnalytics(tx);
        return fn(tx);
      });
    });

  return {
    async summary(ctx: RequestContext, q: SummaryQuery): Promise<SummaryResponse> {
      const clientId = tenantOf(ctx);
      const now = today();
      const period = resolvePeriod(q, now);
      const previous = previousOf(period, q);
      const f = filterOf(q);
      // A month that has ended is known, not projected: the report says so too, and a
      // "forecast" equal to the actual would read as a prediction that happened to be right.
      const closed = monthEnd(period.to) < now;
      const ranges = {
        period,
        previous,
        monthStart: monthStart(period.to),
        rateFrom: addDays(period.to, -(RUN_RATE_DAYS - 1)),
        daysLeftInMonth: daysBetween(period.to, monthEnd(period.to)),
      };
      const src = sourceFor(f);

      const rows = await cachedRead(clientId, ['summary', f, ranges, src], (tx) =>
        model.summaryByCurrency(tx, clientId, f, ranges, src),
      );

      // Findings live in their own module; its answer is not part of this transaction.
      const findings = deps.findingsSummary ? await deps.findingsSummary(ctx) : null;

      return {
        metric: q.metric,
        period,
        previousPeriod: previous,
        currencies: rows.map((r) => ({
          currency: r.currency,
          total: r.total,
          previous: r.previous,
          change: r.change,
          changePct: r.change_pct,
          monthToDate: r.month_to_date,
          forecastMonthEnd: closed ? null : r.forecast_month_end,
          dailyAverage: r.daily_average,
          credits: r.credits,
          refunds: r.refunds,
          tax: r.tax,
          listCost: r.list_cost,
          savings: r.savings,
          effectiveSavingsRate: r.esr,
          commitmentCoverage: r.coverage,
          commitmentUtilization: r.utilization,
          unusedCommitment: r.unused,
          tagged: r.tagged,
          taggedShare: r.tagged_share,
        })),
        findings,
      };
    },

    async breakdown(ctx: RequestContext, q: BreakdownQuery): Promise<BreakdownResponse> {
      const clientId = tenantOf(ctx);
      const period = resolvePeriod(q, today());
      const groupBy = q.group_by as Dimension;
      const groupBy2 = (q.group_by_2 ?? null) as Dimension | null;
      const f = filterOf(q);
      const params = { groupBy, groupBy2, granularity: q.granularity, limit: q.limit };

      const src = sourceFor(f, [groupBy, groupBy2]);

      const rows = await cachedRead(clientId, ['breakdown', f, period, params, src], (tx) =>
        model.breakdown(tx, clientId, f, period, params, src),
      );

      // Account labels: the name given in cloud accounts, else the billing data's, else the id.
      const names =
        groupBy === 'account' || groupBy2 === 'account'
          ? await withTenant(db, clientId, (tx) => model.cloudAccountNames(tx, clientId))
          : null;
      const labelOf = (dimension: Dimension | null, key: string | null, label: string | null) =>
        dimension === 'account' && key !== null ? (names?.get(key) ?? label ?? key) : label;

      const totals = new Map<string, string>();
      for (const r of rows) totals.set(r.currency, r.currency_total);
      return {
        metric: q.metric,
        period,
        groupBy,
        groupBy2,
        granularity: q.granularity,
        totals: [...totals].map(([currency, cost]) => ({ currency, cost })),
        rows: rows.map((r) => ({
          currency: r.currency,
          bucket: r.bucket,
          key: r.key,
          label: labelOf(groupBy, r.key, r.label),
          ...(groupBy2
            ? { key2: r.key2, label2: labelOf(groupBy2, r.key2 ?? null, r.label2 ?? null) }
            : {}),
          others: r.others,
          cost: r.cost,
          share: r.share,
        })),
      };
    },

    async trend(ctx: RequestContext, q: TrendQuery): Promise<TrendResponse> {
      const clientId = tenantOf(ctx);
      const period = resolvePeriod(q, today());
      const f = filterOf(q);

      const src = sourceFor(f);

      const rows = await cachedRead(clientId, ['trend', f, period, q.granularity, src], (tx) =>
        model.trend(tx, clientId, f, period, q.granularity, src),
      );

      const series = new Map<string, { bucket: string; cost: string }[]>();
      for (const r of rows) {
        const points = series.get(r.currency) ?? [];
        points.push({ bucket: r.bucket, cost: r.cost });
        series.set(r.currency, points);
      }
      return {
        metric: q.metric,
        period,
        granularity: q.granularity,
        series: [...series].map(([currency, points]) => ({
          currency,
          total: addDecimals(...points.map((p) => p.cost)),
          points,
        })),
      };
    },

    async movers(ctx: RequestContext, q: MoversQuery): Promise<MoversResponse> {
      const clientId = tenantOf(ctx);
      const period = resolvePeriod(q, today());
      const previous = previousOf(period, q);
      const f = filterOf(q);

      const [rows, totals] = await read(clientId, async (tx) => [
        await model.movers(tx, clientId, f, period, previous, q.group_by, q.limit),
        await model.periodTotals(tx, clientId, f, period, previous, sourceFor(f)),
      ]);

      const toMover = (r: model.MoverDbRow) => ({
        key: r.key,
        label: r.label,
        previous: r.previous,
        current: r.current,
        change: r.change,
        changePct: r.change_pct,
        usageEffect: r.usage_effect,
        priceEffect: r.price_effect,
        newCost: r.new_cost,
        removedCost: r.removed_cost,
      });
      return {
        metric: q.metric,
        period,
        previousPeriod: previous,
        groupBy: q.group_by,
        method: MOVERS_METHOD,
        currencies: totals.map((t) => {
          const mine = rows.filter((r) => r.currency === t.currency);
          return {
            currency: t.currency,
            current: t.current,
            previous: t.previous,
            change: t.change,
            // Rows come largest change first: rises in that order, falls reversed.
            increases: mine.filter((r) => r.direction === 'up').map(toMover),
            decreases: mine
              .filter((r) => r.direction === 'down')
              .reverse()
              .map(toMover),
          };
        }),
      };
    },

    async forecast(ctx: RequestContext, q: ForecastQuery): Promise<ForecastResponse> {
      const clientId = tenantOf(ctx);
      await deps.requireFeature?.(ctx, 'forecast');
      const asOf = hasPeriod(q) ? resolvePeriod(q, today()).to : today();
      const f = filterOf(q);

      const { history, daily } = await read(clientId, async (tx) => {
        const span = await model.lastCostDay(tx, clientId, f, asOf, sourceFor(f));
        if (!span.first || !span.last) return { history: null, daily: [] };
        const from = [span.first, addDays(span.last, -(FORECAST_HISTORY_DAYS - 1))].sort()[1]!;
        const range = { from, to: span.last };
        const daily = await model.dailyCosts(tx, clientId, f, range, sourceFor(f));
        return { history: range, daily };
      });

      const base = { metric: q.metric, method: FORECAST_METHOD };
      if (!history) {
        return {
          ...base,
          history: { from: null, to: null, days: 0 },
          currencies: [],
          note: 'No cost data before this date.',
        };
      }

      const currentMonth = monthStart(asOf);
      const months = Array.from({ length: q.months + 1 }, (_, i) => addMonths(currentMonth, i));
      const skipped: string[] = [];
      const currencies: ForecastResponse['currencies'] = [];

      for (const currency of [...new Set(daily.map((d) => d.currency))]) {
        const mine = daily.filter((d) => d.currency === currency);
        // A currency that appeared recently learns from its own first day, not from zeros.
        const first = mine[0]!.day;
        const n = daysBetween(first, history.to) + 1;
        if (n < FORECAST_MIN_DAYS) {
          skipped.push(currency);
          continue;
        }
        const byDay = new Map(mine.map((d) => [d.day, d.cost]));
        // Floats are fine here: the regression estimates, it does not add up money.
        const values = Array.from({ length: n }, (_, i) =>
          Number(byDay.get(addDays(first, i)) ?? 0),
        );
        const fit = fitDailyModel(first, values);
        if (!fit) {
          skipped.push(currency);
          continue;
        }

        currencies.push({
          currency,
          residualStdDev: Math.round(fit.residualStdDev * 100) / 100,
          months: months.map((m) => {
            const end = monthEnd(m);
            // Actual cost already known in this month, exact; the rest is predicted.
            const actual = addDecimals(
              '0',
              ...mine.filter((d) => d.day >= m && d.day <= end).map((d) => d.cost),
            );
            const startPredict = [m, addDays(history.to, 1)].sort()[1]!;
            const p = fit.predictSum(startPredict, end);
            return {
              month: m.slice(0, 7),
              actualToDate: actual,
              forecast: addDecimals(actual, centsOf(p.mean)),
              lower: addDecimals(actual, centsOf(p.lower)),
              upper: addDecimals(actual, centsOf(p.upper)),
            };
          }),
        });
      }

      return {
        ...base,
        history: { ...history, days: daysBetween(history.from, history.to) + 1 },
        currencies,
        note: skipped.length
          ? `Fewer than ${FORECAST_MIN_DAYS} days of history for: ${skipped.join(', ')}.`
          : null,
      };
    },

    async anomalies(ctx: RequestContext, q: AnomaliesQuery): Promise<AnomaliesResponse> {
      const clientId = tenantOf(ctx);
      await deps.requireFeature?.(ctx, 'anomalies');
      const period = resolvePeriod(q, today());

      const rows = await read(clientId, (tx) =>
        model.anomalies(tx, clientId, filterOf(q), period, {
          groupBy: q.group_by,
          windowDays: q.window_days,
          k: q.k,
          minAmount: q.min_amount,
        }),
      );

      return {
        metric: q.metric,
        period,
        groupBy: q.group_by,
        method: ANOMALY_METHOD,
        anomalies: rows.map((r) => ({
          currency: r.currency,
          day: r.day,
          key: r.key,
          label: r.label,
          cost: r.cost,
          baselineMean: r.baseline_mean,
          baselineStdDev: r.baseline_std_dev,
          excess: r.excess,
          drivers: r.drivers ?? [],
        })),
      };
    },

    async commitments(ctx: RequestContext, q: CommitmentsQuery): Promise<CommitmentsResponse> {
      const clientId = tenantOf(ctx);
      await deps.requireFeature?.(ctx, 'commitments');
      const now = today();
      const period = resolvePeriod(q, now);
      const f = filterOf(q);

      const [figures, coverage, expiring] = await read(clientId, async (tx) => [
        await model.commitmentFigures(tx, clientId, f, period),
        await model.coverageByCurrency(tx, clientId, f, period, sourceFor(f)),
        await model.expiringCommitments(tx, clientId, f, now),
      ]);

      const figuresOf = (r: model.CommitmentDbRow) => ({
        used: r.used,
        unused: r.unused,
        utilization: r.utilization,
        savings: r.savings,
        netSavings: r.net_savings,
      });
      const currencies = [...new Set([...figures, ...coverage].map((r) => r.currency))].sort();
      return {
        period,
        asOf: now,
        currencies: currencies.map((currency) => {
          const total = figures.find((r) => r.level === 'currency' && r.currency === currency);
          return {
            currency,
            ...(total
              ? figuresOf(total)
              : { used: '0', unused: '0', utilization: null, savings: '0', netSavings: '0' }),
            coverage: coverage.find((c) => c.currency === currency)?.coverage ?? null,
            byType: figures
              .filter((r) => r.level === 'type' && r.currency === currency)
              .map((r) => ({ type: r.type, ...figuresOf(r) })),
          };
        }),
        commitments: figures
          .filter((r) => r.level === 'commitment' && r.commitment_id !== null)
          .map((r) => ({
            currency: r.currency,
            commitmentId: r.commitment_id!,
            type: r.type,
            category: r.category,
            ...figuresOf(r),
            endDate: r.end_date,
          })),
        expiring: expiring.map((e) => ({
          commitmentId: e.commitment_id,
          type: e.type,
          currency: e.currency,
          endDate: e.end_date,
          daysLeft: e.days_left,
          within: e.days_left <= 30 ? 30 : e.days_left <= 60 ? 60 : 90,
          savingsLast30Days: e.savings_30d,
        })),
      };
    },

    async tags(ctx: RequestContext, q: TagsQuery): Promise<TagsResponse> {
      const clientId = tenantOf(ctx);
      const period = resolvePeriod(q, today());
      const key = q.key ?? null;

      const rows = await read(clientId, (tx) =>
        model.tagCoverage(tx, clientId, filterOf(q), period, key, q.limit),
      );

      const byCurrency = new Map<string, TagsResponse['currencies'][number]>();
      for (const r of rows) {
        const entry = byCurrency.get(r.currency) ?? {
          currency: r.currency,
          total: r.total,
          items: [],
        };
        // A currency with no tagged row still answers, with no items.
        if (r.cost !== null) entry.items.push({ value: r.value, cost: r.cost, share: r.share });
        byCurrency.set(r.currency, entry);
      }
      return { metric: q.metric, period, key, currencies: [...byCurrency.values()] };
    },
  };
}

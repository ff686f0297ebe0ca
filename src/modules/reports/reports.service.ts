import type { Db } from '../../db/client.js';
import { withTenant } from '../../db/tenant.js';
import type { RequestContext } from '../../http/context.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { SecurityEventInput } from '../audit/audit.types.js';
import { METRIC_COLUMNS, METRICS, type Metric } from '../costs/costs.types.js';
import type { Feature } from '../plans/plans.types.js';
import { exportAdminReport, exportClientReport } from './exporters/index.js';
import { exportFocusCsv } from './exporters/focus.js';
import * as model from './reports.model.js';
import type { FocusQuery, ReportFormatParam, ReportQuery } from './reports.query.js';
import { periodSlug, resolveReportPeriod } from './report.fns.js';
import {
  REPORT_LOCALES,
  type AdminReportStatsProvider,
  type ClientReportStatsProvider,
  type CostMetric,
  type ReportExport,
  type ReportLocale,
  type ReportLogo,
  type ReportPeriod,
} from './report.types.js';

export interface ReportsServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  clientProvider: ClientReportStatsProvider;
  adminProvider: AdminReportStatsProvider;
  /** The plan gate: formats and the FOCUS export are plan features. */
  requireFeature: (ctx: RequestContext, feature: Feature) => Promise<void>;
  /** Appends a security event in a transaction of its own. */
  recordEvent: (ctx: RequestContext, event: SecurityEventInput) => Promise<void>;
  /** The client's own logo for the PDF; null (or no dependency) prints FinOpsLatam's. */
  clientLogo?: (ctx: RequestContext) => Promise<StoredLogo | null>;
  /** Exports one client (or one staff user, for the platform report) may run at once. */
  maxConcurrentExports?: number;
}

/** A logo as the branding module stores it. */
export interface StoredLogo {
  contentType: 'image/png' | 'image/jpeg';
  data: Buffer;
  width: number;
  height: number;
}

export type ReportsService = ReturnType<typeof createReportsService>;

function reportLogo(logo: StoredLogo | null): ReportLogo | undefined {
  if (!logo) return undefined;
  const type = logo.contentType === 'image/png' ? 'png' : 'jpeg';
  return { type, data: logo.data, width: logo.width, height: logo.height };
}

/** Seconds a refused caller is told to wait; a typical report renders in one or two. */
const RETRY_AFTER_SECONDS = 5;

function reportMetric(value: ReportQuery['metric']): CostMetric {
  return (METRICS as readonly string[]).includes(value)
    ? (METRIC_COLUMNS[value as Metric] as CostMetric)
    : (value as CostMetric);
}

function languageOf(ctx: RequestContext, asked: ReportLocale | undefined): ReportLocale {
  if (asked) return asked;
  const locale = ctx.actor?.locale;
  return (REPORT_LOCALES as readonly string[]).includes(locale ?? '')
    ? (locale as ReportLocale)
    : 'es';
}

function clientOf(ctx: RequestContext): string {
  const clientId = ctx.actor?.clientId;
  if (!clientId) {
    throw new AppError('forbidden', 'Reports work inside a client; choose a client first.');
  }
  return clientId;
}

/**
 * Route → this service → stats provider → exporter. The service checks the plan, resolves the
 * period and language, bounds concurrent exports, and records `report.exported` once the last
 * byte was produced.
 */
export function createReportsService(deps: ReportsServiceDeps) {
  const { db, clock, logger } = deps;
  const maxConcurrent = deps.maxConcurrentExports ?? 2;
  const running = new Map<string, number>();

  /**
   * A slot for one export, released when it settles. Renders hold CPU and a database cursor
   * for seconds, so one client cannot starve the others by asking for many at once.
   * TODO: count across processes (an advisory lock per slot) once the API runs on several.
   */
  function acquire(key: string): () => void {
    const n = running.get(key) ?? 0;
    if (n >= maxConcurrent) {
      throw new AppError(
        'rate_limited',
        `At most ${maxConcurrent} exports run at once; wait for one to finish.`,
        { retryAfter: RETRY_AFTER_SECONDS },
      );
    }
    running.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (running.get(key) ?? 1) - 1;
      if (left <= 0) running.delete(key);
      else running.set(key, left);
    };
  }

  /** Audits a finished export and frees its slot; a failed or aborted one is only logged. */
  function settle(
    ctx: RequestContext,
    out: ReportExport,
    release: () => void,
    event: (rows: number) => SecurityEventInput,
  ): ReportExport {
    out.done
      .then(({ rows }) => deps.recordEvent(ctx, event(rows)))
      .catch((err: Error) =>
        logger.warn(
          { err: { message: err.message }, requestId: ctx.requestId, file: out.fileName },
          'report export did not complete',
        ),
      )
      .finally(release);
    return out;
  }

  /** Runs the build and export under a slot; the slot is freed at once if either throws. */
  async function guarded(
    key: string,
    work: () => Promise<ReportExport>,
  ): Promise<{ out: ReportExport; release: () => void }> {
    const release = acquire(key);
    try {
      return { out: await work(), release };
    } catch (err) {
      release();
      throw err;
    }
  }

  const periodDetails = (p: ReportPeriod) => ({ from: p.from, to: p.to, month: p.month });

  return {
    async exportClient(
      ctx: RequestContext,
      format: ReportFormatParam,
      q: ReportQuery,
    ): Promise<ReportExport> {
      const clientId = clientOf(ctx);
      await deps.requireFeature(ctx, `reports.${format}`);
      const period = resolveReportPeriod(q, clock.now());
      const language = languageOf(ctx, q.lang);
      const metric = reportMetric(q.metric);

      const { out, release } = await guarded(clientId, async () => {
        const report = await deps.clientProvider.build(ctx, { period, metric, language });
        const logo =
          format === 'pdf' && deps.clientLogo ? reportLogo(await deps.clientLogo(ctx)) : undefined;
        return exportClientReport(report, format, {
          csv: { delimiter: q.delimiter, bom: q.bom },
          pdf: logo ? { logo } : {},
        });
      });

      return settle(ctx, out, release, (rows) => ({
        type: 'report.exported',
        clientId,
        targetType: 'report',
        targetId: 'client',
        details: {
          report: 'client',
          format,
          period: periodDetails(period),
          metric,
          language,
          rows,
          fileName: out.fileName,
        },
      }));
    },

    async exportAdmin(
      ctx: RequestContext,
      format: ReportFormatParam,
      q: ReportQuery,
    ): Promise<ReportExport> {
      const actor = ctx.actor;
      // The capability is platform-only already; this keeps jobs and other callers honest.
      if (!actor?.globalRole) {
        throw new AppError('forbidden', 'The platform report is for FinOpsLatam staff only.');
      }
      const period = resolveReportPeriod(q, clock.now());
      const language = languageOf(ctx, q.lang);

      const { out, release } = await guarded(`user:${actor.userId}`, async () => {
        const report = await deps.adminProvider.build(ctx, { period, language });
        return exportAdminReport(report, format, { csv: { delimiter: q.delimiter, bom: q.bom } });
      });

      return settle(ctx, out, release, (rows) => ({
        type: 'report.exported',
        clientId: null,
        targetType: 'report',
        targetId: 'admin',
        details: {
          report: 'admin',
          format,
          period: periodDetails(period),
          language,
          rows,
          fileName: out.fileName,
        },
      }));
    },

    /** The client's stored facts as FOCUS 1.2 CSV, paged from the database while it streams. */
    async exportFocus(ctx: RequestContext, q: FocusQuery): Promise<ReportExport> {
      const clientId = clientOf(ctx);
      await deps.requireFeature(ctx, 'exports.focus');
      const period: ReportPeriod =
        q.from && q.to
          ? { from: q.from, to: q.to, month: null }
          : resolveReportPeriod({}, clock.now());

      const client = await withTenant(db, clientId, (tx) => model.clientRow(tx, clientId));
      if (!client) throw new AppError('not_found', 'Client not found');

      const { out, release } = await guarded(clientId, async () =>
        exportFocusCsv(model.focusFacts(db, clientId, period), {
          fileName: `finopslatam-${client.slug}-focus-${periodSlug(period)}.csv`,
          gzip: q.gzip,
        }),
      );

      return settle(ctx, out, release, (rows) => ({
        type: 'report.exported',
        clientId,
        targetType: 'report',
        targetId: 'focus',
        details: {
          report: 'focus',
          format: q.gzip ? 'csv.gz' : 'csv',
          period: periodDetails(period),
          rows,
          fileName: out.fileName,
        },
      }));
    },
  };
}

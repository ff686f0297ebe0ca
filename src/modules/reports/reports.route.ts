import type { FastifyReply } from 'fastify';

import type { TypedApp } from '../../http/app.js';
import { errorResponses } from '../../http/schemas.js';
import type { ReportExport } from './report.types.js';
import { focusQuerySchema, reportFormatParams, reportQuerySchema } from './reports.query.js';
import type { ReportsService } from './reports.service.js';

/** Streams an export into the reply with the download headers the exporter chose. */
function send(reply: FastifyReply, out: ReportExport) {
  return reply
    .header('content-type', out.contentType)
    .header('content-disposition', out.contentDisposition)
    .header('cache-control', 'no-store')
    .send(out.stream);
}

const PERIOD_TEXT =
  'Period: `period=YYYY-MM` (default the last full month) or `from`/`to` (inclusive days, at ' +
  'most 366). `lang` es, en or pt-BR (default your language). CSV: `delimiter` , or ; and ' +
  '`bom=true` for Excel on Windows. Audited as `report.exported`. At most 2 exports run at ' +
  'once per client (429 with Retry-After).';

/** Executive reports and the FOCUS data export. */
export function registerReportRoutes(app: TypedApp, reports: ReportsService): void {
  const tags = ['reports'];

  app.get(
    '/api/v1/reports/client/:format',
    {
      config: { auth: { capability: 'reports:export' } },
      schema: {
        tags,
        summary: 'The client report as PDF, CSV or XLSX (plan features reports.<format>)',
        description:
          "The executive report of your token's client: key figures, 12-month trend, top " +
          'services, accounts, daily trend with anomalies, findings, commitments, movers, daily ' +
          `detail and methodology. ${PERIOD_TEXT}`,
        params: reportFormatParams,
        querystring: reportQuerySchema,
        response: errorResponses(400, 401, 403, 429),
      },
    },
    async (request, reply) =>
      send(reply, await reports.exportClient(request.ctx, request.params.format, request.query)),
  );

  app.get(
    '/api/v1/reports/admin/:format',
    {
      config: { auth: { capability: 'platform:reports:export' } },
      schema: {
        tags,
        summary: 'The platform report as PDF, CSV or XLSX (global roles)',
        description:
          'Platform figures as GET /api/admin/stats, clients with plan, status, members, spend ' +
          'and savings, subscriptions and recurring revenue, security-event summary. ' +
          PERIOD_TEXT,
        params: reportFormatParams,
        querystring: reportQuerySchema,
        response: errorResponses(400, 401, 403, 429),
      },
    },
    async (request, reply) =>
      send(reply, await reports.exportAdmin(request.ctx, request.params.format, request.query)),
  );

  app.get(
    '/api/v1/exports/focus',
    {
      config: { auth: { capability: 'reports:export' } },
      schema: {
        tags,
        summary: 'Your cost data as a FOCUS 1.2 CSV (plan feature exports.focus)',
        description:
          'Every stored daily fact of the period (default the last full month, at most 3 ' +
          'years) as FOCUS 1.2 columns plus x_ extras; `gzip=true` compresses it. Loads into ' +
          'any FOCUS tool, including this API’s own ingestion.',
        querystring: focusQuerySchema,
        response: errorResponses(400, 401, 403, 429),
      },
    },
    async (request, reply) => send(reply, await reports.exportFocus(request.ctx, request.query)),
  );
}

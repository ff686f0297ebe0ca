import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';

import type { TypedApp } from '../../http/app.js';
import { errorResponses } from '../../http/schemas.js';
import type { CostsService } from './costs.service.js';
import {
  ANOMALY_METHOD,
  FORECAST_METHOD,
  METRIC_DEFINITIONS,
  MOVERS_METHOD,
  anomaliesQuerySchema,
  anomaliesResponseSchema,
  breakdownQuerySchema,
  breakdownResponseSchema,
  commitmentsQuerySchema,
  commitmentsResponseSchema,
  forecastQuerySchema,
  forecastResponseSchema,
  moversQuerySchema,
  moversResponseSchema,
  summaryQuerySchema,
  summaryResponseSchema,
  tagsQuerySchema,
  tagsResponseSchema,
  trendQuerySchema,
  trendResponseSchema,
} from './costs.types.js';

const METRICS_TEXT = Object.entries(METRIC_DEFINITIONS)
  .map(([name, text]) => `- \`${name}\`: ${text}`)
  .join('\n');

const COMMON =
  'Client-scoped: the client is the one of your token. Amounts in different currencies are ' +
  'never added: every figure is per billing currency. Month boundaries are UTC. Metrics:\n' +
  METRICS_TEXT;

/** Cost analytics: every route reads the caller's client only (capability costs:read). */
export function registerCostRoutes(app: TypedApp, costs: CostsService): void {
  const config = { auth: { capability: 'costs:read' } } as const;
  const tags = ['costs'];

  const route = <Q extends z.ZodType, R extends z.ZodType>(
    path: string,
    summary: string,
    description: string,
    querystring: Q,
    response: R,
    handler: (ctx: Parameters<CostsService['summary']>[0], q: z.output<Q>) => Promise<unknown>,
  ) =>
    // The generic wrapper defeats the provider's inference; schemas still validate at runtime.
    (app as unknown as FastifyInstance).get(
      path,
      {
        config,
        schema: {
          tags,
          summary,
          description: `${description}\n\n${COMMON}`,
          querystring,
          response: { 200: response, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => handler(request.ctx, request.query as z.output<Q>),
    );

  route(
    '/api/v1/costs/summary',
    'Key figures for a period',
    'Total, previous period and change, month to date, month-end forecast, daily average, ' +
      'credits, refunds and tax apart, savings against list price, effective savings rate, ' +
      'commitment coverage and utilization, tagged share, open findings.',
    summaryQuerySchema,
    summaryResponseSchema,
    (ctx, q) => costs.summary(ctx, q),
  );
  route(
    '/api/v1/costs/breakdown',
    'Cost grouped by one or two dimensions',
    'Group by service, service category, account, region, resource, charge category, pricing ' +
      'category, usage type or `tag:<key>` (untagged is its own bucket); rows beyond `limit` ' +
      'are summed into "Others".',
    breakdownQuerySchema,
    breakdownResponseSchema,
    (ctx, q) => costs.breakdown(ctx, q),
  );
  route(
    '/api/v1/costs/trend',
    'Cost over time at a granularity',
    'Days, weeks or months with no cost are present with 0.',
    trendQuerySchema,
    trendResponseSchema,
    (ctx, q) => costs.trend(ctx, q),
  );
  route(
    '/api/v1/costs/movers',
    'Largest increases and decreases against the previous period',
    MOVERS_METHOD,
    moversQuerySchema,
    moversResponseSchema,
    (ctx, q) => costs.movers(ctx, q),
  );
  route(
    '/api/v1/costs/forecast',
    'Forecast of the next one to three months (plan feature "forecast")',
    FORECAST_METHOD,
    forecastQuerySchema,
    forecastResponseSchema,
    (ctx, q) => costs.forecast(ctx, q),
  );
  route(
    '/api/v1/costs/anomalies',
    'Days whose cost left its rolling baseline (plan feature "anomalies")',
    ANOMALY_METHOD,
    anomaliesQuerySchema,
    anomaliesResponseSchema,
    (ctx, q) => costs.anomalies(ctx, q),
  );
  route(
    '/api/v1/costs/commitments',
    'Savings Plans and reservations (plan feature "commitments")',
    'Utilization, coverage, unused cost, savings, and commitments expiring within 30, 60 and ' +
      '90 days.',
    commitmentsQuerySchema,
    commitmentsResponseSchema,
    (ctx, q) => costs.commitments(ctx, q),
  );
  route(
    '/api/v1/costs/tags',
    'Tag keys and the share of spend they cover',
    'Without `key`: every tag key with its covered share. With `key`: the values of that key.',
    tagsQuerySchema,
    tagsResponseSchema,
    (ctx, q) => costs.tags(ctx, q),
  );
}

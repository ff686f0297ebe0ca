import { timingSafeEqual } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { Database } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import type { JobQueue } from '../jobs/queue.js';

export interface MetricsDeps {
  token: string | null;
  database: Database;
  jobs: JobQueue | null;
}

/** One registry per app so that tests building many apps never share counters. */
export function registerMetrics(app: FastifyInstance, deps: MetricsDeps): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state (embedded mode has one connection)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const pool = deps.database.pool;
      if (pool) {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      } else {
        this.set({ state: 'total' }, 1);
      }
    },
  });
  new Gauge({
    name: 'job_queue_depth',
    help: 'Jobs waiting or running, by queue',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      if (!deps.jobs) return;
      for (const [queue, depth] of Object.entries(await deps.jobs.depth())) {
        this.set({ queue }, depth);
      }
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    duration.observe(labels, reply.elapsedTime / 1000);
    requests.inc(labels);
  });

  app.get(
    '/metrics',
    { config: { auth: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      // Off unless configured; then only with the token, compared in constant time.
      if (!deps.token) throw new AppError('not_found', 'Metrics are not enabled.');
      const given = Buffer.from(
        String(request.headers.authorization ?? '').replace(/^Bearer\s+/i, ''),
      );
      const expected = Buffer.from(deps.token);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new AppError('unauthenticated', 'A valid metrics token is required.');
      }
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
}

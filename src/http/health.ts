import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

import type { Database } from '../db/client.js';
import { migrationStatus } from '../db/migrate.js';

export interface HealthState {
  shuttingDown: boolean;
}

const status = z.object({ status: z.enum(['ok', 'unavailable']) });

export function registerHealth(app: FastifyInstance, database: Database, state: HealthState): void {
  // Once the schema is seen current it stays current for this process's lifetime.
  let migrationsCurrent = false;

  app.get(
    '/livez',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers; touches nothing else',
        response: { 200: status },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Readiness: database answers within 1 s and migrations are current',
        response: { 200: status, 503: status },
      },
    },
    async (request, reply) => {
      const unavailable = () => reply.status(503).send({ status: 'unavailable' as const });
      if (state.shuttingDown) return unavailable();
      try {
        await database.ping(1000);
        if (!migrationsCurrent) migrationsCurrent = (await migrationStatus(database)).current;
      } catch (err) {
        request.log.warn({ err: { message: (err as Error).message } }, 'readiness check failed');
        return unavailable();
      }
      return migrationsCurrent ? { status: 'ok' as const } : unavailable();
    },
  );
}

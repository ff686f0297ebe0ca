import multipart from '@fastify/multipart';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { TypedApp } from '../../http/app.js';
import { errorResponses } from '../../http/schemas.js';
import { AppError } from '../../lib/errors.js';
import type { IngestionsService } from './ingestions.service.js';
import { MAX_FILES_PER_INGESTION } from './ingestions.storage.js';
import { ingestionDto, ingestionListQuery, ingestionUploadResponse } from './ingestions.types.js';

const idParams = z.object({ id: z.uuid() }).strict();
const READ = { auth: { capability: 'ingestions:read' } } as const;
const MANAGE = { auth: { capability: 'ingestions:manage' } } as const;

/** Billing uploads and their outcome; the client is always the token's. */
export function registerIngestionRoutes(app: TypedApp, ingestions: IngestionsService): void {
  const tags = ['ingestions'];

  // Multipart parsing exists only in this scope: no other route accepts a file.
  app.register(async (scope) => {
    await scope.register(multipart, {
      limits: {
        files: MAX_FILES_PER_INGESTION,
        fields: 10,
        parts: MAX_FILES_PER_INGESTION + 10,
        fieldSize: 1024,
        headerPairs: 100,
      },
    });
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/api/v1/ingestions',
      {
        config: MANAGE,
        schema: {
          tags,
          summary: 'Upload billing files (multipart); one request = one ingestion',
          description:
            'Send one or more files as multipart/form-data (for example the parts of one CUR ' +
            'delivery and its manifest). The format is detected from the content. The plan’s ' +
            '`upload_mb` bounds the total size (413). Answers 202 with the queued ingestion; ' +
            'poll GET /api/v1/ingestions/{id}. The same bytes as an earlier ingestion answer ' +
            '200 with that ingestion and `duplicate: true`.',
          consumes: ['multipart/form-data'],
          response: {
            200: ingestionUploadResponse,
            202: ingestionUploadResponse,
            ...errorResponses(400, 401, 403, 413, 415, 503),
          },
        },
      },
      async (request, reply) => {
        if (!request.isMultipart()) {
          throw new AppError(
            'unsupported_media_type',
            'Send the billing files as multipart/form-data.',
          );
        }
        const { ingestion, duplicate } = await ingestions.upload(request.ctx, (fileSize) =>
          request.files({ limits: { fileSize } }),
        );
        return reply.status(duplicate ? 200 : 202).send({ ...ingestion, duplicate });
      },
    );
  });

  app.get(
    '/api/v1/ingestions',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Ingestions of your client, newest first',
        querystring: ingestionListQuery,
        response: {
          200: z.object({
            items: z.array(ingestionDto),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => ingestions.list(request.ctx, request.query),
  );

  app.get(
    '/api/v1/ingestions/:id',
    {
      config: READ,
      schema: {
        tags,
        summary: 'One ingestion: status, progress, format, periods, rows, totals, error',
        params: idParams,
        response: { 200: ingestionDto, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ingestions.get(request.ctx, request.params.id),
  );
}

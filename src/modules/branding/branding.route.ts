import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { TypedApp } from '../../http/app.js';
import { errorResponses } from '../../http/schemas.js';
import { AppError } from '../../lib/errors.js';
import type { BrandingService, LogoUpload } from './branding.service.js';
import { LOGO_CONTENT_TYPES, LOGO_LIMITS, MAX_LOGO_BYTES, logoDto } from './branding.types.js';

const READ = { auth: { capability: 'branding:read' } } as const;
const MANAGE = { auth: { capability: 'branding:manage' } } as const;
const LOGO_URL = '/api/v1/client/branding/logo';

const wrongType = () =>
  new AppError(
    'unsupported_media_type',
    'Send the logo as the raw body with Content-Type image/png or image/jpeg, or as one file ' +
      'in multipart/form-data.',
    { details: { accepted: [...LOGO_CONTENT_TYPES, 'multipart/form-data'] } },
  );

/** The uploaded bytes, from a raw image body or the one file of a multipart form. */
async function readUpload(request: FastifyRequest): Promise<LogoUpload> {
  if (request.isMultipart()) {
    let part;
    try {
      part = await request.file();
      if (!part) throw new AppError('bad_request', 'The multipart form carries no file.');
      return { bytes: await part.toBuffer(), declaredType: part.mimetype ?? null };
    } catch (err) {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new AppError('payload_too_large', 'The logo is larger than 1 MiB.', {
          details: { maxBytes: MAX_LOGO_BYTES },
        });
      }
      if (err instanceof AppError) throw err;
      throw new AppError('bad_request', 'The multipart body is malformed or was cut off.');
    }
  }
  if (!Buffer.isBuffer(request.body)) throw wrongType();
  return { bytes: request.body, declaredType: request.headers['content-type'] ?? null };
}

/** The stored bytes as they were uploaded; the type was checked from them at upload. */
function sendImage(
  reply: FastifyReply,
  logo: { contentType: string; data: Buffer; sha256: string },
): FastifyReply {
  return reply
    .header('content-type', logo.contentType)
    .header('content-disposition', 'inline; filename="logo"')
    .header('cache-control', 'private, no-cache')
    .header('etag', `"${logo.sha256}"`)
    .send(logo.data);
}

/** The client's logo for its reports; the client is always the token's, never the path's. */
export function registerBrandingRoutes(app: TypedApp, branding: BrandingService): void {
  const tags = ['branding'];

  // Image bodies and multipart exist only in this scope; every other route stays JSON-only.
  app.register(async (scope) => {
    await scope.register(multipart, {
      limits: { files: 1, fields: 0, parts: 1, fileSize: MAX_LOGO_BYTES, headerPairs: 50 },
    });
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      [...LOGO_CONTENT_TYPES],
      { parseAs: 'buffer', bodyLimit: MAX_LOGO_BYTES },
      (_request, body, done) => done(null, body),
    );
    scope.addContentTypeParser('*', (_request, _payload, done) => done(wrongType()));

    scope.withTypeProvider<ZodTypeProvider>().put(
      LOGO_URL,
      {
        config: MANAGE,
        bodyLimit: MAX_LOGO_BYTES,
        schema: {
          tags,
          summary: 'Upload your client’s logo for its reports (plan feature custom_logo)',
          description:
            'PNG or JPEG, at most 1 MiB, as the raw body (Content-Type image/png or ' +
            'image/jpeg) or as one file in multipart/form-data. The type is read from the ' +
            `bytes; each side ${LOGO_LIMITS.minSide}–${LOGO_LIMITS.maxSide} pixels, at most ` +
            `${LOGO_LIMITS.maxPixels} pixels, no animation. Replaces the current logo. ` +
            'Recorded as `client.updated`.',
          consumes: [...LOGO_CONTENT_TYPES, 'multipart/form-data'],
          response: {
            200: logoDto,
            ...errorResponses(400, 401, 403, 413, 415, 422),
          },
        },
      },
      async (request) => branding.putLogo(request.ctx, await readUpload(request)),
    );
  });

  app.get(
    LOGO_URL,
    {
      config: READ,
      schema: {
        tags,
        summary: 'Your client’s logo (404 when reports use FinOpsLatam’s)',
        produces: [...LOGO_CONTENT_TYPES],
        response: errorResponses(401, 403, 404),
      },
    },
    async (request, reply) => sendImage(reply, await branding.getLogo(request.ctx)),
  );

  app.delete(
    LOGO_URL,
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Remove your client’s logo: reports go back to FinOpsLatam’s',
        response: { 204: z.null(), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      await branding.deleteLogo(request.ctx);
      return reply.status(204).send(null);
    },
  );
}

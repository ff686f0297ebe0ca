import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

import { AppError, type ErrorCode, httpStatusOf } from '../lib/errors.js';
import { sqlStateOf } from '../lib/logger.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown };
}

/** Connection-level failures that mean "the database is not there right now", not a bug. */
const DB_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

const CONNECTION_LOST = new RegExp(
  [
    'Connection terminated',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error',
  ].join('|'),
  'i',
);

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DB_UNAVAILABLE_CODES.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && CONNECTION_LOST.test(message)) {
      return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Fastify's own error codes that are the caller's fault, with the message we answer. */
function fromFastifyError(err: FastifyError): AppError | null {
  // A poisoned body ("__proto__") never gets here: our JSON parser answers it (json-body.ts).
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is larger than allowed.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        'unsupported_media_type',
        'Unsupported Content-Type; send application/json.',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('bad_request', 'The JSON body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('bad_request', 'The body is not valid JSON.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('bad_request', 'Content-Length does not match the body.');
    default:
      break;
  }
  if (err.statusCode === 429) {
    return new AppError('rate_limited', 'Too many requests; wait and try again.');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new AppError('bad_request', 'The request could not be understood.');
  }
  return null;
}

function describeValidation(err: FastifyError): { message: string; details: unknown } {
  const issues = (err.validation ?? []).map((v) => {
    const where = [
      err.validationContext,
      ...String(v.instancePath ?? '')
        .split('/')
        .filter(Boolean),
    ]
      .filter(Boolean)
      .join('.');
    return { field: where || err.validationContext || 'request', message: v.message ?? 'invalid' };
  });
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.field}: ${i.message}`)
    .join('; ');
  return { message: `Invalid request: ${summary}`, details: issues };
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe && (hasZodFastifySchemaValidationErrors(fe) || Array.isArray(fe.validation))) {
    const { message, details } = describeValidation(fe);
    return new AppError('validation_failed', message, { details: { issues: details } });
  }
  if (isDatabaseUnavailable(err)) {
    return new AppError(
      'service_unavailable',
      'The service is temporarily unavailable; retry shortly.',
      {
        retryAfter: 5,
        cause: err,
      },
    );
  }
  const mapped = fe && typeof fe === 'object' ? fromFastifyError(fe) : null;
  if (mapped) return mapped;

  // Backstop for input the schemas let through: PostgreSQL's "data exception" class (22xxx:
  // bad encoding, unparsable value, out-of-range date or number) is the caller's input, not a
  // bug. The message stays generic: the driver's one may quote the value or the SQL.
  if (sqlStateOf(err)?.startsWith('22')) {
    return new AppError('validation_failed', 'A value in the request is not acceptable.', {
      cause: err,
    });
  }
  return new AppError('internal', 'An unexpected error occurred; it has been logged.', {
    cause: err,
  });
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: AppError,
): FastifyReply {
  const body: ErrorBody = {
    error: { code: error.code, message: error.message, requestId: String(request.id) },
  };
  if (error.details && error.status < 500) body.error.details = error.details;
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  return reply.status(httpStatusOf(error.code)).type('application/json; charset=utf-8').send(body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const error = toAppError(err);
    if (error.status >= 500) {
      // The stack goes to the log only; the body says nothing about internals.
      request.log.error({ err: error.cause ?? err, code: error.code }, 'request failed');
    } else if (sqlStateOf(error.cause)) {
      // A schema let bad input through to the database: worth a look, so warn. The serializer
      // keeps the SQL and its parameters out of the line.
      request.log.warn({ err: error.cause, code: error.code }, 'request rejected by the database');
    } else {
      request.log.info({ code: error.code, status: error.status }, 'request rejected');
    }
    return sendError(request, reply, error);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new AppError(
        'not_found',
        `No route ${request.method} ${request.url.split('?')[0]}; see /docs.`,
      ),
    ),
  );
}

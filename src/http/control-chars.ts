import type { FastifyInstance } from 'fastify';

import { AppError } from '../lib/errors.js';

/**
 * C0 control characters other than tab, CR and LF. None is ever meaningful in our text inputs,
 * and NUL in particular cannot be stored by PostgreSQL: left alone it reaches the driver and
 * fails there as a 500, whatever route carried it.
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/** Nesting deeper than this is not walked further; schemas refuse such bodies anyway. */
const MAX_DEPTH = 32;

/** The dotted path of the first string (key or value) holding a control character, if any. */
export function findControlChar(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return CONTROL.test(value) ? path : null;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return null;
  // Raw uploads (logos) arrive as buffers: binary data, not text.
  if (Buffer.isBuffer(value)) return null;

  const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
  for (const [key, item] of entries) {
    const here = `${path}.${String(key)}`;
    if (typeof key === 'string' && CONTROL.test(key)) return `${path} (a parameter name)`;
    const found = findControlChar(item, here, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Refuses control characters in the query string, path parameters and JSON body before any
 * route schema or handler sees them, so the rule holds for every route, present and future.
 * preValidation is the first hook where the body is parsed; auth (onRequest) has already run.
 */
export function registerControlCharGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const field =
      findControlChar(request.query, 'query') ??
      findControlChar(request.params, 'params') ??
      findControlChar(request.body, 'body');
    if (!field) return;

    const message = 'contains a control character (such as NUL), which is not allowed';
    throw new AppError('validation_failed', `Invalid request: ${field}: ${message}`, {
      details: { issues: [{ field, message }] },
    });
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { AppError } from '../lib/errors.js';

/** Nesting deeper than this is not walked; JSON.parse has already bounded the work. */
const MAX_DEPTH = 64;

/**
 * Whether the parsed value holds a key that prototype-pollution payloads rely on: `__proto__`,
 * or `constructor` holding a `prototype`. JSON.parse makes them plain own properties, which is
 * harmless here, but a later merge or spread elsewhere could turn them into a prototype change.
 */
function isPoisoned(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return false;
  for (const [key, item] of Object.entries(value)) {
    if (key === '__proto__') return true;
    const isObject = item !== null && typeof item === 'object';
    if (key === 'constructor' && isObject && Object.hasOwn(item, 'prototype')) return true;
    if (isPoisoned(item, depth + 1)) return true;
  }
  return false;
}

/** Parses a JSON body, telling apart "not JSON" from "JSON with a forbidden key". */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) {
    throw new AppError('bad_request', 'The JSON body is empty; send a JSON object.');
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('bad_request', 'The body is not valid JSON.');
  }

  if (isPoisoned(value)) {
    throw new AppError(
      'bad_request',
      'The body contains a forbidden "__proto__" or "constructor" key.',
    );
  }
  return value;
}

/**
 * Replaces Fastify's JSON parser. Fastify's own one catches secure-json-parse's "forbidden
 * prototype property" error and answers its generic invalid-JSON error instead, so the caller
 * could never learn which key was refused.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (_request: FastifyRequest, body: string | Buffer, done) => {
      try {
        done(null, parseJsonBody(String(body)));
      } catch (err) {
        done(err as Error, undefined);
      }
    },
  );
}

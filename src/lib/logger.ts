import pino, { type Logger, type LoggerOptions } from 'pino';

import type { Config } from '../config/config.js';

export type { Logger };

/**
 * Paths whose values never reach a log line. Fastify's request serializer does not print
 * headers, but bodies, errors and ad-hoc objects can carry them, so the list is wide.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-metrics-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'password',
  'current_password',
  'new_password',
  'token',
  'access_token',
  'refresh_token',
  'secret',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.secret',
];

/** A PostgreSQL SQLSTATE: five digits or upper-case letters. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Drizzle's wrapper message starts like this and goes on with the SQL and its parameters. */
const FAILED_QUERY = /^Failed query: /;

/** The errors of `err` and its causes, outermost first (bounded: causes can form a cycle). */
function causeChain(err: unknown): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  for (let e = err; e && typeof e === 'object' && chain.length < 5;) {
    chain.push(e as Record<string, unknown>);
    e = (e as { cause?: unknown }).cause;
  }
  return chain;
}

/** Whether this link is a database error (driver error with a SQLSTATE, or Drizzle's wrapper). */
function isDatabaseLink(e: Record<string, unknown>): boolean {
  if ('query' in e && 'params' in e) return true;
  if (typeof e.message === 'string' && FAILED_QUERY.test(e.message)) return true;
  return typeof e.severity === 'string' && typeof e.code === 'string' && SQLSTATE.test(e.code);
}

/** The SQLSTATE of a database error anywhere in the cause chain, or null. */
export function sqlStateOf(err: unknown): string | null {
  for (const e of causeChain(err)) {
    if (typeof e.code === 'string' && SQLSTATE.test(e.code) && isDatabaseLink(e)) return e.code;
  }
  return null;
}

/**
 * The `err` serializer. A failed query carries its SQL and bound parameters (user input such as
 * e-mails) in the wrapper's message, stack and fields, and the driver's `detail` quotes values
 * too, so such errors are logged as the SQLSTATE, schema names and stack frames only.
 */
export function serializeError(err: unknown): unknown {
  const chain = causeChain(err);
  if (!chain.some(isDatabaseLink)) return pino.stdSerializers.err(err as Error);

  const driver = chain.find((e) => typeof e.severity === 'string') ?? {};
  const stack = typeof chain[0]?.stack === 'string' ? chain[0].stack : '';
  const frames = stack.split('\n').filter((line) => line.startsWith('    at '));
  return {
    type: 'DatabaseError',
    message: 'database query failed',
    code: sqlStateOf(err),
    table: typeof driver.table === 'string' ? driver.table : undefined,
    column: typeof driver.column === 'string' ? driver.column : undefined,
    constraint: typeof driver.constraint === 'string' ? driver.constraint : undefined,
    stack: frames.join('\n'),
  };
}

export function loggerOptions(config: Pick<Config, 'log'>): LoggerOptions {
  const options: LoggerOptions = {
    level: config.log.level,
    base: { service: 'finopslatam-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
    formatters: { level: (label) => ({ level: label }) },
  };
  if (config.log.pretty) {
    options.transport = { target: 'pino-pretty', options: { translateTime: 'SYS:standard' } };
  }
  return options;
}

export function createLogger(
  config: Pick<Config, 'log'>,
  destination?: pino.DestinationStream,
): Logger {
  return destination ? pino(loggerOptions(config), destination) : pino(loggerOptions(config));
}

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

export function loggerOptions(config: Pick<Config, 'log'>): LoggerOptions {
  const options: LoggerOptions = {
    level: config.log.level,
    base: { service: 'finopslatam-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
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

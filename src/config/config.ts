import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const csv = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(5001),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default('./data'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters (256 bits)').optional(),
  JWT_ISSUER: z.string().min(1).default('finopslatam-api'),
  JWT_AUDIENCE: z.string().min(1).default('finopslatam'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).max(2_592_000).default(43_200),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  // Unset: http://localhost:<PORT>, so links in local mails follow a changed port.
  PUBLIC_BASE_URL: z.url({ message: 'must be an absolute http(s) URL' }).optional(),
  CORS_ORIGINS: csv,
  TRUST_PROXY: csv,
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('FinOpsLatam <no-reply@finopslatam.local>'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  FINOPS_ROOT_EMAIL: z.email().optional(),
  FINOPS_ROOT_PASSWORD: z.string().min(12).optional(),
  RATE_LIMIT_DISABLED: boolish,
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  database: { url: string | null; poolMax: number };
  dataDir: string;
  jwt: {
    secret: string;
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  log: { level: (typeof LOG_LEVELS)[number]; pretty: boolean };
  publicBaseUrl: string;
  corsOrigins: string[];
  trustProxy: string[];
  bodyLimitBytes: number;
  mail: { smtpUrl: string | null; from: string };
  metricsToken: string | null;
  root: { email: string | null; password: string | null };
  rateLimitDisabled: boolean;
  /** Requests per minute and IP on each /api/auth/* route. */
  authRateLimitPerMinute: number;
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the environment once. Every problem is collected so the operator fixes
 * them all in one go instead of one restart per variable.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  interactive = Boolean(process.stdout.isTTY),
): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(e.DATA_DIR);

  // A shared database or a production process must never invent its own signing key: every
  // replica would sign with a different one. Only the single-process embedded mode may.
  const needsExplicitSecret = Boolean(e.DATABASE_URL) || e.NODE_ENV === 'production';
  if (!e.JWT_SECRET && needsExplicitSecret) {
    throw new ConfigError([
      'JWT_SECRET: required when DATABASE_URL is set or NODE_ENV=production ' +
        '(generate one with: openssl rand -base64 48)',
    ]);
  }
  // The switch exists for test rigs; a production process without its brute-force limit is a
  // misconfiguration worth refusing to start for, not a setting to honour quietly.
  if (e.RATE_LIMIT_DISABLED && e.NODE_ENV === 'production') {
    throw new ConfigError([
      'RATE_LIMIT_DISABLED: must not be true with NODE_ENV=production ' +
        '(raise AUTH_RATE_LIMIT_PER_MINUTE instead if the limit is too low)',
    ]);
  }
  const secret = e.JWT_SECRET ?? loadOrCreateLocalSecret(dataDir);

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    database: { url: e.DATABASE_URL ?? null, poolMax: e.DATABASE_POOL_MAX },
    dataDir,
    jwt: {
      secret,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
    },
    // Humans at a terminal get readable lines; anything piped or in production gets JSON.
    log: {
      level: e.LOG_LEVEL,
      pretty:
        (e.LOG_FORMAT ?? (interactive && e.NODE_ENV !== 'production' ? 'pretty' : 'json')) ===
        'pretty',
    },
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    corsOrigins: e.CORS_ORIGINS,
    trustProxy: e.TRUST_PROXY,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    mail: { smtpUrl: e.SMTP_URL ?? null, from: e.MAIL_FROM },
    metricsToken: e.METRICS_TOKEN ?? null,
    root: { email: e.FINOPS_ROOT_EMAIL ?? null, password: e.FINOPS_ROOT_PASSWORD ?? null },
    rateLimitDisabled: e.RATE_LIMIT_DISABLED,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}

/** Embedded development mode keeps one generated key under DATA_DIR, readable by us only. */
function loadOrCreateLocalSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 32) return stored;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

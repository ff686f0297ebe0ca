import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import pino from 'pino';

import { loadConfig, type Config } from '../../src/config/config.js';
import { createServices, type Infra, type Services } from '../../src/container.js';
import type { Database } from '../../src/db/client.js';
import { buildApp, type App, type RouteEntry } from '../../src/http/app.js';
import type { HealthState } from '../../src/http/health.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { loggerOptions } from '../../src/lib/logger.js';
import { createMailer } from '../../src/mail/mailer.js';
import { appendLog, canary, keepMail, recordSecret, recordTokensIn } from './canary.js';
import { createTestDatabase } from './db.js';

export interface TestApp {
  app: App;
  infra: Infra;
  services: Services;
  health: HealthState;
  routes: RouteEntry[];
  database: Database;
  config: Config;
  /** Every log line the app wrote so far, as parsed JSON objects. */
  logs(): Record<string, unknown>[];
  /** The raw log text, for secret scans. */
  logText(): string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  database?: Database;
  clock?: Clock;
  jobs?: JobQueue | null;
  /** Register extra routes before the app is ready (error-mapping tests). */
  extend?: (app: App) => void | Promise<void>;
}

/** Captures log lines in memory so tests can read them and scan them for secrets. */
function memoryLogger(level: string) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      // Every suite's log lines also go to the run's secrets sweep (test/secrets/sweep.ts).
      appendLog(String(chunk));
      done();
    },
  });
  const options = loggerOptions({ log: { level: level as Config['log']['level'], pretty: false } });
  return { logger: pino(options, stream), lines };
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'finops-test-'));
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      // Canaries by default: the sweep after the run finds them if they ever leak.
      JWT_SECRET: canary('jwt-secret'),
      PUBLIC_BASE_URL: 'https://app.finops.test',
      LOG_LEVEL: 'debug',
      ...options.env,
    },
    false,
  );
  recordConfigSecrets(config);
  const { logger, lines } = memoryLogger(config.log.level);
  const owned = options.database ? null : await createTestDatabase();
  const database = options.database ?? owned!.database;
  const mailer = createMailer({
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    outboxDir: join(dataDir, 'outbox'),
    logger,
  });
  const infra: Infra = {
    config,
    logger,
    database,
    mailer,
    jobs: options.jobs ?? null,
    clock: options.clock ?? systemClock,
  };
  const services = createServices(infra);
  const built = await buildApp(infra, services);
  built.app.addHook('onSend', async (request, _reply, payload) => {
    // Tokens handed out are secrets from then on: the sweep looks for them in logs and events.
    if (request.url.startsWith('/api/auth/') && typeof payload === 'string') {
      recordTokensIn(payload);
    }
    return payload;
  });
  await options.extend?.(built.app);
  await built.app.ready();

  return {
    ...built,
    infra,
    database,
    config,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    logText: () => lines.join('\n'),
    async close() {
      await built.app.close();
      mailer.close();
      keepOutbox(join(dataDir, 'outbox'));
      await owned?.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The configuration's secrets, written down for the sweep (whatever a test passed in). */
function recordConfigSecrets(config: Config): void {
  recordSecret(config.jwt.secret);
  recordSecret(config.metricsToken);
  recordSecret(config.root.password);
  if (config.mail.smtpUrl) {
    const url = new URL(config.mail.smtpUrl);
    recordSecret(url.password ? decodeURIComponent(url.password) : null);
  }
}

/** The local outbox's mails (reset links included) go to the sweep before the folder goes. */
function keepOutbox(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) keepMail(readFileSync(join(dir, name), 'utf8'));
}

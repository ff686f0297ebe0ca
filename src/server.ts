import { join } from 'node:path';

import type { Config } from './config/config.js';
import type { Infra } from './container.js';
import { openDatabase, type Database } from './db/client.js';
import { lockEmbeddedDataDir } from './db/embedded-lock.js';
import { migrationStatus, runMigrations } from './db/migrate.js';
import { buildApp } from './http/app.js';
import { createJobQueue } from './jobs/queue.js';
import { systemClock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createMailer } from './mail/mailer.js';
import { systemContext } from './http/context.js';
import { ensureRootUser } from './modules/identity/bootstrap.js';
import { pdfPool } from './modules/reports/exporters/pdf-pool.js';

export interface OpenedDatabase {
  database: Database;
  release(): Promise<void>;
}

/** Opens the configured database; the embedded one lives in DATA_DIR/pgdata, locked to us. */
export async function openConfiguredDatabase(
  config: Config,
  logger: Logger,
): Promise<OpenedDatabase> {
  if (config.database.url) {
    const database = await openDatabase({
      url: config.database.url,
      poolMax: config.database.poolMax,
      logger,
    });
    return { database, release: () => database.close() };
  }
  const dataDir = join(config.dataDir, 'pgdata');
  const unlock = lockEmbeddedDataDir(`${dataDir}.lock`);
  try {
    const database = await openDatabase({ url: null, dataDir, logger });
    return {
      database,
      release: async () => {
        await database.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

export async function serve(config: Config): Promise<void> {
  const startedAt = performance.now();
  const logger = createLogger(config);
  const opened = await openConfiguredDatabase(config, logger);
  const { database } = opened;

  if (database.kind === 'embedded') {
    const { applied } = await runMigrations(database);
    logger.info({ applied }, 'embedded database migrated');
  } else {
    const status = await migrationStatus(database);
    if (!status.current) {
      logger.warn(status, 'database schema is behind; run `finops migrate` (readyz answers 503)');
    }
  }

  const jobs = createJobQueue(database, logger);
  await jobs.start();
  const mailer = createMailer({
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    outboxDir: join(config.dataDir, 'outbox'),
    logger,
  });
  const infra: Infra = { config, logger, database, mailer, jobs, clock: systemClock };
  const { app, health, services } = await buildApp(infra);

  const root = await ensureRootUser(database.db, systemContext('bootstrap'), config.root);
  if (root) announceRoot(root.email, root.oneTimePassword);
  services.outbox.start();
  // Ingestions run in this process by default; `finops worker` runs more elsewhere.
  await services.ingestions.startWorker();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    health.shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ graceMs: config.shutdownGraceMs }, 'shutdown grace period exceeded');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    try {
      await app.close();
      await services.outbox.stop();
      services.ingestions.stopWorker();
      await jobs.stop(config.shutdownGraceMs);
      mailer.close();
      await opened.release();
      logger.info('shutdown complete');
      clearTimeout(force);
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });

  await app.listen({ port: config.port, host: config.host });
  // The renderer threads load fonts and vega now rather than during someone's first report.
  pdfPool().warm();
  const shownHost = ['0.0.0.0', '::'].includes(config.host) ? 'localhost' : config.host;
  const base = `http://${shownHost}:${config.port}`;
  logger.info(
    {
      api: base,
      docs: `${base}/docs`,
      database: database.kind === 'embedded' ? join(config.dataDir, 'pgdata') : 'postgres',
      startupMs: Math.round(performance.now() - startedAt),
    },
    'FinOpsLatam API listening',
  );
}

/**
 * The one-time root password is shown once on the terminal, never through the logger: log
 * pipelines keep lines forever and a password must never be in them.
 */
function announceRoot(email: string, oneTimePassword: string | null): void {
  const lines = [
    '',
    '  First root account created',
    `    e-mail:   ${email}`,
    oneTimePassword
      ? `    password: ${oneTimePassword}   (one-time: change it at first sign-in)`
      : '    password: the one in FINOPS_ROOT_PASSWORD',
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

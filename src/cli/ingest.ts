import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { Config } from '../config/config.js';
import { createServices, type Infra } from '../container.js';
import { migrationStatus, runMigrations } from '../db/migrate.js';
import { createJobQueue } from '../jobs/queue.js';
import { systemClock } from '../lib/clock.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { createMailer } from '../mail/mailer.js';
import type { EngineProgress } from '../modules/ingestion/engine/engine.types.js';
import type { IngestPhase } from '../modules/ingestions/ingestions.service.js';
import type { IngestionDto } from '../modules/ingestions/ingestions.types.js';
import { openConfiguredDatabase, type OpenedDatabase } from '../server.js';

/** Opens the database, migrated when embedded (no one else can use it), current otherwise. */
export async function openReady(config: Config, logger: Logger): Promise<OpenedDatabase> {
  const opened = await openConfiguredDatabase(config, logger);
  if (opened.database.kind === 'embedded') {
    await runMigrations(opened.database);
  } else if (!(await migrationStatus(opened.database)).current) {
    await opened.release();
    throw new Error('the database schema is behind; run `finops migrate` first');
  }
  return opened;
}

export function infraFor(
  config: Config,
  logger: Logger,
  opened: OpenedDatabase,
  withJobs: boolean,
) {
  const mailer = createMailer({
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    outboxDir: join(config.dataDir, 'outbox'),
    logger,
  });
  const jobs = withJobs ? createJobQueue(opened.database, logger) : null;
  const infra: Infra = {
    config,
    logger,
    database: opened.database,
    mailer,
    jobs,
    clock: systemClock,
  };
  return { infra, mailer, jobs };
}

const PHASE_LABEL: Record<IngestPhase, string> = {
  queued: 'queued',
  parsing: 'reading and aggregating (DuckDB)',
  loading: 'loading facts into staging',
  swapping: 'replacing the periods',
  done: 'done',
  failed: 'failed',
};

const BAR_WIDTH = 24;
/** Plain output prints one progress line each time the work crosses another tenth. */
const PLAIN_STEP = 0.1;

export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Progress of `finops ingest`. On a terminal: one line rewritten in place, with a bar, rows,
 * MB/s and ETA while the engine reads, and the phase with its elapsed time afterwards.
 * Otherwise (logs, CI): one plain line per phase and one per tenth of the engine's work.
 */
export function progressPrinter(
  totalBytes: number,
  out: ProgressOutput,
  now: () => number = () => performance.now(),
) {
  const started = now();
  let phase: IngestPhase = 'parsing';
  let phaseStarted = started;
  let ended: number | null = null;
  let latest: EngineProgress | null = null;
  let printedStep = 0;
  const seconds = (from: number) => (now() - from) / 1000;

  // Throughput in upload bytes: the engine's estimate of work done times the upload size.
  const figures = (p: EngineProgress) => {
    const elapsed = Math.max(seconds(phaseStarted), 0.001);
    const mbps = (p.fraction * totalBytes) / 1024 ** 2 / elapsed;
    const eta = p.fraction > 0.02 ? (elapsed * (1 - p.fraction)) / p.fraction : null;
    return {
      percent: `${Math.floor(p.fraction * 100)}%`,
      rows: `${p.rows.toLocaleString('en-US')} rows`,
      mbps: `${mbps.toFixed(1)} MB/s`,
      eta: eta === null ? 'ETA --' : `ETA ${formatDuration(eta)}`,
    };
  };
  const line = () => {
    if (phase === 'parsing' && latest) {
      const f = figures(latest);
      const filled = Math.round(latest.fraction * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
      return `  ${bar} ${f.percent.padStart(4)}  ${f.rows}  ${f.mbps}  ${f.eta}  ${latest.step}`;
    }
    return `  ${PHASE_LABEL[phase]} … ${seconds(phaseStarted).toFixed(1)} s`;
  };
  const timer = out.isTTY ? setInterval(() => out.write(`\r${line()}\u001b[K`), 250) : null;
  timer?.unref();

  return {
    phase(next: IngestPhase) {
      if (out.isTTY) out.write(`\r${line()}\u001b[K\n`);
      phase = next;
      phaseStarted = now();
      if (!out.isTTY && next !== 'done' && next !== 'failed') {
        out.write(`${PHASE_LABEL[next]} (after ${seconds(started).toFixed(1)} s)\n`);
      }
    },
    progress(p: EngineProgress) {
      latest = p;
      if (out.isTTY) return;
      const step = Math.floor(p.fraction / PLAIN_STEP);
      if (step <= printedStep) return;
      printedStep = step;
      const f = figures(p);
      out.write(`  ${f.percent} ${p.step}: ${f.rows}, ${f.mbps}, ${f.eta}\n`);
    },
    stop(): number {
      if (ended !== null) return ended;
      if (timer) clearInterval(timer);
      if (out.isTTY) out.write('\r\u001b[K');
      ended = seconds(started);
      return ended;
    },
  };
}

function formatDuration(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  return `${minutes} min ${String(s % 60).padStart(2, '0')} s`;
}

function summary(ingestion: IngestionDto, duplicate: boolean, seconds: number): string {
  const lines: string[] = [];
  if (duplicate) {
    lines.push(`Same bytes as ingestion ${ingestion.id} (${ingestion.status}): nothing to do.`);
  } else {
    const mbps = ingestion.total_bytes / 1024 ** 2 / Math.max(seconds, 0.001);
    const rate = ingestion.rows_read / Math.max(seconds, 0.001);
    lines.push(
      `Ingestion ${ingestion.id}: ${ingestion.status} in ${seconds.toFixed(1)} s ` +
        `(${mbps.toFixed(1)} MB/s, ${Math.round(rate)} rows/s)`,
    );
  }
  if (ingestion.error) lines.push(`  error: ${ingestion.error.code}: ${ingestion.error.message}`);
  if (ingestion.format) {
    const version = ingestion.format_version ? ` ${ingestion.format_version}` : '';
    lines.push(`  format:  ${ingestion.format}${version}`);
    lines.push(
      `  rows:    ${ingestion.rows_read} read, ${ingestion.rows_loaded} loaded, ` +
        `${ingestion.rows_rejected} rejected`,
    );
    lines.push(`  facts:   ${ingestion.facts ?? 0} daily rows`);
    const periods = ingestion.periods.map(
      (p) => `${p.provider}/${p.billing_account_id}/${p.billing_period_start.slice(0, 7)}`,
    );
    lines.push(`  periods: ${periods.join(', ')}`);
    for (const t of ingestion.totals) {
      lines.push(
        `  ${t.currency}: billed ${t.billed_cost}, effective ${t.effective_cost}, ` +
          `list ${t.list_cost}`,
      );
    }
    for (const r of ingestion.rejects.slice(0, 5)) {
      lines.push(`  rejected ${r.file}:${r.line}: ${r.reason}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `finops ingest --client <slug> <files…>`: the upload pipeline, run now, without the queue. */
export async function runIngest(config: Config, slug: string, paths: string[]): Promise<boolean> {
  const logger = createLogger(config);
  const opened = await openReady(config, logger);
  const { infra, mailer } = infraFor(config, logger, opened, false);
  try {
    const services = createServices(infra);
    let totalBytes = 0;
    for (const path of paths) totalBytes += (await stat(path)).size;

    const progress = progressPrinter(totalBytes, process.stderr);
    const result = await services.ingestions
      .ingestLocal(
        slug,
        paths,
        (p) => progress.phase(p),
        (p) => progress.progress(p),
      )
      .finally(() => progress.stop());
    const seconds = progress.stop();
    process.stdout.write(summary(result.ingestion, result.duplicate, seconds));
    return result.ingestion.status !== 'failed';
  } finally {
    mailer.close();
    await opened.release();
  }
}

/** `finops worker`: runs ingestion jobs until SIGTERM/SIGINT. */
export async function runWorker(config: Config): Promise<void> {
  const logger = createLogger(config);
  const opened = await openReady(config, logger);
  const { infra, mailer, jobs } = infraFor(config, logger, opened, true);
  const services = createServices(infra);
  await jobs!.start();
  await services.ingestions.startWorker();
  logger.info({ queue: 'ingest' }, 'ingestion worker started');

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  logger.info('ingestion worker stopping');
  services.ingestions.stopWorker();
  await jobs!.stop(config.shutdownGraceMs);
  mailer.close();
  await opened.release();
}

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { sql } from 'drizzle-orm';

import type { Config } from '../../config/config.js';
import type { Database } from '../../db/client.js';
import { withPlatform, withTenant } from '../../db/tenant.js';
import { systemContext, type RequestContext } from '../../http/context.js';
import type { JobQueue } from '../../jobs/queue.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, notFound } from '../../lib/errors.js';
import { faultPoint } from '../../lib/fault-points.js';
import type { Logger } from '../../lib/logger.js';
import { recordSecurityEvent } from '../audit/audit.model.js';
import { upsertDiscoveredAccounts } from '../cloud-accounts/cloud-accounts.model.js';
import { refreshRollup } from '../costs/costs.rollup.js';
import { requireActor } from '../identity/identity.service.js';
import {
  IngestionEngineError,
  isIngestionEngineError,
  type EngineFile,
  type EngineLimits,
  type EngineProgress,
  type EngineResult,
  type PeriodFound,
} from '../ingestion/engine/engine.types.js';
import { loadFacts } from '../ingestion/engine/load.js';
import { runIngestionEngine } from '../ingestion/engine/run.js';
import { loadEntitlements, requireWritable } from '../plans/entitlements.js';
import * as model from './ingestions.model.js';
import { takeRunLock, withoutRunner } from './ingestions.runlock.js';
import {
  hashLocalFiles,
  removeStored,
  storeUploadParts,
  uploadsDir,
  type StoredUpload,
  type UploadPart,
} from './ingestions.storage.js';
import {
  toIngestionDto,
  type IngestionDto,
  type IngestionProgress,
  type IngestionStatus,
  type StoredFileEntry,
} from './ingestions.types.js';

export const INGEST_QUEUE = 'ingest';

/** Plans without an `upload_mb` limit still get a ceiling. */
const DEFAULT_UPLOAD_MB = 1024;
const HEARTBEAT_MS = 15_000;
/** A running ingestion whose heartbeat is this old belongs to a dead worker. */
const STALE_AFTER_MS = 5 * 60_000;
const RECOVERY_INTERVAL_MS = 60_000;
/** How often a running ingestion's progress is written to its row. */
const PROGRESS_WRITE_MS = 2_000;

export type IngestPhase = NonNullable<IngestionProgress['phase']>;

/** Called after a successful swap, outside its transaction (findings recompute plugs in here). */
export type OnIngested = (
  ctx: RequestContext,
  input: { clientId: string; ingestionId: string; periods: PeriodFound[] },
) => Promise<void>;

export interface IngestionsDeps {
  database: Database;
  config: Config;
  logger: Logger;
  clock: Clock;
  jobs: JobQueue | null;
  onIngested?: OnIngested;
  /** Engine caps; tests use a small DuckDB memory limit and one thread. */
  engineLimits?: Partial<EngineLimits>;
  heartbeatMs?: number;
  staleAfterMs?: number;
}

interface IngestJob {
  clientId: string;
  ingestionId: string;
}

export interface ListOptions {
  status?: IngestionStatus;
  limit: number;
  offset: number;
}

export type IngestionsService = ReturnType<typeof createIngestionsService>;

/**
 * One ingestion = the files of one upload. The pipeline: store and hash → queue → engine in a
 * child process → COPY into staging → one transaction that swaps whole periods into the live
 * table. Previous data is only ever replaced by that last transaction, so a failure or a crash
 * at any earlier point leaves it as it was.
 */
export function createIngestionsService(deps: IngestionsDeps) {
  const { database, config, logger, clock, jobs } = deps;
  const db = database.db;
  const heartbeatMs = deps.heartbeatMs ?? HEARTBEAT_MS;
  const staleAfterMs = deps.staleAfterMs ?? STALE_AFTER_MS;
  let recoveryTimer: NodeJS.Timeout | null = null;

  function clientOf(ctx: RequestContext): string {
    const actor = requireActor(ctx);
    if (!actor.clientId) throw new AppError('forbidden', 'Select a client first (switch-client).');
    return actor.clientId;
  }

  const workDir = (id: string) => join(config.dataDir, 'work', id);

  /** Records a new ingestion, or returns the earlier one of the same bytes (no-op). */
  async function register(
    clientId: string,
    stored: StoredUpload,
    source: 'upload' | 'cli',
    createdBy: string | null,
  ): Promise<{ row: model.IngestionRow; duplicate: boolean }> {
    return withTenant(db, clientId, async (tx) => {
      const earlier = await model.findSameBytes(tx, clientId, stored.sha256);
      if (earlier) return { row: earlier, duplicate: true };

      const row = await model.insertIngestionUnlessLive(tx, {
        clientId,
        source,
        createdBy,
        sha256: stored.sha256,
        files: stored.files,
        totalBytes: String(stored.totalBytes),
        progress: { phase: 'queued' },
      });
      if (row) return { row, duplicate: false };

      // Another upload of the same bytes committed between our look and our insert: the unique
      // index kept one row, and this request answers with it like any later duplicate.
      const winner = await model.findSameBytes(tx, clientId, stored.sha256);
      if (!winner) throw new Error('live ingestion vanished after a unique conflict');
      return { row: winner, duplicate: true };
    });
  }

  async function setPhase(clientId: string, id: string, phase: IngestPhase, extra = {}) {
    const now = clock.now();
    await withTenant(db, clientId, (tx) =>
      model.updateRunning(tx, clientId, id, {
        heartbeatAt: now,
        progress: { phase, phaseStartedAt: now.toISOString(), ...extra },
      }),
    );
  }

  /** The one transaction that replaces whole periods: readers see the old data or the new. */
  async function swap(
    ctx: RequestContext,
    row: model.IngestionRow,
    result: EngineResult,
    facts: number,
  ): Promise<string[]> {
    const { clientId, id } = row;
    const periods = sortPeriods(result.periods);
    return withTenant(db, clientId, async (tx) => {
      // A large period may take longer than the request-sized session defaults.
      await tx.execute(sql`
        select set_config('statement_timeout', '600000', true),
               set_config('lock_timeout', '600000', true)`);
      await model.lockPeriods(tx, clientId, periods);

      // Crash recovery may have failed this ingestion meanwhile; then nothing may change.
      const current = await model.findIngestion(tx, clientId, id, true);
      if (current?.status !== 'running') {
        throw new IngestionEngineError(
          'engine_failed',
          'The ingestion was interrupted before its data was saved. Upload the files again.',
        );
      }

      await model.deleteLivePeriods(tx, clientId, periods);
      const moved = await model.moveStagingToLive(tx, clientId, id);
      await model.deleteStaging(tx, clientId, id);
      await faultPoint('ingest:swap');
      // Same transaction as the facts: analytics read the rollup and must never see a mix.
      await refreshRollup(tx, clientId, periods);
      const superseded = await model.supersedeCovered(tx, clientId, id, periods);
      const discovered = await upsertDiscoveredAccounts(tx, clientId, result.accounts);

      const now = clock.now();
      await model.updateRunning(tx, clientId, id, {
        status: 'succeeded',
        format: result.format,
        periods,
        accounts: result.accounts,
        rowsRead: result.rowsRead,
        rowsLoaded: result.rowsRead - result.rowsRejected,
        rowsRejected: result.rowsRejected,
        rejects: result.rejects.slice(0, 20),
        totals: result.totals,
        heartbeatAt: now,
        finishedAt: now,
        progress: {
          phase: 'done',
          phaseStartedAt: now.toISOString(),
          formatVersion: result.formatVersion,
          facts: moved,
          peakRssBytes: result.peakRssBytes,
          discoveredAccounts: discovered,
          supersededIds: superseded,
        } satisfies IngestionProgress,
      });
      await recordSecurityEvent(tx, ctx, {
        type: 'ingestion.succeeded',
        clientId,
        actorUserId: row.createdBy,
        targetType: 'ingestion',
        targetId: id,
        details: {
          format: result.format,
          periods: periods.length,
          rows: result.rowsRead,
          facts: moved,
          superseded,
        },
      });
      if (moved !== facts) {
        logger.warn({ ingestionId: id, moved, facts }, 'staged and moved fact counts differ');
      }
      return superseded;
    });
  }

  /** Marks the ingestion failed and drops its staging rows; live data is not touched. */
  async function fail(
    ctx: RequestContext,
    row: Pick<model.IngestionRow, 'clientId' | 'id' | 'createdBy'>,
    code: string,
    message: string,
  ): Promise<void> {
    const { clientId, id } = row;
    await withTenant(db, clientId, async (tx) => {
      const now = clock.now();
      const updated = await model.updateRunning(tx, clientId, id, {
        status: 'failed',
        errorCode: code,
        errorMessage: message,
        finishedAt: now,
        heartbeatAt: now,
        progress: { phase: 'failed', phaseStartedAt: now.toISOString() },
      });
      await model.deleteStaging(tx, clientId, id);
      if (!updated) return;
      await recordSecurityEvent(tx, ctx, {
        type: 'ingestion.failed',
        clientId,
        actorUserId: row.createdBy,
        targetType: 'ingestion',
        targetId: id,
        details: { code },
      });
    });
  }

  function describeFailure(err: unknown, id: string): { code: string; message: string } {
    if (isIngestionEngineError(err)) return { code: err.code, message: err.message };
    logger.error({ err, ingestionId: id }, 'ingestion failed unexpectedly');
    return {
      code: 'ingest_failed',
      message:
        'The data could not be saved; nothing was changed. Try again, and contact support ' +
        `if it persists (ingestion ${id}).`,
    };
  }

  /**
   * Forwards the engine's progress and records it on the running ingestion every few seconds
   * (GET /ingestions/:id shows it); a failed write only costs one update.
   */
  function trackProgress(
    clientId: string,
    id: string,
    forward?: (progress: EngineProgress) => void,
  ): (progress: EngineProgress) => void {
    const phaseStartedAt = clock.now().toISOString();
    let last = 0;
    return (progress) => {
      forward?.(progress);
      const now = performance.now();
      if (now - last < PROGRESS_WRITE_MS) return;
      last = now;
      const patch = {
        heartbeatAt: clock.now(),
        progress: {
          phase: 'parsing' as const,
          phaseStartedAt,
          fraction: Math.round(progress.fraction * 1000) / 1000,
          rowsSeen: progress.rows,
          bytesRead: progress.bytesRead,
        },
      };
      withTenant(db, clientId, (tx) => model.updateRunning(tx, clientId, id, patch)).catch(
        (err: Error) =>
          logger.warn({ ingestionId: id, err: { message: err.message } }, 'progress not saved'),
      );
    };
  }

  /**
   * Runs a claimed (running) ingestion to its end. Never throws for a bad file: the outcome is
   * in the returned row.
   */
  async function execute(
    ctx: RequestContext,
    row: model.IngestionRow,
    files: EngineFile[],
    onPhase?: (phase: IngestPhase) => void,
    onProgress?: (progress: EngineProgress) => void,
  ): Promise<model.IngestionRow> {
    const { clientId, id } = row;
    const dir = workDir(id);
    let phase: IngestPhase = 'parsing';
    const enter = async (next: IngestPhase) => {
      phase = next;
      onPhase?.(next);
      await setPhase(clientId, id, next);
    };
    const heartbeat = setInterval(() => {
      withTenant(db, clientId, (tx) =>
        model.updateRunning(tx, clientId, id, { heartbeatAt: clock.now() }),
      ).catch((err: Error) =>
        logger.warn({ ingestionId: id, phase, err: { message: err.message } }, 'heartbeat failed'),
      );
    }, heartbeatMs);
    heartbeat.unref();

    let periods: PeriodFound[] = [];
    const started = performance.now();
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      onPhase?.('parsing');
      const result = await runIngestionEngine(
        {
          clientId,
          ingestionId: id,
          files,
          outputPath: join(dir, 'facts.copy'),
          workDir: dir,
          limits: deps.engineLimits,
        },
        { logger, onProgress: trackProgress(clientId, id, onProgress) },
      );
      // A file with a header and no data must never wipe a period.
      if (result.factCount === 0 || result.periods.length === 0) {
        throw new IngestionEngineError(
          'empty_file',
          'The files contain no billing rows (only a header, or nothing). Export the period ' +
            'again and check that it is not empty; no data was changed.',
        );
      }

      await enter('loading');
      const facts = await loadFacts(database, { clientId, ingestionId: id, file: result.copyFile });
      await faultPoint('ingest:staged');

      await enter('swapping');
      await swap(ctx, row, result, facts);
      periods = sortPeriods(result.periods);
      onPhase?.('done');
      logger.info(
        {
          ingestionId: id,
          clientId,
          format: result.format,
          rows: result.rowsRead,
          facts,
          periods: periods.length,
          ms: Math.round(performance.now() - started),
        },
        'ingestion succeeded',
      );
    } catch (err) {
      const { code, message } = describeFailure(err, id);
      logger.info({ ingestionId: id, clientId, code, phase }, 'ingestion failed');
      onPhase?.('failed');
      await fail(ctx, row, code, message);
    } finally {
      clearInterval(heartbeat);
      await rm(dir, { recursive: true, force: true });
      // The raw upload is not kept once its facts are live or refused.
      // TODO: keep originals under a retention policy once object storage exists.
      await removeStored(uploadsDir(config.dataDir, clientId), row.files as StoredFileEntry[]);
    }

    if (periods.length > 0 && deps.onIngested) {
      // Derived data is recomputed after the commit; its failure does not undo the ingestion.
      await deps
        .onIngested(ctx, { clientId, ingestionId: id, periods })
        .catch((err: Error) =>
          logger.error({ ingestionId: id, err: { message: err.message } }, 'onIngested failed'),
        );
    }
    return (await withTenant(db, clientId, (tx) => model.findIngestion(tx, clientId, id)))!;
  }

  /** The job: idempotent, so a retried or duplicated job finds the ingestion taken and returns. */
  async function process(clientId: string, ingestionId: string, jobId = 'direct') {
    const ctx = systemContext(`job:${jobId}`);
    // The run lock comes before the claim: a running ingestion always has a live holder.
    const lock = await takeRunLock(database, ingestionId, logger);
    if (!lock) {
      logger.info({ ingestionId, jobId }, 'ingestion job skipped: running elsewhere');
      return null;
    }
    try {
      const claimed = await withTenant(db, clientId, (tx) =>
        model.claimQueued(tx, clientId, ingestionId, clock.now()),
      );
      if (!claimed) {
        logger.info({ ingestionId, jobId }, 'ingestion job skipped: not queued');
        return null;
      }
      const dir = uploadsDir(config.dataDir, clientId);
      const files = (claimed.files as StoredFileEntry[]).map((f) => ({
        path: join(dir, f.key ?? 'missing'),
        name: f.name,
      }));
      return toIngestionDto(await execute(ctx, claimed, files));
    } finally {
      await lock.release();
    }
  }

  /**
   * Fails ingestions whose worker died: all running ones (embedded database: this process is
   * the only one), else those whose runner's lock is free (the process is gone) or whose
   * heartbeat stopped (the process hangs). Their staging rows go; live data stays.
   */
  async function recoverInterrupted(options: { all: boolean }): Promise<number> {
    let running = await withPlatform(db, (tx) => model.listRunning(tx, null));
    if (!options.all) {
      const staleBefore = new Date(clock.now().getTime() - staleAfterMs);
      const stale = await withPlatform(db, (tx) => model.listRunning(tx, staleBefore));
      const orphaned = await withoutRunner(
        database,
        running.map((r) => r.id),
      );
      const staleIds = new Set(stale.map((r) => r.id));
      running = running.filter((r) => orphaned.has(r.id) || staleIds.has(r.id));
    }
    const ctx = systemContext('recovery');
    // TODO: fail the dead run's pg-boss job as well once the ingestion row keeps its job id;
    // today the job expires after pg-boss's timeout and its retry finds nothing queued.
    for (const r of running) {
      const row = await withTenant(db, r.clientId, (tx) =>
        model.findIngestion(tx, r.clientId, r.id),
      );
      if (!row) continue;
      await fail(
        ctx,
        row,
        'interrupted',
        'Processing stopped before the end (the server restarted); no data was changed. ' +
          'Upload the files again.',
      );
      await rm(workDir(r.id), { recursive: true, force: true });
      await removeStored(uploadsDir(config.dataDir, r.clientId), row.files as StoredFileEntry[]);
      logger.warn({ ingestionId: r.id, clientId: r.clientId }, 'interrupted ingestion failed');
    }
    return running.length;
  }

  return {
    /**
     * Stores an upload and queues it. `open` starts reading the multipart files with the
     * plan's size limit, so nothing is read before the caller is known to be allowed.
     */
    async upload(
      ctx: RequestContext,
      open: (maxFileBytes: number) => AsyncIterable<UploadPart>,
    ): Promise<{ ingestion: IngestionDto; duplicate: boolean }> {
      const actor = requireActor(ctx);
      const clientId = clientOf(ctx);
      const entitlements = await withTenant(db, clientId, (tx) => loadEntitlements(tx, clientId));
      requireWritable(entitlements);
      const maxBytes = (entitlements.limits.upload_mb ?? DEFAULT_UPLOAD_MB) * 1024 ** 2;

      const dir = uploadsDir(config.dataDir, clientId);
      const stored = await storeUploadParts(open(maxBytes + 1), dir, maxBytes);
      const { row, duplicate } = await register(clientId, stored, 'upload', actor.userId);
      if (duplicate) {
        await removeStored(dir, stored.files);
        return { ingestion: toIngestionDto(row), duplicate };
      }

      if (jobs) {
        try {
          await jobs.send(INGEST_QUEUE, { clientId, ingestionId: row.id } satisfies IngestJob, {
            singletonKey: row.id,
          });
        } catch (err) {
          logger.error({ err, ingestionId: row.id }, 'ingestion job not queued');
          await fail(ctx, row, 'not_queued', 'The upload could not be queued; send it again.');
          await removeStored(dir, stored.files);
          throw new AppError('service_unavailable', 'The upload could not be queued; try again.', {
            retryAfter: 30,
          });
        }
      } else {
        // Only tests build the app without a queue; they drive `process` themselves.
        logger.debug({ ingestionId: row.id }, 'ingestion stored without a job queue');
      }
      return { ingestion: toIngestionDto(row), duplicate };
    },

    async list(ctx: RequestContext, options: ListOptions) {
      const clientId = clientOf(ctx);
      const { rows, total } = await withTenant(db, clientId, (tx) =>
        model.listIngestions(tx, clientId, options),
      );
      const items = rows.map(toIngestionDto);
      return { items, total, limit: options.limit, offset: options.offset };
    },

    async get(ctx: RequestContext, id: string): Promise<IngestionDto> {
      const clientId = clientOf(ctx);
      const row = await withTenant(db, clientId, (tx) => model.findIngestion(tx, clientId, id));
      if (!row) throw notFound('Ingestion');
      return toIngestionDto(row);
    },

    process,
    recoverInterrupted,

    /**
     * The CLI path: the same pipeline, run now in this process, on files read where they are.
     * Operators load data for a client by slug; plan limits do not apply to them.
     */
    async ingestLocal(
      slug: string,
      paths: readonly string[],
      onPhase?: (phase: IngestPhase) => void,
      onProgress?: (progress: EngineProgress) => void,
    ): Promise<{ ingestion: IngestionDto; duplicate: boolean }> {
      const clientId = await withPlatform(db, (tx) => model.findClientIdBySlug(tx, slug));
      if (!clientId) throw notFound(`Client "${slug}"`);
      const stored = await hashLocalFiles(paths);
      const { row, duplicate } = await register(clientId, stored, 'cli', null);
      if (duplicate) return { ingestion: toIngestionDto(row), duplicate };

      // Held like a worker's, so a worker's recovery pass leaves this run alone.
      const lock = await takeRunLock(database, row.id, logger);
      try {
        const claimed = await withTenant(db, clientId, (tx) =>
          model.claimQueued(tx, clientId, row.id, clock.now()),
        );
        const files = paths.map((path, i) => ({ path, name: stored.files[i]!.name }));
        const done = await execute(systemContext('cli'), claimed!, files, onPhase, onProgress);
        return { ingestion: toIngestionDto(done), duplicate: false };
      } finally {
        await lock?.release();
      }
    },

    /** Starts the in-process worker: recovery first, then the queue, then a periodic check. */
    async startWorker(): Promise<void> {
      if (!jobs) throw new Error('the ingestion worker needs a job queue');
      const embedded = database.kind === 'embedded';
      await recoverInterrupted({ all: embedded });
      // A process that died between storing an upload and queueing it left it `queued` with no
      // job; sending again is harmless because a job only runs an ingestion it can claim.
      const orphans = await withPlatform(db, (tx) =>
        model.listQueuedUploads(tx, new Date(clock.now().getTime() - staleAfterMs)),
      );
      for (const o of orphans) {
        await jobs.send(INGEST_QUEUE, { clientId: o.clientId, ingestionId: o.id });
      }
      await jobs.work<IngestJob>(INGEST_QUEUE, async (data, jobId) => {
        await process(data.clientId, data.ingestionId, jobId);
      });
      // Several worker processes share a server database: one may die while others run.
      if (!embedded) {
        recoveryTimer = setInterval(() => {
          recoverInterrupted({ all: false }).catch((err: Error) =>
            logger.warn({ err: { message: err.message } }, 'ingestion recovery failed'),
          );
        }, RECOVERY_INTERVAL_MS);
        recoveryTimer.unref();
      }
    },

    stopWorker(): void {
      if (recoveryTimer) clearInterval(recoveryTimer);
      recoveryTimer = null;
    },
  };
}

function sortPeriods(periods: readonly PeriodFound[]): PeriodFound[] {
  const key = (p: PeriodFound) =>
    `${p.provider}\u0000${p.billingAccountId}\u0000${p.billingPeriodStart}`;
  return periods
    .map((p) => ({
      provider: p.provider,
      billingAccountId: p.billingAccountId,
      billingPeriodStart: p.billingPeriodStart,
    }))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Logger } from '../../../lib/logger.js';
import type { ChildMessage, ChildReply } from './child.js';
import {
  DEFAULT_LIMITS,
  IngestionEngineError,
  type EngineLimits,
  type EngineProgress,
  type EngineRequest,
  type EngineResult,
  type IngestionEngineErrorCode,
} from './engine.types.js';

/**
 * Parent side: runs one ingestion in a child process with a V8 heap cap, a DuckDB memory cap
 * and a wall-clock timeout. Whatever the file does to the child, the caller gets either a
 * result or an IngestionEngineError; the API process never loads the file itself.
 */

const here = fileURLToPath(import.meta.url);
// Under tsx (dev, tests) this file is .ts and the child needs the tsx loader; after `tsc` the
// compiled child.js sits next to run.js and runs on plain node.
const RUNNING_TS = here.endsWith('.ts');
const CHILD_ENTRY = join(dirname(here), RUNNING_TS ? 'child.ts' : 'child.js');
const STDERR_KEEP = 8 * 1024;

export interface RunEngineOptions {
  logger?: Logger;
  /** Called a few times a second while the engine runs; must not throw. */
  onProgress?: (progress: EngineProgress) => void;
}

export async function runIngestionEngine(
  request: EngineRequest,
  options: RunEngineOptions = {},
): Promise<EngineResult> {
  const limits: EngineLimits = { ...DEFAULT_LIMITS, ...request.limits };
  const scratch = await mkdtemp(join(request.workDir, 'engine-'));
  try {
    return await runChild({ ...request, workDir: scratch, limits }, limits, options);
  } catch (err) {
    await rm(request.outputPath, { force: true });
    throw err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function runChild(
  request: EngineRequest,
  limits: EngineLimits,
  options: RunEngineOptions,
): Promise<EngineResult> {
  const execArgv = [`--max-old-space-size=${limits.childHeapMb}`];
  if (RUNNING_TS) execArgv.push('--import', import.meta.resolve('tsx'));

  const child = fork(CHILD_ENTRY, [], {
    execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
  });

  return new Promise<EngineResult>((resolve, reject) => {
    let stderr = '';
    let settled = false;
    let reply: ChildReply | null = null;

    const finish = (err: IngestionEngineError | null, result?: EngineResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(result!);
    };

    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(
        new IngestionEngineError(
          'timeout',
          `Processing took longer than ${Math.round(limits.timeoutMs / 1000)} s and was ` +
            'stopped. Split the upload into smaller files (for example one per month).',
        ),
      );
    }, limits.timeoutMs);

    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    child.on('message', (message: ChildMessage) => {
      if ('progress' in message) {
        options.onProgress?.(message.progress);
        return;
      }
      reply = message;
    });
    child.on('error', (err) => {
      options.logger?.error({ err: { message: err.message } }, 'ingestion engine spawn failed');
      finish(failed('engine_failed'));
    });
    child.on('exit', (code, signal) => {
      if (reply?.ok) {
        const phases = reply.result.phases.map((p) => `${p.name} ${p.ms}/${p.cpuMs}`).join(', ');
        options.logger?.debug(
          { rows: reply.result.rowsRead, ms: reply.result.durationMs, phases },
          'ingestion engine finished',
        );
        finish(null, reply.result);
        return;
      }
      if (reply && !reply.ok) {
        options.logger?.info(
          { code: reply.code, detail: reply.detail },
          'ingestion engine rejected the upload',
        );
        finish(new IngestionEngineError(reply.code as IngestionEngineErrorCode, reply.message));
        return;
      }
      options.logger?.error(
        { exitCode: code, signal, stderr: stderr.slice(-2000) },
        'ingestion engine exited without an answer',
      );
      finish(failed(crashCode(code, signal, stderr)));
    });

    child.send(request);
  });
}

/** V8 heap exhaustion aborts (134/SIGABRT) with a recognizable message; the OOM killer SIGKILLs. */
function crashCode(
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: string,
): IngestionEngineErrorCode {
  if (/heap out of memory|Allocation failed|out of memory/i.test(stderr)) return 'out_of_memory';
  if (signal === 'SIGKILL' || signal === 'SIGABRT' || code === 134) return 'out_of_memory';
  return 'engine_failed';
}

function failed(code: IngestionEngineErrorCode): IngestionEngineError {
  if (code === 'out_of_memory') {
    return new IngestionEngineError(
      'out_of_memory',
      'The upload needs more memory than an ingestion may use. Split it into smaller files.',
    );
  }
  return new IngestionEngineError(
    code,
    'The file could not be processed. Try again, and contact support if it persists.',
  );
}

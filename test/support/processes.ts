import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/*
 * Real `finops` processes for fault tests: the same entry point an operator runs, so a SIGKILL
 * or a SIGTERM hits exactly what production would. Every process started here is killed and
 * its DATA_DIR removed by `stop()`, which tests call from `after` even when a case failed.
 */

const CLI = resolve('src/cli/index.ts');

export interface FinopsProcess {
  child: ChildProcess;
  pid: number;
  /** Port of `serve` (0 for other commands). */
  port: number;
  baseUrl: string;
  dataDir: string;
  /** stdout/stderr lines so far; JSON log lines parsed, other lines as `{ text }`. */
  lines(): Record<string, unknown>[];
  /** Resolves with the first line matching, or rejects after `timeoutMs` or on exit. */
  waitForLine(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code and signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process if it still runs, waits for it, removes its DATA_DIR. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface StartOptions {
  databaseUrl: string;
  env?: Record<string, string>;
  /** Reuse a DATA_DIR (a restarted worker must find the uploads of the one it replaces). */
  dataDir?: string;
}

export async function startFinops(
  command: 'serve' | 'worker',
  options: StartOptions,
): Promise<FinopsProcess> {
  const port = command === 'serve' ? await freePort() : 0;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'finops-proc-'));
  const ownsDataDir = !options.dataDir;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, command], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      DATABASE_URL: options.databaseUrl,
      DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const onData = (stream: 'stdout' | 'stderr') => {
    let pending = '';
    return (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const text of parts.filter(Boolean)) {
        lines.push(parseLine(text, stream));
      }
      for (const wake of waiters) wake();
    };
  };
  child.stdout!.on('data', onData('stdout'));
  child.stderr!.on('data', onData('stderr'));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => {
      done({ code, signal });
      for (const wake of waiters) wake();
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const proc: FinopsProcess = {
    child,
    pid: child.pid!,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    exited,
    lines: () => lines,
    waitForLine(match, timeoutMs = 30_000) {
      return new Promise((resolveLine, reject) => {
        const check = () => {
          const found = lines.find(match);
          if (found) return finish(() => resolveLine(found));
          if (hasExited) return finish(() => reject(new Error(exitMessage(command, lines))));
        };
        const finish = (then: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          then();
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`timed out; ${exitMessage(command, lines)}`))),
          timeoutMs,
        );
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (!hasExited) {
        child.kill('SIGKILL');
        await exited;
      }
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };

  if (command === 'serve') {
    await proc.waitForLine((l) => l.msg === 'FinOpsLatam API listening', 60_000);
  } else {
    await proc.waitForLine((l) => l.msg === 'ingestion worker started', 60_000);
  }
  return proc;
}

function parseLine(text: string, stream: string): Record<string, unknown> {
  if (text.startsWith('{')) {
    try {
      return { ...(JSON.parse(text) as Record<string, unknown>), stream };
    } catch {
      // A partial or foreign line: kept as text below.
    }
  }
  return { text, stream };
}

function exitMessage(command: string, lines: Record<string, unknown>[]): string {
  const tail = lines
    .slice(-15)
    .map((l) => JSON.stringify(l))
    .join('\n');
  return `finops ${command} did not get there; last lines:\n${tail}`;
}

/** Direct children of a process (Linux /proc), to find an engine child left running. */
export function childPids(pid: number): number[] {
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return [];
  const out: number[] = [];
  for (const task of readdirSync(dir)) {
    try {
      const text = readFileSync(join(dir, task, 'children'), 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {
      // The task ended while we read.
    }
  }
  return out;
}

/** The command line of a process ('' once it is gone). */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it returns a truthy value or `timeoutMs` passes. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last ? ` (last error: ${(last as Error).message})` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './processes.js';

/*
 * A throwaway PostgreSQL cluster of the test's own (initdb into a temp dir, a free port, TCP
 * on 127.0.0.1 only), so a test may stop and start it under load without touching the
 * machine's server that other suites share. `destroy()` stops it and removes the directory.
 */

export interface PgCluster {
  port: number;
  dir: string;
  /** Superuser URL of the `postgres` database. */
  url(database?: string): string;
  start(): void;
  /** `fast` ends sessions cleanly; `immediate` is closer to a crash. */
  stop(mode?: 'fast' | 'immediate'): void;
  destroy(): void;
}

/** The newest PostgreSQL binaries installed (Debian layout), or null when there are none. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** initdb and postgres refuse to run as root; as root the cluster runs as `postgres`. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('postgres:'));
  if (!entry) throw new Error('running as root needs a `postgres` system user for initdb');
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function createCluster(): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'finops-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const port = await freePort();

  const run = (tool: string, args: string[]) => {
    const result = spawnSync(join(bin, tool), args, {
      ...(user ?? {}),
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', LC_ALL: 'C.UTF-8' },
    });
    if (result.status !== 0) {
      throw new Error(`${tool} failed: ${result.stderr || result.stdout}`);
    }
  };

  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // No unix socket (a second server on the shared socket dir would be confusing), no fsync:
  // the cluster lives for one test file.
  const options = [
    `-p ${port}`,
    "-k ''",
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=60',
  ].join(' ');

  const cluster: PgCluster = {
    port,
    dir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start() {
      run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
    },
    stop(mode = 'fast') {
      run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    },
    destroy() {
      if (existsSync(join(data, 'postmaster.pid'))) {
        try {
          execFileSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], {
            ...(user ?? {}),
            stdio: 'ignore',
          });
        } catch {
          // Already stopping or stopped.
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    cluster.start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return cluster;
}

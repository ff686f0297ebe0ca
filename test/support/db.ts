import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

import { sql } from 'drizzle-orm';

import { fromPglite, openDatabase, queryRows, type Database } from '../../src/db/client.js';
import { MIGRATIONS_FOLDER, runMigrations } from '../../src/db/migrate.js';
import { keepRows, sweepEnabled } from './canary.js';

const CACHE_DIR = resolve('.test-cache');

export interface TestDatabase {
  database: Database;
  /** The connection URL on a real server (null for PGlite), for child processes. */
  url: string | null;
  /** Closes the connection and, on a real server, drops the per-file database. */
  dispose(): Promise<void>;
}

/** Which engine this run tests: a real server when TEST_DATABASE_URL is set, else PGlite. */
export function testEngine(): 'postgres' | 'embedded' {
  return process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  return url ? createPostgresDatabase(url) : createEmbeddedDatabase();
}

/** A fresh database per test file on the real server, migrated, dropped afterwards. */
async function createPostgresDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `finops_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolMax: 5 });
  await runMigrations(database);

  return {
    database,
    url: url.toString(),
    async dispose() {
      await keepSecurityEvents(database);
      await database.close();
      const cleaner = new pg.Client({ connectionString: adminUrl });
      await cleaner.connect();
      await cleaner.query(`drop database if exists ${name} with (force)`);
      await cleaner.end();
    },
  };
}

/** Fingerprint of the migrations, so a changed migration rebuilds the cached template. */
function migrationsHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(entry.name).update(readFileSync(path));
    }
  };
  walk(MIGRATIONS_FOLDER);
  return hash.digest('hex').slice(0, 16);
}

export function templatePath(): string {
  return join(CACHE_DIR, `pglite-template-${migrationsHash()}.tar.gz`);
}

/**
 * Migrating a fresh PGlite takes seconds; loading a migrated dump takes a fraction. The dump is
 * made once per migrations version (scripts/test.mjs makes it before the files run).
 */
export async function ensureTemplate(): Promise<string> {
  const path = templatePath();
  if (existsSync(path)) return path;
  mkdirSync(CACHE_DIR, { recursive: true });
  const pglite = await PGlite.create();
  await runMigrations(fromPglite(pglite));
  const dump = await pglite.dumpDataDir('gzip');
  await pglite.close();
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, path);
  for (const old of readdirSync(CACHE_DIR)) {
    if (
      old.startsWith('pglite-template-') &&
      join(CACHE_DIR, old) !== path &&
      !old.endsWith('.tmp')
    ) {
      rmSync(join(CACHE_DIR, old), { force: true });
    }
  }
  return path;
}

async function createEmbeddedDatabase(): Promise<TestDatabase> {
  const path = await ensureTemplate();
  const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(path)]) });
  const database = fromPglite(pglite);
  return {
    database,
    url: null,
    async dispose() {
      await keepSecurityEvents(database);
      await database.close();
    },
  };
}

/** The events table goes to the secrets sweep before the database is dropped. */
async function keepSecurityEvents(database: Database): Promise<void> {
  if (!sweepEnabled()) return;
  try {
    keepRows('security_events', await queryRows(database.db, sql`select * from security_events`));
  } catch (err) {
    // A test that broke its database on purpose still gets disposed; the sweep says so.
    keepRows('unreadable', [{ error: (err as Error).message }]);
  }
}

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { sql } from 'drizzle-orm';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';

import { queryRows, type Database } from './client.js';

/** `drizzle/` sits two levels above both `src/db` and `dist/db`. */
export const MIGRATIONS_FOLDER = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'drizzle',
);

// One arbitrary constant shared by every process that may migrate this database.
const MIGRATION_LOCK_KEY = 4_120_250_001;

interface Journal {
  entries: { idx: number; when: number; tag: string }[];
}

function readJournal(): Journal {
  return JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));
}

/**
 * Applies pending migrations as the connection's (owner) role. On a shared server an advisory
 * lock makes concurrent starters wait for the first one instead of racing it; re-running is a
 * no-op because drizzle records each applied migration.
 */
export async function runMigrations(database: Database): Promise<{ applied: number }> {
  const before = await appliedCount(database);

  if (database.kind === 'embedded') {
    await migratePglite(database.db as unknown as PgliteDatabase, {
      migrationsFolder: MIGRATIONS_FOLDER,
    });
  } else {
    const pool = database.pool!;
    const lockClient = await pool.connect();
    try {
      await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await migrateNodePg(database.db as unknown as NodePgDatabase, {
        migrationsFolder: MIGRATIONS_FOLDER,
      });
    } finally {
      await lockClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
      lockClient.release();
    }
  }

  return { applied: (await appliedCount(database)) - before };
}

async function appliedCount(database: Database): Promise<number> {
  const [exists] = await queryRows<{ present: boolean }>(
    database.db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (!exists?.present) return 0;
  const [row] = await queryRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  return row?.n ?? 0;
}

export interface MigrationStatus {
  current: boolean;
  applied: number;
  expected: number;
}

/** Readiness asks this: a replica started on an older schema must not take traffic. */
export async function migrationStatus(database: Database): Promise<MigrationStatus> {
  const expected = readJournal().entries.length;
  const applied = await appliedCount(database);
  return { current: applied >= expected, applied, expected };
}

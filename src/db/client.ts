import { mkdirSync } from 'node:fs';

import { PGlite } from '@electric-sql/pglite';
import { sql, type ExtractTablesWithRelations, type SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';

import type { Logger } from '../lib/logger.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Queryable = Db | Tx;

/** Raw SQL with typed rows; both drivers answer `{ rows }`. */
export async function queryRows<T>(db: Queryable, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export interface Database {
  readonly kind: 'embedded' | 'postgres';
  /** Drizzle over the owner connection. Services reach tenant data only through `tenant.ts`. */
  readonly db: Db;
  readonly pglite: PGlite | null;
  readonly pool: pg.Pool | null;
  /** `select 1` bounded by a timeout; rejects when the database does not answer in time. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string | null;
  dataDir?: string | null;
  poolMax?: number;
  logger?: Logger;
}

/** Session settings that keep one slow or stuck statement from holding a connection forever. */
const PG_SESSION_OPTIONS = [
  '-c statement_timeout=30000',
  '-c idle_in_transaction_session_timeout=60000',
  '-c lock_timeout=10000',
  // JIT compilation costs more than it saves on our short analytic queries (measured ~0.8 s).
  '-c jit=off',
].join(' ');

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openEmbedded(options);
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    options: PG_SESSION_OPTIONS,
    application_name: 'finopslatam-api',
  });
  // An idle client losing its server emits 'error' on the pool; unhandled, it kills the process.
  pool.on('error', (err) => {
    options.logger?.warn({ err: { message: err.message } }, 'database idle client error');
  });
  // A client checked out of the pool (a transaction between two statements, a COPY) has no
  // listener of the pool's, so a server shutdown reaching it there would throw from the
  // EventEmitter and end the process. The caller still sees the failure (the client's next
  // query rejects) and the pool drops a client that is not queryable when it is released.
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      options.logger?.warn({ err: { message: err.message } }, 'database connection lost');
    });
  });
  const db = drizzleNodePg(pool, { schema }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    pglite: null,
    pool,
    ping: (timeoutMs) => withTimeout(pool.query('select 1').then(() => undefined), timeoutMs),
    close: () => pool.end(),
  };
}

async function openEmbedded(options: DatabaseOptions): Promise<Database> {
  let pglite: PGlite;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    pglite = await PGlite.create(options.dataDir);
  } else {
    pglite = await PGlite.create();
  }
  return fromPglite(pglite);
}

/** Wraps an already-open PGlite (tests load a migrated template into one). */
export function fromPglite(pglite: PGlite): Database {
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  let closed = false;
  return {
    kind: 'embedded',
    db,
    pglite,
    pool: null,
    ping: (timeoutMs) => withTimeout(db.execute(sql`select 1`).then(() => undefined), timeoutMs),
    close: async () => {
      if (closed) return;
      closed = true;
      await pglite.close();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

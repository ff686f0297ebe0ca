import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

import type { Database } from '../../../db/client.js';
import { FACT_COLUMNS } from './copy-file.js';

/**
 * Loads an engine COPY file into `cost_daily_staging` as the tenant (role app_user,
 * app.client_id set), so row-level security checks every row's client_id.
 *
 * PostgreSQL refuses COPY FROM into a table with row-level security, so rows are copied into
 * a transaction-local temp table (no RLS) and moved with one INSERT … SELECT, which RLS does
 * check. The swap into cost_daily and the ingestions row belong to the ingestion service.
 */

export interface LoadFactsInput {
  clientId: string;
  ingestionId: string;
  /** Path of the COPY text file written by the engine. */
  file: string;
}

const COLUMN_LIST = FACT_COLUMNS.join(', ');
const TEMP_TABLE = 'ingest_load';
const CREATE_TEMP =
  `CREATE TEMP TABLE ${TEMP_TABLE} ON COMMIT DROP AS ` +
  `SELECT ${COLUMN_LIST} FROM cost_daily_staging WITH NO DATA`;
const MOVE =
  `INSERT INTO cost_daily_staging (${COLUMN_LIST}) ` + `SELECT ${COLUMN_LIST} FROM ${TEMP_TABLE}`;
// Refuses a file written for another ingestion (RLS already refuses another client).
const FOREIGN_ROWS = `SELECT count(*)::int AS n FROM ${TEMP_TABLE} WHERE ingestion_id <> $1`;
const SET_TENANT =
  "SELECT set_config('role', 'app_user', true), set_config('app.client_id', $1, true), " +
  "set_config('statement_timeout', '600000', true)";
/** PGlite holds each COPY blob in WASM memory; line-aligned chunks bound that. */
const PGLITE_CHUNK_BYTES = 8 * 1024 * 1024;

export async function loadFacts(database: Database, input: LoadFactsInput): Promise<number> {
  if (database.pool) return loadPostgres(database.pool, input);
  if (database.pglite) return loadPglite(database.pglite, input);
  throw new Error('loadFacts needs a PostgreSQL pool or a PGlite instance');
}

async function loadPostgres(pool: pg.Pool, input: LoadFactsInput): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(SET_TENANT, [input.clientId]);
    await client.query(CREATE_TEMP);

    const copy = client.query(copyFrom(`COPY ${TEMP_TABLE} (${COLUMN_LIST}) FROM STDIN`));
    await pipeline(createReadStream(input.file), copy);

    await refuseForeignRows((sql, params) => client.query(sql, params), input);
    const moved = await client.query(MOVE);
    await client.query('COMMIT');
    return moved.rowCount ?? 0;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * PGlite's COPY reads '/dev/blob', which PostgreSQL treats as a server file that app_user may
 * not read; so the owner fills the temp table and hands it to app_user, and only then does the
 * transaction switch role for the RLS-checked INSERT.
 */
async function loadPglite(pglite: PGlite, input: LoadFactsInput): Promise<number> {
  return pglite.transaction(async (tx: Transaction) => {
    await tx.exec(CREATE_TEMP);
    for await (const chunk of lineAlignedChunks(input.file, PGLITE_CHUNK_BYTES)) {
      await tx.query(`COPY ${TEMP_TABLE} (${COLUMN_LIST}) FROM '/dev/blob'`, [], {
        blob: new Blob([chunk]),
      });
    }
    await tx.exec(`GRANT SELECT ON ${TEMP_TABLE} TO app_user`);

    await tx.query(SET_TENANT, [input.clientId]);
    await refuseForeignRows((sql, params) => tx.query(sql, params), input);
    const moved = await tx.query(MOVE);
    return moved.affectedRows ?? 0;
  });
}

async function refuseForeignRows(
  query: (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }>,
  input: LoadFactsInput,
): Promise<void> {
  const { rows } = await query(FOREIGN_ROWS, [input.ingestionId]);
  const foreign = (rows[0] as { n: number } | undefined)?.n ?? 0;
  if (foreign > 0) {
    throw new Error(`COPY file holds ${foreign} rows of another ingestion`);
  }
}

/** Splits a file into pieces ending on a newline, each about `size` bytes. */
async function* lineAlignedChunks(path: string, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const data of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    pending.push(data as Buffer);
    pendingBytes += (data as Buffer).length;
    if (pendingBytes < size) continue;

    const joined = Buffer.concat(pending);
    const cut = joined.lastIndexOf(0x0a) + 1;
    if (cut === 0) continue;
    yield joined.subarray(0, cut);
    pending = [joined.subarray(cut)];
    pendingBytes = pending[0]!.length;
  }
  const rest = Buffer.concat(pending);
  if (rest.length > 0) yield rest;
}

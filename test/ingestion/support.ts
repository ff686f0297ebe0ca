import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

import type {
  EngineLimits,
  EngineResult,
} from '../../src/modules/ingestion/engine/engine.types.js';
import { runIngestionEngine } from '../../src/modules/ingestion/engine/run.js';

export const FIXTURES = resolve('test/fixtures/billing');

export function fixture(path: string): string {
  return join(FIXTURES, path);
}

export interface EngineRun {
  result: EngineResult;
  dir: string;
  clientId: string;
  ingestionId: string;
}

/** A scratch folder removed after the test file (node:test `after`). */
export function scratchDir(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'finops-ingest-test-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function runEngine(
  dir: string,
  paths: string[],
  limits: Partial<EngineLimits> = {},
  ids: { clientId?: string; ingestionId?: string } = {},
): Promise<EngineRun> {
  const clientId = ids.clientId ?? randomUUID();
  const ingestionId = ids.ingestionId ?? randomUUID();
  const result = await runIngestionEngine({
    clientId,
    ingestionId,
    files: paths.map((path) => ({ path, name: basename(path) })),
    outputPath: join(dir, `${ingestionId}.copy`),
    workDir: dir,
    limits: { threads: 1, duckdbMemoryLimit: '256MB', ...limits },
  });
  return { result, dir, clientId, ingestionId };
}

let instance: DuckDBInstance | null = null;

/**
 * The tests' own DuckDB, in this process, for independent computations over the raw files:
 * the expected totals come from SQL written in the test, not from the engine's adapters.
 */
export async function duck(sql: string): Promise<Record<string, string | null>[]> {
  instance ??= await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await instance.connect();
  try {
    await con.run("SET TimeZone = 'UTC'");
    const rows = (await con.runAndReadAll(sql)).getRowObjectsJson();
    return rows.map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)])),
    );
  } finally {
    con.closeSync();
  }
}

/** First row of an independent query. */
export async function duckOne(sql: string): Promise<Record<string, string | null>> {
  const rows = await duck(sql);
  return rows[0]!;
}

import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import {
  LINE_DIMENSIONS,
  LINE_METRICS,
  type FormatAdapter,
  type HeaderInfo,
  type LineDimension,
} from './adapters/adapter.js';
import { detectAdapter } from './adapters/index.js';
import { COPY_TEXT_OPTIONS, FACT_COLUMNS, copySelect } from './copy-file.js';
import {
  DEFAULT_LIMITS,
  IngestionEngineError,
  type AccountFound,
  type CurrencyTotals,
  type EngineLimits,
  type EnginePhase,
  type EngineRequest,
  type EngineResult,
  type PeriodFound,
  type RejectSample,
} from './engine.types.js';
import { dialectOf, parseHeader, checkNames, type CsvDialect } from './header.js';
import { prepareFile, type PreparedFile } from './prepare.js';
import { ProgressTracker, type ProgressSink } from './progress.js';
import { Mapper, MONEY_TYPE, ident, lit, type SourceColumn } from './sql.js';

/**
 * The engine proper, run inside the child process: prepare files, read them with DuckDB as
 * text, normalize each row through its format adapter, aggregate to daily facts, write the
 * COPY file and summarize. Nothing here touches PostgreSQL.
 */

const MAX_REJECT_SAMPLES = 20;
const OVERFLOW_COLUMN = 'c_overflow';
/** numeric(24,10) in PostgreSQL holds 14 integer digits. */
const FACT_MONEY_LIMIT = '100000000000000';

interface DataFile {
  index: number;
  name: string;
  kind: 'csv' | 'parquet';
  /** SQL of the source relation (read_csv / read_parquet). */
  relation: string;
  columns: SourceColumn[];
  adapter: FormatAdapter;
  /**
   * SQL selecting one normalized line per row, with `reject_reason`; a deferred dimension is
   * there as its inputs (`tags__0`, …) and built from them by its `deferred` expression.
   */
  lines: string;
  deferred: Map<LineDimension, string>;
}

/** Wall and CPU time per step (CPU counts DuckDB's threads too), for the bench and the logs. */
class PhaseClock {
  readonly phases: EnginePhase[] = [];
  private wall = performance.now();
  private cpu = process.cpuUsage();

  lap(name: string): void {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    const cpuMs = (cpu.user - this.cpu.user + cpu.system - this.cpu.system) / 1000;
    this.phases.push({ name, ms: Math.round(wall - this.wall), cpuMs: Math.round(cpuMs) });
    this.wall = wall;
    this.cpu = cpu;
  }
}

export async function ingest(
  request: EngineRequest,
  onProgress: ProgressSink = () => undefined,
): Promise<EngineResult> {
  const started = Date.now();
  const clock = new PhaseClock();
  const limits: EngineLimits = { ...DEFAULT_LIMITS, ...request.limits };
  await mkdir(request.workDir, { recursive: true });

  const sizes = await Promise.all(request.files.map(async (f) => (await stat(f.path)).size));
  const progress = new ProgressTracker(
    onProgress,
    sizes.reduce((a, b) => a + b, 0),
  );
  // One inflate + check + write pass, then DuckDB's parallel scan of the plain file. Measured
  // slower on 2 busy cores: DuckDB reading the .gz itself (it scans gzip on one thread) and
  // checking the text alongside its scan (the check competes with DuckDB's two threads).
  // TODO(ingestion): hand line-aligned parts to DuckDB as they are written once an idle-machine
  // run shows the serial pass as the limit; most of its cost is the kernel writing the text.
  const prepared: PreparedFile[] = [];
  for (const [index, file] of request.files.entries()) {
    let lines = 0;
    const onRead = (read: { bytes: number; lines: number }) => {
      lines = read.lines;
      progress.reading(read.bytes, read.lines);
    };
    prepared.push(await prepareFile(file, index, request.workDir, limits, onRead));
    progress.reading(sizes[index]!, lines, true);
  }
  clock.lap('prepare');
  if (!prepared.some((file) => file.kind !== 'ignored')) {
    throw new IngestionEngineError(
      'empty_file',
      'The upload holds no billing data file (only manifests). Add the CSV or Parquet parts.',
    );
  }

  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(limits.threads),
    memory_limit: limits.duckdbMemoryLimit,
    temp_directory: join(request.workDir, 'duckdb-spill'),
  });
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    // Nothing the engine writes depends on row order (the reject scan sets it back).
    await connection.run('SET preserve_insertion_order = false');
    await connection.run('SET enable_progress_bar = true');
    await connection.run('SET enable_progress_bar_print = false');
    return await run(connection, request, limits, prepared, started, clock, progress);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function run(
  con: DuckDBConnection,
  request: EngineRequest,
  limits: EngineLimits,
  prepared: PreparedFile[],
  started: number,
  clock: PhaseClock,
  progress: ProgressTracker,
): Promise<EngineResult> {
  const latestTime = new Date(Date.now() + 366 * 24 * 3600 * 1000);
  const files: DataFile[] = [];
  for (const [index, file] of prepared.entries()) {
    if (file.kind === 'ignored') continue;
    files.push(await describeFile(con, index, file, limits, latestTime));
  }
  checkSameFormat(files);

  clock.lap('describe');

  const aggregated = await aggregate(con, files, progress);
  clock.lap('aggregate');
  const { counts: rowsPerFile, malformed } = await rowCounts(con, files);
  const rowsRejected = aggregated.rejected + malformed;
  const rowsRead = [...rowsPerFile.values()].reduce((a, b) => a + b, 0);
  if (rowsRead === 0) {
    throw new IngestionEngineError(
      'empty_file',
      'The upload has a header but no data rows. Export a period that has costs.',
    );
  }

  const rejects = await collectRejects(con, files, aggregated.rejected);
  checkRejectRatio(rowsRejected, rowsRead, limits, rejects);
  clock.lap('rejects');
  progress.writing(rowsRead);

  await buildFacts(con);
  clock.lap('facts');
  const factCount = await writeFacts(con, request);
  clock.lap('write');
  const adapter = files[0]!.adapter;
  const summary = {
    periods: await periods(con),
    accounts: await accounts(con),
    totals: await totals(con),
  };
  clock.lap('summary');

  return {
    format: adapter.id,
    formatVersion: adapter.version(headerInfo(files[0]!.columns)),
    files: prepared.map((file, index) => ({
      name: file.name,
      kind: file.kind,
      rowsRead: rowsPerFile.get(index) ?? 0,
    })),
    rowsRead,
    rowsRejected,
    rejects,
    factCount,
    ...summary,
    copyFile: request.outputPath,
    columns: FACT_COLUMNS,
    durationMs: Date.now() - started,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    phases: clock.phases,
  };
}

function headerInfo(columns: SourceColumn[]): HeaderInfo {
  return { columns, lower: new Set(columns.map((c) => c.name.toLowerCase())) };
}

async function describeFile(
  con: DuckDBConnection,
  index: number,
  file: Exclude<PreparedFile, { kind: 'ignored' }>,
  limits: EngineLimits,
  latestTime: Date,
): Promise<DataFile> {
  let relation: string;
  let columns: SourceColumn[];
  if (file.kind === 'csv') {
    const dialect = dialectOf(file.headerLine);
    const names = parseHeader(file.name, file.headerLine, dialect, limits);
    columns = names.map((name, i) => ({ name, ref: `c${i}`, type: 'VARCHAR' }));
    relation = csvRelation(file.path, index, columns, dialect, limits);
  } else {
    relation = `read_parquet(${lit(file.path)}, file_row_number = true)`;
    columns = await parquetColumns(con, file.name, relation);
    checkNames(
      file.name,
      columns.map((c) => c.name),
      limits,
    );
  }

  const header = headerInfo(columns);
  const adapter = detectAdapter(file.name, header);
  const mapper = new Mapper(columns, {
    latestTime,
    nullLiterals: [...(adapter.nullLiterals ?? [])],
    exponents: adapter.exponents ?? false,
  });
  if (file.kind === 'csv') {
    const overflow = lit('the record has more fields than the header');
    mapper.check(`${OVERFLOW_COLUMN} IS NOT NULL`, overflow);
  }
  const select = adapter.map(mapper);
  const exprs: string[] = [];
  const deferred = new Map<LineDimension, string>();
  for (const name of [...LINE_DIMENSIONS, ...LINE_METRICS]) {
    const inputs = DEFERRABLE.has(name) ? deferrableInputs(select[name], columns) : null;
    if (!inputs) {
      exprs.push(`${select[name]} AS ${name}`);
      continue;
    }
    let expr = select[name];
    for (const [i, alias] of inputs.entries()) {
      exprs.push(`${alias} AS ${name}__${i}`);
      expr = expr.replaceAll(new RegExp(`\\b${alias}\\b`, 'g'), `${name}__${i}`);
    }
    deferred.set(name as LineDimension, expr);
  }
  const rowNumber = file.kind === 'parquet' ? 'file_row_number + 1' : 'NULL::BIGINT';
  const lines =
    `SELECT ${index} AS file_index, ${rowNumber} AS row_number, ${exprs.join(',\n  ')},\n  ` +
    `${mapper.reason()} AS reject_reason FROM ${mapper.from(relation)}`;
  return { index, name: file.name, kind: file.kind, relation, columns, adapter, lines, deferred };
}

/**
 * Tags and extras are JSON objects built from several text columns; building them per line
 * cost a fifth of the engine. They are built after the first GROUP BY instead, once per
 * distinct combination of their inputs, which gives the same facts.
 */
const DEFERRABLE: ReadonlySet<string> = new Set<LineDimension>(['tags', 'x']);

/**
 * The once-per-row values (`__v…` aliases) an expression reads, or null when it also reads a
 * source column directly (CUR 2.0 map columns), which the grouped rows no longer have.
 */
function deferrableInputs(expr: string, columns: SourceColumn[]): string[] | null {
  const aliases = [...new Set(expr.match(/\b__v[01]_\d+\b/g) ?? [])];
  const code = expr.replaceAll(/'(?:[^']|'')*'/g, "''").replaceAll(/\b__v[01]_\d+\b/g, '');
  const readsSource = columns.some((c) =>
    c.ref.startsWith('"') ? code.includes(c.ref) : new RegExp(`\\b${c.ref}\\b`).test(code),
  );
  return readsSource || /\bc_overflow\b/.test(code) ? null : aliases;
}

/**
 * Every column as VARCHAR under a positional name (c0, c1, …): header names never reach SQL,
 * and DuckDB guesses nothing. Malformed records are skipped and listed in a rejects table.
 * One more column than the header catches records with extra fields (non-strict mode would
 * otherwise drop them silently); null_padding fills records with fewer fields.
 * strict_mode is off because DuckDB's strict parser refuses some real exports (koku's
 * camel-case Azure file: CRLF without a final newline); values are validated per column anyway.
 */
function csvRelation(
  path: string,
  index: number,
  columns: SourceColumn[],
  dialect: CsvDialect,
  limits: EngineLimits,
): string {
  const spec = [...columns.map((c) => c.ref), OVERFLOW_COLUMN]
    .map((ref) => `${lit(ref)}: 'VARCHAR'`)
    .join(', ');
  const quote = dialect.quote ?? '';
  return (
    `read_csv(${lit(path)}, header = false, skip = 1, auto_detect = false, ` +
    `columns = {${spec}}, delim = ${lit(dialect.delimiter)}, quote = ${lit(quote)}, ` +
    `escape = ${lit(quote)}, nullstr = ${lit(dialect.nullStrings[0]!)}, null_padding = true, ` +
    `max_line_size = ${limits.maxLineBytes + 1024}, ignore_errors = true, strict_mode = false, ` +
    `store_rejects = true, rejects_table = 'rejects_${index}', rejects_scan = 'scans_${index}')`
  );
}

async function parquetColumns(
  con: DuckDBConnection,
  fileName: string,
  relation: string,
): Promise<SourceColumn[]> {
  try {
    const described = await con.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
    const rows = described.getRowObjectsJson();
    return rows
      .map((row) => ({
        name: String(row.column_name),
        ref: ident(String(row.column_name)),
        type: String(row.column_type),
      }))
      .filter((column) => column.name !== 'file_row_number');
  } catch (err) {
    throw new IngestionEngineError(
      'corrupt_file',
      `"${fileName}" is not a readable Parquet file. Export it again or upload the CSV version.`,
      { cause: err },
    );
  }
}

function checkSameFormat(files: DataFile[]): void {
  const first = files[0]!;
  const label = (f: DataFile) => `${f.adapter.id} ${f.adapter.version(headerInfo(f.columns))}`;
  for (const file of files.slice(1)) {
    if (label(file) !== label(first)) {
      throw new IngestionEngineError(
        'mixed_formats',
        `"${first.name}" is ${label(first)} but "${file.name}" is ${label(file)}. ` +
          'Upload files of one export format per ingestion.',
      );
    }
  }
}

const DIMENSIONS = LINE_DIMENSIONS.join(', ');

/**
 * One scan per file, grouped to daily rows with its rejected rows apart (flag) so they are
 * counted but never loaded; then the deferred dimensions are built and the files merged.
 */
async function aggregate(
  con: DuckDBConnection,
  files: DataFile[],
  progress: ProgressTracker,
): Promise<{ rejected: number }> {
  const sums = LINE_METRICS.map((c) => `sum(${c}) AS ${c}`).join(', ');
  const parts: string[] = [];
  try {
    for (const [position, file] of files.entries()) {
      const sql =
        `CREATE TEMP TABLE agg_${file.index} AS SELECT reject_reason IS NOT NULL AS rejected, ` +
        `* EXCLUDE (file_index, row_number, reject_reason, ${LINE_METRICS.join(', ')}), ` +
        `${sums}, count(*) AS line_count FROM (${file.lines}) lines GROUP BY ALL`;
      await progress.aggregating(con, position, files.length, () => con.run(sql));
      const dims = LINE_DIMENSIONS.map((d) => {
        const expr = file.deferred.get(d);
        return expr ? `${expr} AS ${d}` : d;
      });
      parts.push(
        `SELECT ${file.index} AS file_index, rejected, ${dims.join(', ')}, ` +
          `${LINE_METRICS.join(', ')}, line_count FROM agg_${file.index}`,
      );
    }
    await con.run(
      `CREATE TEMP TABLE agg AS SELECT file_index, rejected, ${DIMENSIONS}, ${sums}, ` +
        `sum(line_count)::BIGINT AS line_count FROM (${parts.join('\nUNION ALL\n')}) ` +
        'GROUP BY ALL',
    );
    for (const file of files) await con.run(`DROP TABLE agg_${file.index}`);
  } catch (err) {
    throw duckdbFailure(err, files);
  }
  const rows = (
    await con.runAndReadAll(
      'SELECT coalesce(sum(line_count), 0)::BIGINT AS n FROM agg WHERE rejected',
    )
  ).getRowObjectsJson();
  return { rejected: Number(rows[0]?.n ?? 0) };
}

/** DuckDB errors while scanning mean the bytes are not what they claimed to be. */
function duckdbFailure(err: unknown, files: DataFile[]): IngestionEngineError {
  const text = err instanceof Error ? err.message : String(err);
  if (/out of memory|memory limit/i.test(text)) {
    return new IngestionEngineError(
      'out_of_memory',
      'The upload needs more memory than an ingestion may use. Split it into smaller files.',
      { cause: err },
    );
  }
  const names = files.map((f) => `"${f.name}"`).join(', ');
  return new IngestionEngineError(
    'corrupt_file',
    `${names} could not be read to the end (damaged or truncated data). ` +
      'Export the report again and upload it.',
    { cause: err },
  );
}

async function rowCounts(
  con: DuckDBConnection,
  files: DataFile[],
): Promise<{ counts: Map<number, number>; malformed: number }> {
  const counts = new Map<number, number>();
  let total = 0;
  const rows = (
    await con.runAndReadAll(
      'SELECT file_index, sum(line_count)::BIGINT AS n FROM agg GROUP BY file_index',
    )
  ).getRowObjectsJson();
  for (const row of rows) counts.set(Number(row.file_index), Number(row.n));
  for (const file of files) {
    if (file.kind !== 'csv') continue;
    const malformed = await malformedCount(con, file.index);
    counts.set(file.index, (counts.get(file.index) ?? 0) + malformed);
    total += malformed;
  }
  return { counts, malformed: total };
}

async function malformedCount(con: DuckDBConnection, index: number): Promise<number> {
  const rows = (
    await con.runAndReadAll(`SELECT count(DISTINCT line)::BIGINT AS n FROM rejects_${index}`)
  ).getRowObjectsJson();
  return Number(rows[0]?.n ?? 0);
}

const MALFORMED_REASONS: Record<string, string> = {
  'TOO MANY COLUMNS': 'the record has more fields than the header',
  'MISSING COLUMNS': 'the record has fewer fields than the header',
  'UNQUOTED VALUE': 'a quote is not closed or not followed by a delimiter',
  'LINE SIZE OVER MAXIMUM': 'the record is too long',
  'INVALID ENCODING': 'the record is not valid UTF-8',
  'INVALID UNICODE': 'the record is not valid UTF-8',
};

/**
 * First rejects with their lines. Rare by design, so the file is scanned again single-threaded,
 * which keeps row_number() in file order (line = record number + 1 for the header).
 */
async function collectRejects(
  con: DuckDBConnection,
  files: DataFile[],
  rejectedRows: number,
): Promise<RejectSample[]> {
  const samples: RejectSample[] = [];
  for (const file of files) {
    if (file.kind === 'csv') {
      const rows = (
        await con.runAndReadAll(
          `SELECT line, error_type FROM rejects_${file.index} ` +
            `ORDER BY line LIMIT ${MAX_REJECT_SAMPLES}`,
        )
      ).getRowObjectsJson();
      for (const row of rows) {
        const type = String(row.error_type);
        const reason = MALFORMED_REASONS[type] ?? `malformed CSV record (${type.toLowerCase()})`;
        samples.push({ file: file.name, line: Number(row.line), reason });
      }
    }
  }
  if (rejectedRows > 0) {
    await con.run('SET threads = 1');
    await con.run('SET preserve_insertion_order = true');
    for (const file of files) {
      const numbered =
        file.kind === 'csv'
          ? `SELECT row_number() OVER () + 1 AS line, reject_reason FROM (${file.lines})`
          : `SELECT row_number AS line, reject_reason FROM (${file.lines})`;
      const rows = (
        await con.runAndReadAll(
          `SELECT line, reject_reason FROM (${numbered}) WHERE reject_reason IS NOT NULL ` +
            `LIMIT ${MAX_REJECT_SAMPLES}`,
        )
      ).getRowObjectsJson();
      for (const row of rows) {
        const reason = String(row.reject_reason);
        samples.push({ file: file.name, line: Number(row.line), reason });
      }
    }
  }
  samples.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return samples.slice(0, MAX_REJECT_SAMPLES);
}

function checkRejectRatio(
  rejected: number,
  rowsRead: number,
  limits: EngineLimits,
  samples: RejectSample[],
): void {
  if (rejected / rowsRead <= limits.maxRejectRatio) return;

  const first = samples[0];
  const example = first ? ` First: "${first.file}" line ${first.line}: ${first.reason}.` : '';
  throw new IngestionEngineError(
    'too_many_rejects',
    `${rejected} of ${rowsRead} rows are invalid (more than ` +
      `${(limits.maxRejectRatio * 100).toFixed(0)}%), so nothing was loaded.${example} ` +
      'Fix the export (or upload the provider file unmodified) and try again.',
  );
}

async function buildFacts(con: DuckDBConnection): Promise<void> {
  const sums = LINE_METRICS.map((c) => `sum(${c}) AS ${c}`).join(', ');
  await con.run(
    `CREATE TEMP TABLE facts AS SELECT ${DIMENSIONS}, ${sums}, ` +
      `sum(line_count)::BIGINT AS line_count FROM agg WHERE NOT rejected GROUP BY ALL`,
  );
  const money = LINE_METRICS.filter((c) => c !== 'usage_quantity');
  const over = money.map((c) => `abs(${c}) >= ${FACT_MONEY_LIMIT}`).join(' OR ');
  const rows = (
    await con.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM facts WHERE ${over}`)
  ).getRowObjectsJson();
  if (Number(rows[0]?.n ?? 0) > 0) {
    throw new IngestionEngineError(
      'value_out_of_range',
      'A daily total in this upload exceeds 100 trillion in its currency, which no real bill ' +
        'reaches. Check the cost columns of the export.',
    );
  }
}

/** DuckDB writes the COPY file; returns its row count. */
async function writeFacts(con: DuckDBConnection, request: EngineRequest): Promise<number> {
  const described = (await con.runAndReadAll('DESCRIBE facts')).getRowObjectsJson();
  const text = new Set(
    described.filter((c) => c.column_type === 'VARCHAR').map((c) => String(c.column_name)),
  );
  const select = copySelect('facts', request, text);
  const written = await con.runAndReadAll(
    `COPY (${select}) TO ${lit(request.outputPath)} (${COPY_TEXT_OPTIONS})`,
  );
  return Number(written.getRows()[0]?.[0] ?? 0);
}

async function periods(con: DuckDBConnection): Promise<PeriodFound[]> {
  const rows = (
    await con.runAndReadAll(
      'SELECT DISTINCT provider, billing_account_id, CAST(billing_period_start AS VARCHAR) AS p ' +
        'FROM facts ORDER BY 1, 2, 3',
    )
  ).getRowObjectsJson();
  return rows.map((r) => ({
    provider: String(r.provider),
    billingAccountId: String(r.billing_account_id),
    billingPeriodStart: String(r.p),
  }));
}

async function accounts(con: DuckDBConnection): Promise<AccountFound[]> {
  const rows = (
    await con.runAndReadAll(
      `SELECT provider, 'billing' AS kind, billing_account_id AS id, ` +
        `max(billing_account_name) AS name, NULL AS parent FROM facts GROUP BY 1, 2, 3 ` +
        `UNION ALL SELECT provider, 'sub', sub_account_id, max(sub_account_name), ` +
        `min(billing_account_id) FROM facts WHERE sub_account_id IS NOT NULL GROUP BY 1, 2, 3 ` +
        `ORDER BY 1, 2, 3`,
    )
  ).getRowObjectsJson();
  return rows.map((r) => ({
    provider: String(r.provider),
    kind: r.kind === 'sub' ? 'sub' : 'billing',
    accountId: String(r.id),
    name: r.name === null ? null : String(r.name),
    parentAccountId: r.parent === null ? null : String(r.parent),
  }));
}

async function totals(con: DuckDBConnection): Promise<CurrencyTotals[]> {
  const money = LINE_METRICS.filter((c) => c !== 'usage_quantity');
  const sums = money.map((c) => `CAST(CAST(sum(${c}) AS ${MONEY_TYPE}) AS VARCHAR) AS ${c}`);
  const rows = (
    await con.runAndReadAll(
      `SELECT billing_currency, ${sums.join(', ')}, sum(line_count)::BIGINT AS n ` +
        'FROM facts GROUP BY 1 ORDER BY 1',
    )
  ).getRowObjectsJson();
  return rows.map((r) => ({
    currency: String(r.billing_currency),
    billedCost: String(r.billed_cost),
    netBilledCost: String(r.net_billed_cost),
    effectiveCost: String(r.effective_cost),
    netEffectiveCost: String(r.net_effective_cost),
    listCost: String(r.list_cost),
    lineCount: Number(r.n),
  }));
}

/**
 * Public contract of the ingestion engine: what the caller hands over (files on disk, the tenant
 * and ingestion ids) and what comes back (a PostgreSQL COPY file plus a summary), or one
 * `IngestionEngineError` whose message can be shown to the user as is.
 */

export type IngestionEngineErrorCode =
  | 'unsupported_file'
  | 'unknown_format'
  | 'mixed_formats'
  | 'invalid_encoding'
  | 'bad_header'
  | 'line_too_long'
  | 'decompressed_too_large'
  | 'corrupt_file'
  | 'empty_file'
  | 'too_many_rejects'
  | 'value_out_of_range'
  | 'timeout'
  | 'out_of_memory'
  | 'engine_failed';

export class IngestionEngineError extends Error {
  constructor(
    readonly code: IngestionEngineErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'IngestionEngineError';
  }
}

export function isIngestionEngineError(err: unknown): err is IngestionEngineError {
  return err instanceof IngestionEngineError;
}

export interface EngineLimits {
  /** Bytes after gzip decompression, per file. */
  maxDecompressedBytes: number;
  /** Decompressed / compressed; only enforced past `ratioFloorBytes` so tiny files pass. */
  maxCompressionRatio: number;
  ratioFloorBytes: number;
  /** Longest CSV line (record) in bytes. */
  maxLineBytes: number;
  maxColumns: number;
  /** Share of data rows that may be rejected before the whole ingestion fails. */
  maxRejectRatio: number;
  /** DuckDB buffer manager cap, e.g. '512MB'. */
  duckdbMemoryLimit: string;
  /** V8 heap of the child process, in MB. */
  childHeapMb: number;
  threads: number;
  timeoutMs: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  maxDecompressedBytes: 20 * 1024 ** 3,
  maxCompressionRatio: 1000,
  ratioFloorBytes: 64 * 1024 ** 2,
  maxLineBytes: 1024 ** 2,
  maxColumns: 2048,
  maxRejectRatio: 0.01,
  duckdbMemoryLimit: '1GB',
  childHeapMb: 512,
  threads: 2,
  timeoutMs: 30 * 60 * 1000,
};

export interface EngineFile {
  path: string;
  /** The user's file name: a hint and a label in messages, never trusted. */
  name: string;
}

export interface EngineRequest {
  clientId: string;
  ingestionId: string;
  files: EngineFile[];
  /** Where the COPY text file goes; the caller owns and deletes it. */
  outputPath: string;
  /** Scratch space for decompressed copies and DuckDB spill files; emptied afterwards. */
  workDir: string;
  limits?: Partial<EngineLimits>;
}

/** Sent by the engine while it runs (at most a few times a second). */
export interface EngineProgress {
  step: 'reading' | 'aggregating' | 'writing';
  /** Bytes of the uploaded files read so far (before decompression), and their total. */
  bytesRead: number;
  bytesTotal: number;
  /** Records seen so far: lines while reading text, DuckDB's row count for Parquet. */
  rows: number;
  /** Estimate of the whole run done, 0..1, for a progress bar and an ETA. */
  fraction: number;
}

export interface RejectSample {
  file: string;
  /** 1-based line of the record (header = line 1; blank lines and quoted newlines not counted). */
  line: number;
  reason: string;
}

export interface PeriodFound {
  provider: string;
  billingAccountId: string;
  billingPeriodStart: string;
}

export interface AccountFound {
  provider: string;
  kind: 'billing' | 'sub';
  accountId: string;
  name: string | null;
  /** The billing account a sub-account was seen under. */
  parentAccountId: string | null;
}

export interface CurrencyTotals {
  currency: string;
  billedCost: string;
  netBilledCost: string;
  effectiveCost: string;
  netEffectiveCost: string;
  listCost: string;
  lineCount: number;
}

export interface EngineResult {
  format: string;
  formatVersion: string | null;
  files: { name: string; kind: 'csv' | 'parquet' | 'ignored'; rowsRead: number }[];
  rowsRead: number;
  rowsRejected: number;
  rejects: RejectSample[];
  factCount: number;
  periods: PeriodFound[];
  accounts: AccountFound[];
  totals: CurrencyTotals[];
  copyFile: string;
  columns: readonly string[];
  durationMs: number;
  /** Peak resident memory of the engine process (V8 + DuckDB), for capacity planning. */
  peakRssBytes: number;
  /** Time per engine step, in order (prepare, aggregate, …). */
  phases: EnginePhase[];
}

export interface EnginePhase {
  name: string;
  ms: number;
  /** CPU of the whole engine process during the step, all threads. */
  cpuMs: number;
}

import { z } from 'zod';

import type {
  AccountFound,
  CurrencyTotals,
  PeriodFound,
  RejectSample,
} from '../ingestion/engine/engine.types.js';
import type { IngestionRow } from './ingestions.model.js';

export const INGESTION_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'superseded',
] as const;
export type IngestionStatus = (typeof INGESTION_STATUSES)[number];

/** One uploaded file as kept in `ingestions.files`; `key` names it on disk, never shown. */
export interface StoredFileEntry {
  name: string;
  bytes: number;
  key: string | null;
}

/** What `ingestions.progress` holds while running and after the end. */
export interface IngestionProgress {
  phase?: 'queued' | 'parsing' | 'loading' | 'swapping' | 'done' | 'failed';
  phaseStartedAt?: string;
  /** While parsing: the engine's estimate of the work done (0..1), records and bytes read. */
  fraction?: number;
  rowsSeen?: number;
  bytesRead?: number;
  formatVersion?: string | null;
  facts?: number;
  peakRssBytes?: number;
  discoveredAccounts?: number;
  supersededIds?: string[];
}

export const ingestionListQuery = z
  .object({
    status: z.enum(INGESTION_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

const periodDto = z.object({
  provider: z.string(),
  billing_account_id: z.string(),
  billing_period_start: z.string(),
});

export const ingestionDto = z.object({
  id: z.uuid(),
  status: z.enum(INGESTION_STATUSES),
  source: z.string(),
  created_by: z.uuid().nullable(),
  sha256: z.string(),
  files: z.array(z.object({ name: z.string(), bytes: z.number() })),
  total_bytes: z.number(),
  progress: z.object({
    phase: z.string().nullable(),
    phase_started_at: z.string().nullable(),
    /** While parsing: the engine's estimate of the work done (0..1), rows and bytes read. */
    fraction: z.number().nullable(),
    rows_seen: z.number().nullable(),
    bytes_read: z.number().nullable(),
  }),
  format: z.string().nullable(),
  format_version: z.string().nullable(),
  periods: z.array(periodDto),
  accounts: z.array(
    z.object({
      provider: z.string(),
      kind: z.string(),
      account_id: z.string(),
      name: z.string().nullable(),
      parent_account_id: z.string().nullable(),
    }),
  ),
  rows_read: z.number().int(),
  rows_loaded: z.number().int(),
  rows_rejected: z.number().int(),
  facts: z.number().int().nullable(),
  rejects: z.array(z.object({ file: z.string(), line: z.number(), reason: z.string() })),
  totals: z.array(
    z.object({
      currency: z.string(),
      billed_cost: z.string(),
      net_billed_cost: z.string(),
      effective_cost: z.string(),
      net_effective_cost: z.string(),
      list_cost: z.string(),
      line_count: z.number().int(),
    }),
  ),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  superseded_by: z.uuid().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
});
export type IngestionDto = z.infer<typeof ingestionDto>;

export const ingestionUploadResponse = ingestionDto.extend({
  /** True when the same bytes were already ingested: nothing new was queued. */
  duplicate: z.boolean(),
});

export function toIngestionDto(row: IngestionRow): IngestionDto {
  const progress = row.progress as IngestionProgress;
  const files = row.files as StoredFileEntry[];
  const started = row.startedAt?.getTime() ?? null;
  const finished = row.finishedAt?.getTime() ?? null;
  return {
    id: row.id,
    status: row.status as IngestionStatus,
    source: row.source,
    created_by: row.createdBy,
    sha256: row.sha256,
    files: files.map((f) => ({ name: f.name, bytes: f.bytes })),
    total_bytes: Number(row.totalBytes),
    progress: {
      phase: progress.phase ?? null,
      phase_started_at: progress.phaseStartedAt ?? null,
      fraction: progress.fraction ?? null,
      rows_seen: progress.rowsSeen ?? null,
      bytes_read: progress.bytesRead ?? null,
    },
    format: row.format,
    format_version: progress.formatVersion ?? null,
    periods: (row.periods as PeriodFound[]).map((p) => ({
      provider: p.provider,
      billing_account_id: p.billingAccountId,
      billing_period_start: p.billingPeriodStart,
    })),
    accounts: (row.accounts as AccountFound[]).map((a) => ({
      provider: a.provider,
      kind: a.kind,
      account_id: a.accountId,
      name: a.name,
      parent_account_id: a.parentAccountId,
    })),
    rows_read: row.rowsRead,
    rows_loaded: row.rowsLoaded,
    rows_rejected: row.rowsRejected,
    facts: progress.facts ?? null,
    rejects: row.rejects as RejectSample[],
    totals: (row.totals as CurrencyTotals[]).map((t) => ({
      currency: t.currency,
      billed_cost: t.billedCost,
      net_billed_cost: t.netBilledCost,
      effective_cost: t.effectiveCost,
      net_effective_cost: t.netEffectiveCost,
      list_cost: t.listCost,
      line_count: t.lineCount,
    })),
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
    superseded_by: row.supersededBy,
    created_at: row.createdAt.toISOString(),
    started_at: row.startedAt?.toISOString() ?? null,
    finished_at: row.finishedAt?.toISOString() ?? null,
    duration_ms: started !== null && finished !== null ? finished - started : null,
  };
}

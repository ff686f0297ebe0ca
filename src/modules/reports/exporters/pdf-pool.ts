/**
 * A small pool of PDF renderer threads (`pdf.worker.ts`). Workers start on first use, warm up
 * once (fonts, vega), then take one job at a time; jobs beyond the pool's size wait in order.
 * A job that runs past its timeout takes its worker down with it, and the next job starts a
 * fresh one. Idle workers never keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { PassThrough } from 'node:stream';
import { Worker } from 'node:worker_threads';

import { AppError } from '../../../lib/errors.js';
import type {
  AdminClientRow,
  AdminReportModel,
  ClientReportModel,
  PdfExportOptions,
  ReportExport,
} from '../report.types.js';
import { iterate, settleWith } from './shared.js';

type JobInput =
  | { kind: 'client'; model: ClientReportModel; options: PdfExportOptions }
  | { kind: 'admin'; model: AdminReportModel; options: PdfExportOptions };

export type PdfJob = JobInput & { id: number };

export type PdfJobResult =
  | { id: number; ok: true; bytes: Uint8Array; rows: number }
  | { id: number; ok: false; message: string };

interface Pending {
  job: PdfJob;
  resolve: (result: { bytes: Buffer; rows: number }) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  current: Pending | null;
  timer: NodeJS.Timeout | null;
}

export interface PdfPoolOptions {
  /** Threads at most; each holds vega, pdfkit and the fonts (about 80 MB). */
  size?: number;
  /** A render running longer than this is abandoned (its worker terminated). */
  timeoutMs?: number;
}

/**
 * Under tsx (tests, `npm start`) this file is TypeScript and so is the worker, which a new
 * thread cannot load by itself: tsx's hooks belong to the thread that registered them. The
 * worker then starts from a two-line bootstrap that registers tsx first. From the compiled
 * build (`npm run build`, `bin/finops.js`) the worker is plain JavaScript.
 */
function spawn(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./pdf.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(entry);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot =
    `import(${JSON.stringify(tsx)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true });
}

export function createPdfPool(options: PdfPoolOptions = {}) {
  const size = options.size ?? Math.min(2, Math.max(1, availableParallelism() - 1));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let nextId = 1;

  function start(): Slot {
    const slot: Slot = { worker: spawn(), current: null, timer: null };
    slot.worker.unref();
    slot.worker.on('message', (result: PdfJobResult) => {
      const pending = slot.current;
      if (!pending || pending.job.id !== result.id) return;
      finish(slot);
      if (result.ok) {
        const bytes = Buffer.from(
          result.bytes.buffer,
          result.bytes.byteOffset,
          result.bytes.length,
        );
        pending.resolve({ bytes, rows: result.rows });
      } else {
        pending.reject(new Error(`PDF rendering failed: ${result.message}`));
      }
      dispatch();
    });
    slot.worker.on('error', (error) => retire(slot, error));
    slot.worker.on('exit', (code) => retire(slot, new Error(`PDF worker exited (${code})`)));
    slots.push(slot);
    return slot;
  }

  function finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.current = null;
    // An idle worker must not hold the process open (CLI runs, tests, shutdown).
    slot.worker.unref();
  }

  /** A worker that failed or was stopped leaves the pool; its job, if any, fails with it. */
  function retire(slot: Slot, error: Error): void {
    const index = slots.indexOf(slot);
    if (index < 0) return;
    slots.splice(index, 1);
    const pending = slot.current;
    finish(slot);
    void slot.worker.terminate();
    pending?.reject(error);
    dispatch();
  }

  function assign(slot: Slot, pending: Pending): void {
    slot.current = pending;
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      retire(
        slot,
        new AppError(
          'service_unavailable',
          'The report took too long to render; try again in a moment or ask for a shorter period.',
          { retryAfter: 30 },
        ),
      );
    }, timeoutMs);
    slot.worker.postMessage(pending.job);
  }

  function dispatch(): void {
    while (queue.length > 0) {
      const slot = slots.find((s) => s.current === null) ?? (slots.length < size ? start() : null);
      if (!slot) return;
      assign(slot, queue.shift()!);
    }
  }

  return {
    run(input: JobInput): Promise<{ bytes: Buffer; rows: number }> {
      const job: PdfJob = { ...input, id: nextId++ };
      return new Promise((resolve, reject) => {
        queue.push({ job, resolve, reject });
        dispatch();
      });
    },

    /** Starts the threads ahead of the first report, so no request pays the warm-up. */
    warm(): void {
      while (slots.length < size) start();
    },

    async close(): Promise<void> {
      const closing = [...slots];
      for (const slot of closing) retire(slot, new Error('PDF renderer closed'));
      for (const pending of queue.splice(0)) pending.reject(new Error('PDF renderer closed'));
    },
  };
}

export type PdfPool = ReturnType<typeof createPdfPool>;

let shared: PdfPool | null = null;

/** The process-wide pool, created on first use. */
export function pdfPool(): PdfPool {
  shared ??= createPdfPool();
  return shared;
}

/** The model as it may cross to another thread: no cursors, no generators. */
async function portable(job: JobInput): Promise<JobInput> {
  if (job.kind === 'client') return { ...job, model: { ...job.model, dailyDetail: [] } };
  const clients: AdminClientRow[] = [];
  for await (const row of iterate<AdminClientRow>(job.model.clients)) clients.push(row);
  return { ...job, model: { ...job.model, clients } };
}

/**
 * Renders off the event loop and resolves once the whole PDF exists, so a failure is still an
 * ordinary error answer rather than a download cut short.
 */
export async function renderPdf(
  job: JobInput,
  meta: Pick<ReportExport, 'fileName' | 'contentType' | 'contentDisposition'>,
  pool: PdfPool = pdfPool(),
): Promise<ReportExport> {
  const { bytes, rows } = await pool.run(await portable(job));
  const stream = new PassThrough();
  const done = settleWith(stream, () => rows);
  stream.end(bytes);
  return { ...meta, stream, done };
}

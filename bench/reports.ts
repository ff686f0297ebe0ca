/*
 * Report exporters on synthetic models (no database: the stats providers are measured with the
 * services they call). Prints the client PDF with a 24-month trend twice: rendered on this
 * thread (first render, which pays for JIT and font parsing, then warm renders) and through the
 * worker pool the API uses (first render includes starting and warming the worker), with the
 * longest event-loop stall seen meanwhile; then the XLSX and CSV with 100,000 daily detail rows
 * pulled from a generator (time, peak RSS, size). The output is discarded as it streams.
 *
 *   node --import tsx bench/reports.ts [--pdf-runs 5] [--rows 100000] [--lang es]
 *
 * Targets from issue 8: client PDF under 2 s, XLSX with 100,000 rows under 8 s. The last stdout
 * line is `BENCH_JSON {…}` for `bench/all.ts`.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';

import { exportClientCsv } from '../src/modules/reports/exporters/csv.js';
import { exportClientPdf } from '../src/modules/reports/exporters/pdf.js';
import { createPdfPool, renderPdf } from '../src/modules/reports/exporters/pdf-pool.js';
import { exportClientXlsx } from '../src/modules/reports/exporters/xlsx.js';
import type { ReportExport, ReportLocale } from '../src/modules/reports/report.types.js';
import { buildClientModel } from '../test/reports/fixture.js';
import { emitResult } from './support.js';

const { values } = parseArgs({
  options: {
    'pdf-runs': { type: 'string', default: '5' },
    rows: { type: 'string', default: '100000' },
    lang: { type: 'string', default: 'es' },
  },
});
const pdfRuns = Number(values['pdf-runs']);
const detailRows = Number(values.rows);
const language = values.lang as ReportLocale;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Streams an export into nothing, watching the process's peak RSS while it runs. */
async function drain(make: () => ReportExport | Promise<ReportExport>) {
  let peak = process.memoryUsage().rss;
  let lastTick = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
    const now = performance.now();
    stall = Math.max(stall, now - lastTick - 25);
    lastTick = now;
  }, 25);
  const started = performance.now();
  const cpu = process.cpuUsage();
  let bytes = 0;
  const report = await make();
  await pipeline(
    report.stream,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback();
      },
    }),
  );
  const { rows } = await report.done;
  clearInterval(timer);
  const used = process.cpuUsage(cpu);
  return {
    stallMs: Math.max(stall, performance.now() - lastTick - 25),
    ms: performance.now() - started,
    cpuMs: (used.user + used.system) / 1000,
    bytes,
    rows,
    peak: Math.max(peak, process.memoryUsage().rss),
  };
}

const load = (await loadAverage()).join(' ');
console.log(`node ${process.version}, ${language}, load average ${load}`);

const pdfTimes: number[] = [];
for (let run = 0; run < pdfRuns; run += 1) {
  const result = await drain(() =>
    exportClientPdf(buildClientModel({ language, trendMonths: 24 })),
  );
  pdfTimes.push(result.ms);
  console.log(
    `client PDF, 24-month trend, run ${run + 1}${run === 0 ? ' (cold)' : ''}: ` +
      `${result.ms.toFixed(0)} ms wall, ${result.cpuMs.toFixed(0)} ms CPU, ${mb(result.bytes)}, ` +
      `event loop stalled ${result.stallMs.toFixed(0)} ms`,
  );
}
const warm = pdfTimes.slice(1).sort((a, b) => a - b);
const warmMedian = warm.length > 0 ? warm[Math.floor(warm.length / 2)]! : null;
if (warmMedian !== null) console.log(`client PDF warm median: ${warmMedian.toFixed(0)} ms`);

// The API's path: the same render on a worker thread; "stalled" is the event loop's longest wait.
const pool = createPdfPool({ size: 1 });
const pooled: Array<{ ms: number; stallMs: number }> = [];
for (let run = 0; run < pdfRuns; run += 1) {
  const model = buildClientModel({ language, trendMonths: 24 });
  const meta = { fileName: 'bench.pdf', contentType: 'application/pdf', contentDisposition: '' };
  const result = await drain(() => renderPdf({ kind: 'client', model, options: {} }, meta, pool));
  pooled.push({ ms: result.ms, stallMs: result.stallMs });
  console.log(
    `client PDF on the worker, run ${run + 1}${run === 0 ? ' (starts the worker)' : ''}: ` +
      `${result.ms.toFixed(0)} ms wall, event loop stalled at most ` +
      `${result.stallMs.toFixed(0)} ms, ${mb(result.bytes)}`,
  );
}
await pool.close();
const pooledWarm = pooled
  .slice(1)
  .map((r) => r.ms)
  .sort((a, b) => a - b);
const pooledMedian = pooledWarm.length > 0 ? pooledWarm[Math.floor(pooledWarm.length / 2)]! : null;
if (pooledMedian !== null) {
  console.log(`client PDF on the worker, warm median: ${pooledMedian.toFixed(0)} ms`);
}

const tables: Record<string, { ms: number; cpuMs: number; bytes: number; peakRss: number }> = {};

for (const [name, render] of [
  ['XLSX', exportClientXlsx],
  ['CSV', exportClientCsv],
] as const) {
  const result = await drain(() => render(buildClientModel({ language, detailRows })));
  console.log(
    `${name} with ${detailRows} detail rows: ${(result.ms / 1000).toFixed(2)} s wall, ` +
      `${(result.cpuMs / 1000).toFixed(2)} s CPU, ${Math.round(detailRows / (result.ms / 1000))} ` +
      `rows/s, ${mb(result.bytes)}, peak RSS ${mb(result.peak)}, ${result.rows} rows written, ` +
      `event loop stalled at most ${result.stallMs.toFixed(0)} ms`,
  );
  tables[name.toLowerCase()] = {
    ms: Math.round(result.ms),
    cpuMs: Math.round(result.cpuMs),
    bytes: result.bytes,
    peakRss: result.peak,
  };
}

emitResult({
  bench: 'reports',
  language,
  pdf: {
    runs: pdfTimes.map(Math.round),
    coldMs: pdfTimes[0] === undefined ? null : Math.round(pdfTimes[0]),
    warmMedianMs: warmMedian === null ? null : Math.round(warmMedian),
  },
  pdfWorker: {
    runs: pooled.map((r) => Math.round(r.ms)),
    warmMedianMs: pooledMedian === null ? null : Math.round(pooledMedian),
    maxStallMs: Math.round(Math.max(0, ...pooled.map((r) => r.stallMs))),
  },
  detailRows,
  ...tables,
});

async function loadAverage(): Promise<string[]> {
  const { loadavg } = await import('node:os');
  return loadavg().map((l) => l.toFixed(1));
}

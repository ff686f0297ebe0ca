/*
 * Report exporters on synthetic models (no database: the stats providers are measured with the
 * services they call). Prints the client PDF with a 24-month trend (first render, which pays for
 * JIT and font parsing, then warm renders), and the XLSX and CSV with 100,000 daily detail rows
 * pulled from a generator (time, peak RSS, size). The output is discarded as it streams.
 *
 *   node --import tsx bench/reports.ts [--pdf-runs 5] [--rows 100000] [--lang es]
 *
 * Targets from issue 8: client PDF under 2 s, XLSX with 100,000 rows under 8 s.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';

import { exportClientCsv } from '../src/modules/reports/exporters/csv.js';
import { exportClientPdf } from '../src/modules/reports/exporters/pdf.js';
import { exportClientXlsx } from '../src/modules/reports/exporters/xlsx.js';
import type { ReportExport, ReportLocale } from '../src/modules/reports/report.types.js';
import { buildClientModel } from '../test/reports/fixture.js';

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
async function drain(make: () => ReportExport) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  const started = performance.now();
  const cpu = process.cpuUsage();
  let bytes = 0;
  const report = make();
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
      `${result.ms.toFixed(0)} ms wall, ${result.cpuMs.toFixed(0)} ms CPU, ${mb(result.bytes)}`,
  );
}
const warm = pdfTimes.slice(1).sort((a, b) => a - b);
if (warm.length > 0) {
  console.log(`client PDF warm median: ${warm[Math.floor(warm.length / 2)]!.toFixed(0)} ms`);
}

for (const [name, render] of [
  ['XLSX', exportClientXlsx],
  ['CSV', exportClientCsv],
] as const) {
  const result = await drain(() => render(buildClientModel({ language, detailRows })));
  console.log(
    `${name} with ${detailRows} detail rows: ${(result.ms / 1000).toFixed(2)} s wall, ` +
      `${(result.cpuMs / 1000).toFixed(2)} s CPU, ${Math.round(detailRows / (result.ms / 1000))} ` +
      `rows/s, ${mb(result.bytes)}, peak RSS ${mb(result.peak)}, ${result.rows} rows written`,
  );
}

async function loadAverage(): Promise<string[]> {
  const { loadavg } = await import('node:os');
  return loadavg().map((l) => l.toFixed(1));
}

/**
 * The PDF renderer's thread. It receives a report model, runs the same exporter the main thread
 * would (vega-lite → SVG → pdfkit) and sends the finished bytes back, so the API's event loop
 * never spends the second or so a report takes in layout and chart rendering.
 */
import type { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';

import { ReportFormatter } from '../i18n.js';
import type { ReportLogo } from '../report.types.js';
import { dailyTrendChart } from './pdf-charts.js';
import { PdfCanvas } from './pdf-layout.js';
import { exportAdminPdf, exportClientPdf } from './pdf.js';
import type { PdfJob, PdfJobResult } from './pdf-pool.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Structured cloning turns a Buffer into a plain Uint8Array; pdfkit wants a Buffer. */
function revive(logo: ReportLogo | undefined): ReportLogo | undefined {
  if (!logo) return undefined;
  const data = Buffer.from(logo.data.buffer, logo.data.byteOffset, logo.data.byteLength);
  return { ...logo, data };
}

async function render(job: PdfJob): Promise<{ bytes: Buffer; rows: number }> {
  const out =
    job.kind === 'client'
      ? exportClientPdf(job.model, { logo: revive(job.options.logo) })
      : exportAdminPdf(job.model);
  const bytes = await collect(out.stream);
  const { rows } = await out.done;
  return { bytes, rows };
}

/**
 * Pays the first-use costs before any request waits on them: parsing the two fonts, loading
 * vega's parser and renderer, svg-to-pdfkit's path code. A cold render is about twice a warm one.
 */
async function warm(): Promise<void> {
  const fmt = new ReportFormatter('es');
  const canvas = new PdfCanvas(
    { title: 'warm-up', subject: 'warm-up', createdAt: new Date(0), lang: fmt.intl },
    { headerLeft: 'á ñ ç €', headerRight: '', footerLeft: '', pageLabel: () => '' },
  );
  const days = ['2024-01-01', '2024-01-02', '2024-01-03'].map((date, i) => ({
    date,
    currency: 'USD',
    amount: String(100 + i),
    anomaly: null,
  }));
  canvas.addPage();
  canvas.chart(await dailyTrendChart(days, 'USD', canvas.width, fmt));
  canvas.paragraph(fmt.money('1234.56', 'USD'));
  canvas.finish();
  await collect(canvas.doc as unknown as Readable);
}

const port = parentPort;
if (!port) throw new Error('pdf.worker runs only as a worker thread');

await warm();
port.on('message', (job: PdfJob) => {
  render(job).then(
    ({ bytes, rows }) => {
      // A fresh ArrayBuffer of exactly the PDF, so it can be moved to the main thread, not copied.
      const owned = new Uint8Array(bytes.length);
      owned.set(bytes);
      const result: PdfJobResult = { id: job.id, ok: true, bytes: owned, rows };
      port.postMessage(result, [owned.buffer]);
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const result: PdfJobResult = { id: job.id, ok: false, message };
      port.postMessage(result);
    },
  );
});

/**
 * PDF rendering on worker threads: the event loop keeps ticking while a long report renders,
 * the bytes are the same report, a stuck render times out without taking the pool down.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { AppError } from '../../src/lib/errors.js';
import { createPdfPool, renderPdf } from '../../src/modules/reports/exporters/pdf-pool.js';
import { exportClientPdf } from '../../src/modules/reports/exporters/pdf.js';
import { buildAdminModel, buildClientModel } from './fixture.js';
import { pdfPages, readAll } from './parse.js';

const META = { fileName: 'r.pdf', contentType: 'application/pdf', contentDisposition: 'inline' };

/** The longest gap between ticks of a 10 ms interval while `work` runs. */
async function longestTickGap<T>(work: () => Promise<T>): Promise<{ result: T; gap: number }> {
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 10);
  try {
    const result = await work();
    return { result, gap: Math.max(gap, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

describe('PDF rendering off the event loop', () => {
  const pool = createPdfPool({ size: 1 });
  after(() => pool.close());

  it('keeps the event loop responsive while a 24-month report renders', async () => {
    const model = () => buildClientModel({ language: 'pt-BR', trendMonths: 24 });

    // The probe itself: the same render on this thread stalls the loop for its whole length.
    const inline = await longestTickGap(async () => readAll(exportClientPdf(model()).stream));
    assert.ok(inline.gap > 200, `the probe missed a ${inline.gap.toFixed(0)} ms inline render`);

    // Starting the worker (and its warm-up) is not what is measured: the second render is.
    await renderPdf({ kind: 'client', model: model(), options: {} }, META, pool);
    for (let run = 0; run < 2; run += 1) {
      const report = model();
      const { result, gap } = await longestTickGap(async () => {
        const out = await renderPdf({ kind: 'client', model: report, options: {} }, META, pool);
        return { pdf: await readAll(out.stream), done: await out.done };
      });
      assert.ok(
        gap < 200,
        `a render on the worker blocked the event loop for ${gap.toFixed(0)} ms`,
      );

      const pages = await pdfPages(result.pdf);
      assert.ok(pages.length >= 5);
      assert.match(pages[0]!, new RegExp(report.cover.clientName));
      assert.ok(result.done.rows > 0);
    }
  });

  it('renders the admin report from its row source', async () => {
    const model = buildAdminModel('en');
    const out = await renderPdf({ kind: 'admin', model, options: {} }, META, pool);
    const text = (await pdfPages(await readAll(out.stream))).join(' ');
    assert.match(text, /Platform report/);
  });

  it('abandons a render past its timeout and serves the next job with a new worker', async () => {
    const impatient = createPdfPool({ size: 1, timeoutMs: 1 });
    try {
      const model = buildClientModel({ language: 'es' });
      await assert.rejects(
        renderPdf({ kind: 'client', model, options: {} }, META, impatient),
        (err: unknown) => err instanceof AppError && err.code === 'service_unavailable',
      );
    } finally {
      await impatient.close();
    }
    const out = await renderPdf(
      { kind: 'client', model: buildClientModel({ language: 'es' }), options: {} },
      META,
      pool,
    );
    assert.ok((await readAll(out.stream)).subarray(0, 5).equals(Buffer.from('%PDF-')));
  });
});

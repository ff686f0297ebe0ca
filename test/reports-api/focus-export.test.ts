/**
 * FOCUS 1.2 export: the file parses as CSV with the FOCUS columns, it is gzip-compressed on
 * request, the plan gates it, and a round trip through our own ingestion engine gives the same
 * totals per currency as the cost API.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { addDecimals } from '../../src/modules/costs/costs.fns.js';
import { runIngestionEngine } from '../../src/modules/ingestion/engine/run.js';
import { FOCUS_COLUMNS } from '../../src/modules/reports/exporters/focus.js';
import { csvRecords } from '../reports/parse.js';
import { createWorld, exportEvent, months, type World } from './setup.js';

describe('FOCUS export', () => {
  let w: World;
  const dir = mkdtempSync(join(tmpdir(), 'finops-focus-'));
  const { prevFrom, mTo } = months();

  before(async () => {
    w = await createWorld();
  });
  after(async () => {
    await w.t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a plan feature and validates its period', async () => {
    const gated = await w.get('/api/v1/exports/focus', w.ownerB);
    assert.equal(gated.statusCode, 403);
    assert.equal(gated.json().error.code, 'feature_not_in_plan');
    const long = await w.get('/api/v1/exports/focus?from=2020-01-01&to=2023-06-30', w.viewer);
    assert.equal(long.statusCode, 400);
    assert.match(long.json().error.message, /to/);
    const half = await w.get('/api/v1/exports/focus?from=2024-01-01', w.viewer);
    assert.equal(half.statusCode, 400);
  });

  it('round-trips through our own ingestion with the same totals as the cost API', async () => {
    const url = `/api/v1/exports/focus?from=${prevFrom}&to=${mTo}&gzip=true`;
    const res = await w.get(url, w.viewer);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/gzip');
    assert.match(
      String(res.headers['content-disposition']),
      new RegExp(`filename="finopslatam-senales-andinas-focus-${prevFrom}_${mTo}\\.csv\\.gz"`),
    );

    const text = gunzipSync(res.rawPayload).toString('utf8');
    const records = csvRecords(text, ',');
    assert.deepEqual(records[0], [...FOCUS_COLUMNS]);
    const event = await exportEvent(w.t, String(res.headers['x-request-id']));
    assert.equal(event.details.rows, records.length - 1);
    assert.equal(event.details.format, 'csv.gz');

    const path = join(dir, 'export.csv.gz');
    writeFileSync(path, res.rawPayload);
    const result = await runIngestionEngine({
      clientId: w.clientA,
      ingestionId: '00000000-0000-4000-8000-0000000000aa',
      files: [{ path, name: 'export.csv.gz' }],
      outputPath: join(dir, 'out.copy'),
      workDir: dir,
      limits: { threads: 1, duckdbMemoryLimit: '256MB' },
    });
    assert.equal(result.format, 'focus');
    assert.equal(result.formatVersion, '1.2');
    assert.equal(result.rowsRejected, 0);

    const period = `from=${prevFrom}&to=${mTo}`;
    for (const [metric, field] of [
      ['net_billed', 'netBilledCost'],
      ['net_amortized', 'netEffectiveCost'],
      ['list', 'listCost'],
    ] as const) {
      const url = `/api/v1/costs/summary?${period}&metric=${metric}`;
      const api = (await w.get(url, w.viewer)).json();
      for (const c of api.currencies as Array<{ currency: string; total: string }>) {
        const engine = result.totals.find((t) => t.currency === c.currency);
        const label = `${metric} ${c.currency}`;
        assert.equal(addDecimals(engine?.[field] ?? 'NaN'), addDecimals(c.total), label);
      }
      assert.equal(result.totals.length, api.currencies.length);
    }
  });
});

/**
 * Rules of the reports service that need no database: concurrent exports per client, the audit
 * event only after the last byte, and the plan gate before any work. Stats providers are stubs
 * that return the exporter fixture's model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import pino from 'pino';

import type { Db } from '../../src/db/client.js';
import { AppError } from '../../src/lib/errors.js';
import type { SecurityEventInput } from '../../src/modules/audit/audit.types.js';
import { createReportsService } from '../../src/modules/reports/reports.service.js';
import type { ClientReportStatsProvider } from '../../src/modules/reports/report.types.js';
import { buildAdminModel, buildClientModel } from '../reports/fixture.js';
import { readAll } from '../reports/parse.js';
import { memberContext } from '../support/facts.js';

const QUERY = { period: '2024-09', metric: 'amortized', delimiter: ',', bom: false } as const;

function setup(options: { features?: string[] } = {}) {
  const events: SecurityEventInput[] = [];
  let open: () => void = () => {};
  let gate = new Promise<void>((resolve) => (open = resolve));
  const clientProvider: ClientReportStatsProvider = {
    async build(_ctx, params) {
      await gate;
      return buildClientModel({ language: params.language });
    },
  };
  const features = new Set(options.features ?? ['reports.csv', 'reports.pdf']);
  const service = createReportsService({
    db: null as unknown as Db,
    clock: { now: () => new Date('2024-10-03T12:00:00Z') },
    logger: pino({ level: 'silent' }),
    clientProvider,
    adminProvider: { build: async () => buildAdminModel('es') },
    requireFeature: async (_ctx, feature) => {
      if (!features.has(feature)) throw new AppError('feature_not_in_plan', feature);
    },
    recordEvent: async (_ctx, event) => {
      events.push(event);
    },
  });
  return {
    service,
    events,
    release: () => open(),
    closeGate: () => (gate = new Promise<void>((resolve) => (open = resolve))),
  };
}

describe('reports service rules', () => {
  it('runs two exports of one client at once; the third gets 429 with Retry-After', async () => {
    const s = setup();
    const a = memberContext('00000000-0000-4000-8000-00000000000a');
    const b = memberContext('00000000-0000-4000-8000-00000000000b');
    const first = s.service.exportClient(a, 'csv', QUERY);
    const second = s.service.exportClient(a, 'csv', QUERY);
    await new Promise((r) => setImmediate(r));

    await assert.rejects(s.service.exportClient(a, 'csv', QUERY), (e: unknown) => {
      return e instanceof AppError && e.code === 'rate_limited' && (e.retryAfter ?? 0) > 0;
    });
    // Another client has slots of its own.
    const other = s.service.exportClient(b, 'csv', QUERY);

    s.release();
    for (const out of await Promise.all([first, second, other])) {
      await readAll(out.stream);
      await out.done;
    }
    await new Promise((r) => setImmediate(r));
    const again = await s.service.exportClient(a, 'csv', QUERY);
    await readAll(again.stream);
  });

  it('records report.exported only after the stream ended, with the rows written', async () => {
    const s = setup();
    s.release();
    const ctx = memberContext('00000000-0000-4000-8000-00000000000a');
    const out = await s.service.exportClient(ctx, 'csv', { ...QUERY, lang: 'pt-BR' });
    assert.equal(s.events.length, 0);
    await readAll(out.stream);
    const { rows } = await out.done;
    await new Promise((r) => setImmediate(r));
    assert.equal(s.events.length, 1);
    assert.equal(s.events[0]?.type, 'report.exported');
    assert.equal(s.events[0]?.details?.rows, rows);
    assert.equal(s.events[0]?.details?.language, 'pt-BR');
  });

  it('checks the plan before building anything, and frees no slot it did not take', async () => {
    const s = setup({ features: ['reports.pdf'] });
    const ctx = memberContext('00000000-0000-4000-8000-00000000000a');
    for (let i = 0; i < 3; i += 1) {
      await assert.rejects(s.service.exportClient(ctx, 'xlsx', QUERY), /reports.xlsx/);
    }
    s.release();
    const pdf = await s.service.exportClient(ctx, 'pdf', QUERY);
    await readAll(pdf.stream);
  });

  it('refuses the platform report to anyone without a global role', async () => {
    const s = setup();
    const ctx = memberContext('00000000-0000-4000-8000-00000000000a', ['platform:reports:export']);
    await assert.rejects(s.service.exportAdmin(ctx, 'csv', QUERY), (e: unknown) => {
      return e instanceof AppError && e.code === 'forbidden';
    });
  });
});

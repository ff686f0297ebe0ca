import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Db } from '../../src/db/client.js';
import { AppError } from '../../src/lib/errors.js';
import { addDecimals, centsOf } from '../../src/modules/costs/costs.fns.js';
import { createCostsService } from '../../src/modules/costs/costs.service.js';
import {
  anomaliesQuerySchema,
  breakdownQuerySchema,
  forecastQuerySchema,
  moversQuerySchema,
  parseCostQuery,
  summaryQuerySchema,
  tagsQuerySchema,
  trendQuerySchema,
} from '../../src/modules/costs/costs.types.js';
import { fixedClock, memberContext } from '../support/facts.js';

/** Parses and expects a validation error whose message names `param`. */
function refused(schema: Parameters<typeof parseCostQuery>[0], raw: object, param: string) {
  assert.throws(
    () => parseCostQuery(schema, raw),
    (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'validation_failed');
      assert.match(err.message, new RegExp(`\\b${param}\\b`), err.message);
      const issues = (err.details as { issues: { field: string }[] }).issues;
      assert.ok(
        issues.some((i) => i.field === param),
        JSON.stringify(issues),
      );
      return true;
    },
  );
}

// Every figure both ways: `auto` reads the rollup where it can, `facts` only cost_daily.
for (const source of ['auto', 'facts'] as const) {
  describe(`cost analytics: query parameters (source ${source})`, () => {
    it('defaults: amortized, everything included, this month to date', () => {
      const q = parseCostQuery(summaryQuerySchema, {});
      assert.equal(q.metric, 'amortized');
      assert.equal(q.include_credits, true);
      assert.equal(q.include_refunds, true);
      assert.equal(q.include_tax, true);
      assert.equal(q.month, undefined);
      const b = parseCostQuery(breakdownQuerySchema, { group_by: 'tag:cost center' });
      assert.equal(b.granularity, 'none');
      assert.equal(b.limit, 20);
      assert.equal(b.group_by, 'tag:cost center');
    });

    it('accepts repeated filters and tag filters with = in the value', () => {
      const q = parseCostQuery(summaryQuerySchema, {
        service: ['AmazonEC2', 'AmazonS3'],
        tag: ['team=data', 'expr=a=b'],
        charge_category: ['Usage', 'Tax'],
        include_tax: 'false',
      });
      assert.deepEqual(q.tag, ['team=data', 'expr=a=b']);
      assert.equal(q.include_tax, false);
    });

    it('refuses an unknown metric, naming it', () => {
      refused(summaryQuerySchema, { metric: 'blended' }, 'metric');
    });

    it('refuses an unknown dimension in group_by and group_by_2', () => {
      refused(breakdownQuerySchema, { group_by: 'colour' }, 'group_by');
      refused(breakdownQuerySchema, { group_by: 'tag:' }, 'group_by');
      refused(breakdownQuerySchema, { group_by: 'service', group_by_2: 'nope' }, 'group_by_2');
      refused(breakdownQuerySchema, { group_by: 'service', group_by_2: 'service' }, 'group_by_2');
      refused(breakdownQuerySchema, {}, 'group_by');
      refused(moversQuerySchema, { group_by: 'region' }, 'group_by');
      refused(anomaliesQuerySchema, { group_by: 'resource' }, 'group_by');
    });

    it('refuses from after to, half a range, and month with from/to', () => {
      refused(summaryQuerySchema, { from: '2025-03-10', to: '2025-03-01' }, 'from');
      refused(summaryQuerySchema, { from: '2025-03-10' }, 'to');
      refused(summaryQuerySchema, { to: '2025-03-10' }, 'from');
      const both = { month: '2025-03', from: '2025-03-01', to: '2025-03-02' };
      refused(summaryQuerySchema, both, 'month');
    });

    it('refuses a period longer than three years, and accepts one just under', () => {
      refused(trendQuerySchema, { from: '2015-01-01', to: '2025-01-01' }, 'to');
      refused(trendQuerySchema, { from: '2022-01-01', to: '2025-01-01' }, 'to');
      const q = parseCostQuery(trendQuerySchema, { from: '2022-01-01', to: '2024-12-31' });
      assert.equal(q.to, '2024-12-31');
    });

    it('refuses malformed dates and months', () => {
      refused(summaryQuerySchema, { from: '2025-02-30', to: '2025-03-01' }, 'from');
      refused(summaryQuerySchema, { from: '2025-01-01', to: '01/03/2025' }, 'to');
      refused(summaryQuerySchema, { month: '2025-13' }, 'month');
    });

    it('refuses a malformed tag filter', () => {
      refused(summaryQuerySchema, { tag: 'team' }, 'tag');
      refused(summaryQuerySchema, { tag: ['team=data', '=data'] }, 'tag');
    });

    it('refuses out-of-range numbers and switches', () => {
      refused(breakdownQuerySchema, { group_by: 'service', limit: '0' }, 'limit');
      refused(breakdownQuerySchema, { group_by: 'service', limit: 'ten' }, 'limit');
      refused(breakdownQuerySchema, { group_by: 'service', granularity: 'hour' }, 'granularity');
      refused(forecastQuerySchema, { months: '4' }, 'months');
      refused(anomaliesQuerySchema, { window_days: '7' }, 'window_days');
      refused(anomaliesQuerySchema, { k: '0' }, 'k');
      refused(anomaliesQuerySchema, { min_amount: '-1' }, 'min_amount');
      refused(summaryQuerySchema, { include_credits: 'maybe' }, 'include_credits');
      refused(summaryQuerySchema, { charge_category: 'Fee' }, 'charge_category');
      refused(tagsQuerySchema, { key: '' }, 'key');
    });

    it('refuses a period that starts after today, before touching the database', async () => {
      const costs = createCostsService({
        source,
        db: null as unknown as Db,
        clock: fixedClock('2025-03-20T12:00:00Z'),
      });
      const q = parseCostQuery(summaryQuerySchema, { month: '2025-04' });
      const ctx = memberContext('8f9c7c5e-1d7a-4a44-9a55-3f1b7f0a1b2c');
      await assert.rejects(costs.summary(ctx, q), (err) => {
        assert.ok(err instanceof AppError);
        assert.equal(err.code, 'validation_failed');
        assert.match(err.message, /\bmonth\b/);
        return true;
      });
    });

    it('adds decimals exactly and rounds estimates to cents', () => {
      assert.equal(addDecimals('0.1', '0.2'), '0.3');
      assert.equal(addDecimals('1.0000000001', '-1'), '0.0000000001');
      assert.equal(addDecimals('-5', '2.25'), '-2.75');
      assert.equal(addDecimals(), '0');
      assert.equal(centsOf(1.005 + 1e-9), '1.01');
      assert.equal(centsOf(-2.499), '-2.5');
    });
  });
}

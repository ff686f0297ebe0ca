import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { createTestApp, type TestApp } from '../support/app.js';
import { buildWorld, type World } from '../tenancy/matrix/fixture.js';
import { loadRows } from '../tenancy/matrix/load-rows.js';
import type { MatrixRow } from '../tenancy/matrix/matrix.types.js';

/**
 * Property: whatever JSON body or query string arrives, on any route and as any role, the
 * service answers with a status below 500 and the one error shape. The routes come from the
 * authorization matrix, so new routes are fuzzed as soon as they are listed there.
 */
describe('request fuzzing', () => {
  let t: TestApp;
  let world: World;
  let rows: MatrixRow[];

  before(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    world = await buildWorld(t);
    rows = (await loadRows()).filter((r) => !r.last && !r.route.includes('/docs'));
  });
  after(() => t.close());

  const tokenOf = (role: string) => world.tokens[role as keyof World['tokens']] ?? null;

  it('bodies: arbitrary JSON on every route that takes one', async () => {
    const writeRows = rows.filter((r) => !r.route.startsWith('GET '));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...writeRows),
        fc.constantFrom('owner', 'root', 'viewer', 'anonymous'),
        fc.jsonValue({ maxDepth: 3 }),
        async (row, role, body) => {
          const [method, path] = row.route.split(' ') as [string, string];
          const token = tokenOf(role);
          const res = await t.app.inject({
            method: method as 'POST',
            url: row.url ? row.url(world.fixture) : path,
            headers: {
              'content-type': 'application/json',
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            payload: JSON.stringify(body),
          });
          assert.ok(res.statusCode < 500, `${row.route} → ${res.statusCode}: ${res.body}`);
          if (res.statusCode >= 400) assert.ok(res.json().error?.code, res.body);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('query strings: arbitrary keys and values on every GET route', async () => {
    const readRows = rows.filter((r) => r.route.startsWith('GET /api/'));
    const key = fc.constantFrom(
      'from', 'to', 'month', 'metric', 'group_by', 'group_by_2', 'granularity', 'limit',
      'tag', 'service', 'account', 'region', 'provider', 'charge_category', 'months', 'k',
      'window_days', 'min_amount', 'key', 'cursor', 'offset', 'q', 'status', 'type', 'x',
    );
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer().map(String),
      fc.double().map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      fc.constantFrom('tag:team', 'tag:', 'service', '2024-13', '0', '-1', 'NaN', 'null'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...readRows),
        fc.constantFrom('owner', 'root', 'support'),
        fc.array(fc.tuple(key, value), { maxLength: 5 }),
        async (row, role, pairs) => {
          const base = row.url ? row.url(world.fixture) : row.route.split(' ')[1]!;
          const qs = new URLSearchParams(pairs).toString();
          const url = qs ? `${base}${base.includes('?') ? '&' : '?'}${qs}` : base;
          const res = await t.app.inject({
            method: 'GET',
            url,
            headers: { authorization: `Bearer ${tokenOf(role)}` },
          });
          assert.ok(res.statusCode < 500, `${url} → ${res.statusCode}: ${res.body.slice(0, 300)}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});

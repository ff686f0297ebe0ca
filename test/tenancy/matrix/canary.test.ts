import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createTestApp, type TestApp } from '../../support/app.js';
import { buildWorld, CANARY, type World } from './fixture.js';
import { loadRows } from './load-rows.js';
import type { MatrixRow } from './matrix.types.js';

/**
 * Client A's facts, name and ids carry a marker. Every client-side GET (lists, views and
 * exports) called by each member of client B must never return it. Compressed exports (PDF,
 * XLSX, gzip) are checked through their CSV siblings, which carry the same data.
 */
describe('canary: no client ever sees another client’s data', () => {
  let t: TestApp;
  let world: World;
  let rows: MatrixRow[];

  before(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    world = await buildWorld(t);
    rows = (await loadRows()).filter(
      (r) => r.route.startsWith('GET /api/v1/') || r.route === 'GET /api/auth/me',
    );
  });
  after(() => t.close());

  it('the canary is really there for client A', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/costs/breakdown?group_by=resource',
      headers: { authorization: `Bearer ${world.tokens.owner}` },
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, new RegExp(CANARY));
  });

  for (const role of ['owner', 'finops_admin', 'viewer'] as const) {
    it(`client B's ${role} never receives client A's marker or ids`, async () => {
      const leaks: string[] = [];
      const markers = [CANARY, world.fixture.clientA, '999900001111'];
      for (const row of rows) {
        const url = row.url ? row.url(world.fixture) : row.route.split(' ')[1]!;
        const res = await t.app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${world.clientBTokens[role]}` },
        });
        for (const marker of markers) {
          if (res.body.includes(marker)) leaks.push(`${url} leaked ${marker} (${res.statusCode})`);
        }
      }
      assert.ok(rows.length >= 8, 'client-side routes were exercised');
      assert.deepEqual(leaks, []);
    });
  }
});

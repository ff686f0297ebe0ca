import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createTestApp, type TestApp } from '../../support/app.js';
import { buildWorld, type World } from './fixture.js';
import { loadRows, routesToCover } from './load-rows.js';
import { ACTORS, type MatrixRow } from './matrix.types.js';

describe('route × actor authorization matrix', () => {
  let t: TestApp;
  let world: World;
  let rows: MatrixRow[];

  before(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    world = await buildWorld(t);
    rows = await loadRows();
  });
  after(() => t.close());

  it('knows every route the service has, and no route it does not have', () => {
    const known = new Set(rows.map((r) => r.route));
    const registered = routesToCover(t.routes);
    assert.deepEqual(
      registered.filter((r) => !known.has(r)),
      [],
      'routes missing from test/tenancy/matrix/*.rows.ts',
    );
    const stale = [...known].filter((r) => !registered.includes(r));
    assert.deepEqual(stale, [], 'rows for routes that do not exist');
  });

  it('answers every cell with exactly the expected status', async () => {
    const ordered = [...rows.filter((r) => !r.last), ...rows.filter((r) => r.last)];
    const mismatches: string[] = [];
    for (const row of ordered) {
      const [method, path] = row.route.split(' ') as [string, string];
      const url = row.url ? row.url(world.fixture) : path;
      for (const actor of ACTORS) {
        const token = world.tokens[actor];
        const res = await t.app.inject({
          method: method as 'GET',
          url,
          headers: token ? { authorization: `Bearer ${token}` } : {},
          ...(row.body === undefined ? {} : { payload: row.body as Record<string, unknown> }),
        });
        const expected = row.expect[actor];
        if (res.statusCode !== expected) {
          mismatches.push(`${row.route} as ${actor}: ${res.statusCode} (expected ${expected})`);
        }
        assert.ok(res.statusCode < 500, `${row.route} as ${actor} answered ${res.statusCode}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });
});

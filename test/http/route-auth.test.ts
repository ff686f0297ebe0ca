import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createTestApp, type TestApp } from '../support/app.js';

describe('default deny', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('every route declares who may call it', () => {
    assert.ok(t.routes.length > 5, 'the route table was recorded');
    const undeclared = t.routes.filter((r) => r.auth === undefined);
    assert.deepEqual(
      undeclared.map((r) => `${r.method} ${r.url}`),
      [],
      'routes without config.auth',
    );
  });

  it('public routes are only the ones meant to be public', () => {
    const allowed = [
      /^\/livez$/,
      /^\/readyz$/,
      /^\/metrics$/,
      /^\/openapi\.json$/,
      /^\/docs/,
      /^\/api\/auth\/(login|refresh|forgot-password|reset-password)$/,
    ];
    const unexpected = t.routes
      .filter((r) => r.auth === 'public')
      .filter((r) => !(r.method === 'OPTIONS' && r.url === '*'))
      .filter((r) => !allowed.some((re) => re.test(r.url)))
      .map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(unexpected, []);
  });
});

describe('a route that forgets its declaration', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      extend: (app) => {
        app.get('/forgotten', async () => ({ secret: 'should never be served' }));
      },
    });
  });
  after(() => t.close());

  it('is refused rather than served', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/forgotten' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'forbidden');
    assert.doesNotMatch(res.body, /should never be served/);
    assert.ok(t.routes.some((r) => r.url === '/forgotten' && r.auth === undefined));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { sql } from 'drizzle-orm';
import { z } from 'zod';

import { openDatabase } from '../../src/db/client.js';
import { AppError } from '../../src/lib/errors.js';
import { createTestApp, type TestApp } from '../support/app.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
/** A bound parameter that must never reach a log line. */
const DB_PARAM = 'param-canary-4f1d@example.test';

describe('HTTP foundation', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      env: {
        METRICS_TOKEN,
        CORS_ORIGINS: 'https://app.finops.test',
        TRUST_PROXY: '127.0.0.1',
        BODY_LIMIT_BYTES: '2048',
      },
      extend: (app) => {
        app.post(
          '/test/echo',
          {
            config: { auth: 'public' },
            schema: {
              body: z.object({ name: z.string().min(2), amount: z.number().nonnegative() }),
              response: { 200: z.object({ name: z.string() }) },
            },
          },
          async (request) => ({ name: (request.body as { name: string }).name }),
        );
        app.get('/test/boom', { config: { auth: 'public' } }, async () => {
          throw new Error('select secret from internal_table at /srv/app/node_modules/x.js');
        });
        app.get('/test/teapot', { config: { auth: 'public' } }, async () => {
          throw new AppError('conflict', 'Already exists.');
        });
        app.get('/test/private', { config: { auth: 'user' } }, async () => ({ ok: true }));
        // Input no schema caught, reaching PostgreSQL: a NUL byte (SQLSTATE 22021).
        app.get('/test/db-bad-input', { config: { auth: 'public' } }, async () => {
          await t.database.db.execute(sql`select ${`${DB_PARAM}\u0000`}::text`);
          return { ok: true };
        });
        // A genuine bug in a query (undefined table, 42P01) whose parameter is user input.
        app.get('/test/db-bug', { config: { auth: 'public' } }, async () => {
          await t.database.db.execute(sql`select * from no_such_table where x = ${DB_PARAM}`);
          return { ok: true };
        });
      },
    });
  });
  after(() => t.close());

  it('/livez answers without touching anything', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/livez' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  it('/readyz answers 200 when the database is up and migrated', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
    assert.doesNotMatch(res.body, /postgres|pglite|\d+\.\d+\.\d+/i);
  });

  it('/readyz answers 503 while shutting down', async () => {
    t.health.shuttingDown = true;
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    t.health.shuttingDown = false;
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: 'unavailable' });
  });

  it('echoes a request id, and keeps one given by a trusted proxy', async () => {
    const own = await t.app.inject({ method: 'GET', url: '/livez' });
    assert.match(String(own.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const given = await t.app.inject({
      method: 'GET',
      url: '/livez',
      headers: { 'x-request-id': 'lb-abc-123' },
    });
    assert.equal(given.headers['x-request-id'], 'lb-abc-123');
    const hostile = await t.app.inject({
      method: 'GET',
      url: '/livez',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    assert.notEqual(hostile.headers['x-request-id'], 'bad id\nwith newline');
  });

  it('sends security headers and no X-Powered-By', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/livez' });
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(res.headers['x-powered-by'], undefined);
  });

  it('allows CORS only for configured origins', async () => {
    const ok = await t.app.inject({
      method: 'OPTIONS',
      url: '/livez',
      headers: { origin: 'https://app.finops.test', 'access-control-request-method': 'GET' },
    });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.finops.test');
    const evil = await t.app.inject({
      method: 'OPTIONS',
      url: '/livez',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
  });

  it('answers validation errors with 400 and the fields at fault', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'x', amount: -1 },
    });
    assert.equal(res.statusCode, 400);
    const { error } = res.json();
    assert.equal(error.code, 'validation_failed');
    assert.match(error.message, /name/);
    assert.match(error.message, /amount/);
    assert.equal(error.requestId, res.headers['x-request-id']);
  });

  it('refuses prototype poisoning, bad JSON, wrong media type and large bodies', async () => {
    const proto = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"ok","amount":1,"__proto__":{"isAdmin":true}}',
    });
    assert.equal(proto.statusCode, 400);
    assert.equal(proto.json().error.code, 'bad_request');
    assert.match(proto.json().error.message, /forbidden "__proto__" or "constructor" key/);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);

    const ctor = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"ok","amount":1,"x":{"constructor":{"prototype":{"isAdmin":true}}}}',
    });
    assert.equal(ctor.statusCode, 400);
    assert.match(ctor.json().error.message, /forbidden "__proto__" or "constructor" key/);

    // A key that merely contains the words is an ordinary key.
    const harmless = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'prototype constructor', amount: 1 },
    });
    assert.equal(harmless.statusCode, 200);

    const badJson = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json().error.code, 'bad_request');

    const text = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().error.code, 'unsupported_media_type');

    const big = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'x'.repeat(5000), amount: 1 },
    });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, 'payload_too_large');
  });

  it('maps an AppError to its status and hides internals of unexpected errors', async () => {
    const conflict = await t.app.inject({ method: 'GET', url: '/test/teapot' });
    assert.equal(conflict.statusCode, 409);
    assert.deepEqual(Object.keys(conflict.json().error).sort(), ['code', 'message', 'requestId']);

    const boom = await t.app.inject({ method: 'GET', url: '/test/boom' });
    assert.equal(boom.statusCode, 500);
    assert.equal(boom.json().error.code, 'internal');
    assert.doesNotMatch(boom.body, /select|internal_table|node_modules|\/srv\//);
    const logged = t.logs().find((l) => l.msg === 'request failed');
    assert.ok(logged, 'the 500 is logged with its cause');
  });

  it('answers bad input reaching the database with 400 and logs no SQL or parameters', async () => {
    const bad = await t.app.inject({ method: 'GET', url: '/test/db-bad-input' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'validation_failed');
    assert.doesNotMatch(bad.body, /select|param-canary|0x00|UTF8/i);

    const bug = await t.app.inject({ method: 'GET', url: '/test/db-bug' });
    assert.equal(bug.statusCode, 500);
    assert.doesNotMatch(bug.body, /select|param-canary|no_such_table/i);

    const logged = t
      .logs()
      .filter((l) => /request (failed|rejected by the database)/.test(String(l.msg)));
    const codes = logged.map((l) => (l.err as { code?: string } | undefined)?.code);
    assert.ok(codes.includes('22021') && codes.includes('42P01'), `SQLSTATEs logged: ${codes}`);
    assert.doesNotMatch(t.logText(), /param-canary/, 'no bound parameter in the logs');
    assert.doesNotMatch(t.logText(), /Failed query|no_such_table where/, 'no SQL in the logs');
  });

  it('answers unknown routes with the error body', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'not_found');
  });

  it('refuses authenticated routes without a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/private' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'unauthenticated');
  });

  it('writes one access line per request with request id, route, status and latency', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/livez' });
    const line = t
      .logs()
      .find((l) => l.msg === 'request completed' && l.requestId === res.headers['x-request-id']);
    assert.ok(line);
    assert.equal(line.route, '/livez');
    assert.equal(line.status, 200);
    assert.equal(typeof line.latencyMs, 'number');
  });

  it('publishes OpenAPI with the route schemas and serves Swagger UI', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(doc.openapi, '3.0.3');
    const echo = doc.paths['/test/echo'].post;
    const schema = echo.requestBody.content['application/json'].schema;
    assert.equal(schema.properties.name.minLength, 2);
    assert.ok(doc.paths['/readyz'].get.responses['503']);
    const ui = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(ui.statusCode, 200);
    assert.match(String(ui.headers['content-type']), /text\/html/);
  });

  it('serves /metrics only with the configured token', async () => {
    await t.app.inject({ method: 'GET', url: '/livez' });
    const none = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(none.statusCode, 401);
    const wrong = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer wrong-token-wrong-token-000' },
    });
    assert.equal(wrong.statusCode, 401);
    const ok = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /http_request_duration_seconds_bucket\{.*route="\/livez"/);
    assert.match(ok.body, /db_pool_connections/);
  });
});

describe('metrics disabled', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('answers 404 when METRICS_TOKEN is not set', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 404);
  });
});

describe('database unreachable', () => {
  let t: TestApp;
  before(async () => {
    // Nothing listens on port 1: every query fails to connect.
    const database = await openDatabase({ url: 'postgres://nobody@127.0.0.1:1/none' });
    t = await createTestApp({ database });
  });
  after(() => t.close());

  it('/readyz answers 503 and /livez stays 200', async () => {
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    const live = await t.app.inject({ method: 'GET', url: '/livez' });
    assert.equal(live.statusCode, 200);
  });
});

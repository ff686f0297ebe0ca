import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { eq } from 'drizzle-orm';

import { securityEvents } from '../../src/db/schema.js';
import { systemContext } from '../../src/http/context.js';
import { ensureRootUser } from '../../src/modules/identity/bootstrap.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMember, makeClient, makeUser } from '../support/factories.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

describe('switching clients, privileged access and the first root', () => {
  let t: TestApp;
  let smtp: TestSmtp;

  const post = (url: string, payload: unknown, token?: string) =>
    t.app.inject({
      method: 'POST',
      url,
      payload: payload as Record<string, unknown>,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const tokenOf = async (u: { email: string; password: string }) =>
    (await post('/api/auth/login', { email: u.email, password: u.password })).json().access_token;

  before(async () => {
    smtp = await startSmtp();
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '1000' },
      extend: (app) => {
        app.get('/test/costs', { config: { auth: { capability: 'costs:read' } } }, async () => ({
          ok: true,
        }));
        app.get(
          '/test/members',
          { config: { auth: { capability: 'members:manage' } } },
          async () => ({ ok: true }),
        );
      },
    });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('moves a member between their clients, and refuses a client they are not in', async () => {
    const db = t.database.db;
    const a = await makeClient(db);
    const b = await makeClient(db);
    const c = await makeClient(db);
    const u = await makeUser(db);
    await addMember(db, a.id, u.id, 'owner');
    await addMember(db, b.id, u.id, 'viewer');

    const login = (await post('/api/auth/login', { email: u.email, password: u.password })).json();
    assert.equal(login.client, null, 'two clients and no last one: the user chooses');

    const inB = await post('/api/auth/switch-client', { client_id: b.id }, login.access_token);
    assert.equal(inB.statusCode, 200, inB.body);
    assert.equal(inB.json().client.role, 'viewer');
    assert.equal(
      (
        await t.app.inject({
          method: 'GET',
          url: '/test/members',
          headers: { authorization: `Bearer ${inB.json().access_token}` },
        })
      ).statusCode,
      403,
    );

    const inC = await post('/api/auth/switch-client', { client_id: c.id }, inB.json().access_token);
    assert.equal(inC.statusCode, 404);

    const relog = (await post('/api/auth/login', { email: u.email, password: u.password })).json();
    assert.equal(relog.client.id, b.id, 'the last client used is remembered');
  });

  it('root enters any client only with a reason, recorded and mailed to owners', async () => {
    const db = t.database.db;
    const client = await makeClient(db, { name: 'Minera Atacama' });
    const owner = await makeUser(db, { locale: 'es' });
    await addMember(db, client.id, owner.id, 'owner');
    const root = await makeUser(db, { globalRole: 'root', name: 'Ops Root' });
    const token = await tokenOf(root);

    const noReason = await post('/api/auth/switch-client', { client_id: client.id }, token);
    assert.equal(noReason.statusCode, 400);

    const reason = 'Ticket 4521: the client asked us to check September';
    const entered = await post('/api/auth/switch-client', { client_id: client.id, reason }, token);
    assert.equal(entered.statusCode, 200, entered.body);
    assert.equal(entered.json().client.role, null);
    assert.ok(entered.json().permissions.includes('costs:read'));

    const events = await db
      .select()
      .from(securityEvents)
      .where(eq(securityEvents.type, 'access.privileged'));
    const event = events.find((e) => e.clientId === client.id);
    assert.ok(event);
    assert.equal((event.details as { reason: string }).reason, reason);
    assert.equal(event.actorUserId, root.id);

    await t.services.outbox.drain();
    const mail = await smtp.waitFor((m) => m.to.includes(owner.email));
    assert.match(mail.text, /Ticket 4521/);
    assert.match(mail.subject, /Minera Atacama/);

    const costs = await t.app.inject({
      method: 'GET',
      url: '/test/costs',
      headers: { authorization: `Bearer ${entered.json().access_token}` },
    });
    assert.equal(costs.statusCode, 200);
  });

  it('gives support read-only client access and records refusals', async () => {
    const db = t.database.db;
    const client = await makeClient(db);
    const support = await makeUser(db, { globalRole: 'support' });
    const token = await tokenOf(support);
    const entered = await post(
      '/api/auth/switch-client',
      { client_id: client.id, reason: 'Checking an ingestion failure' },
      token,
    );
    const access = entered.json().access_token;
    const read = await t.app.inject({
      method: 'GET',
      url: '/test/costs',
      headers: { authorization: `Bearer ${access}` },
    });
    assert.equal(read.statusCode, 200);
    const manage = await t.app.inject({
      method: 'GET',
      url: '/test/members',
      headers: { authorization: `Bearer ${access}` },
    });
    assert.equal(manage.statusCode, 403);
    const denied = await db
      .select()
      .from(securityEvents)
      .where(eq(securityEvents.type, 'access.denied'));
    assert.ok(denied.some((e) => e.actorUserId === support.id));

    const ghost = await post(
      '/api/auth/switch-client',
      {
        client_id: '00000000-0000-4000-8000-000000000001',
        reason: 'Checking an ingestion failure',
      },
      access,
    );
    assert.equal(ghost.statusCode, 404);
    const old = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(old.statusCode, 401, 'switching ends the previous session');
  });

  it('creates the first root once, with a one-time password to change first', async () => {
    const db = t.database.db;
    const ctx = systemContext('test');
    // Other tests made roots already; this database needs none for the bootstrap to act.
    const created = await ensureRootUser(db, ctx, { email: null, password: null });
    assert.equal(created, null, 'roots exist here, so nothing is created');

    const { createUser } = await import('../../src/modules/identity/bootstrap.js');
    const fresh = await createUser(db, ctx, {
      email: 'first-root@example.test',
      globalRole: 'root',
    });
    assert.match(fresh.oneTimePassword!, /^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);

    const login = await post('/api/auth/login', {
      email: fresh.email,
      password: fresh.oneTimePassword,
    });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().user.must_change_password, true);
    const token = login.json().access_token;
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(me.statusCode, 200);

    const client = await makeClient(db);
    const blocked = await post(
      '/api/auth/switch-client',
      { client_id: client.id, reason: 'Just looking around here' },
      token,
    );
    assert.equal(blocked.statusCode, 200, 'switch is allowed (a "user" route)');
    const costs = await t.app.inject({
      method: 'GET',
      url: '/test/costs',
      headers: { authorization: `Bearer ${blocked.json().access_token}` },
    });
    assert.equal(costs.statusCode, 403);
    assert.equal(costs.json().error.code, 'password_change_required');

    const changed = await post(
      '/api/auth/change-password',
      { current_password: fresh.oneTimePassword, new_password: 'raíz segura del sistema 2026' },
      blocked.json().access_token,
    );
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().user.must_change_password, false);
    const ok = await t.app.inject({
      method: 'GET',
      url: '/test/costs',
      headers: { authorization: `Bearer ${changed.json().access_token}` },
    });
    assert.equal(ok.statusCode, 200);
  });
});

describe('per-IP limit on the auth routes', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  after(() => t.close());

  it('answers 429 with Retry-After past the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/forgot-password',
        payload: { email: 'x@example.test' },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        assert.ok(res.headers['retry-after']);
        assert.equal(res.json().error.code, 'rate_limited');
      }
    }
    assert.deepEqual(statuses, [202, 202, 202, 429]);
  });

  it('does not let X-Forwarded-For from an untrusted peer reset the limit', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/forgot-password',
      headers: { 'x-forwarded-for': '203.0.113.9' },
      payload: { email: 'x@example.test' },
    });
    assert.equal(res.statusCode, 429);
  });
});

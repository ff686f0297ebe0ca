import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { eq } from 'drizzle-orm';

import { users } from '../../src/db/schema.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { makeUser, type TestUser } from '../support/factories.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

describe('platform administration and plan rules', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let rootToken: string;
  let supportToken: string;

  const call = (method: string, url: string, token: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const login = async (u: { email: string; password: string }) =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: u.email, password: u.password },
      })
    ).json();

  before(async () => {
    smtp = await startSmtp();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
    rootToken = (await login(await makeUser(t.database.db, { globalRole: 'root' }))).access_token;
    supportToken = (await login(await makeUser(t.database.db, { globalRole: 'support' })))
      .access_token;
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('ships the three plans of the replaced service', async () => {
    const res = await call('GET', '/api/admin/plans', supportToken);
    assert.equal(res.statusCode, 200);
    const codes = res.json().items.map((p: { code: string }) => p.code);
    assert.deepEqual(codes, ['foundation', 'professional', 'enterprise']);
    const foundation = res.json().items[0];
    assert.equal(foundation.limits.members, 3);
    assert.equal(foundation.limits.cloud_accounts, 1);
    assert.ok(!foundation.features.includes('reports.xlsx'));
  });

  it('creates a client with its subscription and invites a new owner by mail', async () => {
    const res = await call('POST', '/api/admin/clients', rootToken, {
      name: 'Viña Central',
      slug: 'vina-central',
      country: 'CL',
      currency: 'CLP',
      plan: 'foundation',
      owner_email: 'duena@vina.example',
      owner_name: 'Dueña',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().plan, 'foundation');
    assert.equal(res.json().members, 1);

    await t.services.outbox.drain();
    const mail = await smtp.waitFor((m) => m.to.includes('duena@vina.example'));
    assert.match(mail.text, /reset-password\?token=/);
    assert.equal(smtp.mails.filter((m) => m.to.includes('duena@vina.example')).length, 1);

    const dup = await call('POST', '/api/admin/clients', rootToken, {
      name: 'Other',
      slug: 'vina-central',
      country: 'CL',
      currency: 'CLP',
      plan: 'foundation',
      owner_email: 'x@vina.example',
    });
    assert.equal(dup.statusCode, 409);
  });

  it('lets support read but not manage', async () => {
    assert.equal((await call('GET', '/api/admin/clients', supportToken)).statusCode, 200);
    const create = await call('POST', '/api/admin/plans', supportToken, {
      code: 'nope',
      name: 'Nope',
      monthly_price: '1.00',
      currency: 'USD',
      limits: { members: 1, cloud_accounts: 1, history_months: 1, upload_mb: 1 },
      features: [],
    });
    assert.equal(create.statusCode, 403);
  });

  it('adds a plan without a migration and moves a client to it, keeping history', async () => {
    const plan = await call('POST', '/api/admin/plans', rootToken, {
      code: 'startup',
      name: 'Startup',
      monthly_price: '99.00',
      currency: 'USD',
      limits: { members: 2, cloud_accounts: 1, history_months: 6, upload_mb: 100 },
      features: ['costs', 'findings', 'reports.csv'],
    });
    assert.equal(plan.statusCode, 201, plan.body);
    const list = (await call('GET', '/api/admin/clients?q=vina', rootToken)).json();
    const id = list.items[0].id;
    const changed = await call('PUT', `/api/admin/clients/${id}/subscription`, rootToken, {
      plan: 'startup',
      status: 'past_due',
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().current.plan, 'startup');
    assert.equal(changed.json().current.status, 'past_due');
    assert.equal(changed.json().history.length, 2);
    assert.ok(changed.json().history[1].ended_at);
  });

  it('holds the member limit (402) and never leaves a client without an owner (409)', async () => {
    const created = await call('POST', '/api/admin/clients', rootToken, {
      name: 'Limite',
      slug: 'limite',
      country: 'AR',
      currency: 'USD',
      plan: 'startup',
      owner_email: 'owner@limite.example',
    });
    const clientId = created.json().id;
    const owner = await t.database.db
      .select()
      .from(users)
      .where(eq(users.email, 'owner@limite.example'));
    // Give the invited owner a password so the test can sign in as them.
    const { hashPassword } = await import('../../src/modules/identity/passwords.js');
    const password = 'viento fuerte en la pampa 7';
    await t.database.db
      .update(users)
      .set({ passwordHash: await hashPassword(password) })
      .where(eq(users.id, owner[0]!.id));
    const token = (await login({ email: 'owner@limite.example', password })).access_token;

    const second = await call('POST', '/api/v1/members', token, {
      email: 'a@limite.example',
      role: 'viewer',
    });
    assert.equal(second.statusCode, 201, second.body);
    const third = await call('POST', '/api/v1/members', token, {
      email: 'b@limite.example',
      role: 'viewer',
    });
    assert.equal(third.statusCode, 402);
    assert.equal(third.json().error.code, 'plan_limit_reached');
    assert.deepEqual(third.json().error.details, { limit: 'members', current: 2, max: 2 });

    const demote = await call('PATCH', `/api/v1/members/${owner[0]!.id}`, token, {
      role: 'viewer',
    });
    assert.equal(demote.statusCode, 409);
    const remove = await call('DELETE', `/api/v1/members/${owner[0]!.id}`, token);
    assert.equal(remove.statusCode, 409);

    const sub = await call('GET', '/api/v1/subscription', token);
    assert.equal(sub.statusCode, 200);
    assert.deepEqual(sub.json().usage, { members: 2, cloud_accounts: 0 });

    // A canceled subscription leaves the client read-only.
    await call('PUT', `/api/admin/clients/${clientId}/subscription`, rootToken, {
      status: 'canceled',
    });
    const blocked = await call('DELETE', `/api/v1/members/${second.json().user_id}`, token);
    assert.equal(blocked.statusCode, 403);
    assert.equal(blocked.json().error.code, 'subscription_inactive');
    assert.equal((await call('GET', '/api/v1/members', token)).statusCode, 200);

    // Suspension stops the members at once.
    await call('POST', `/api/admin/clients/${clientId}/suspend`, rootToken);
    const stopped = await call('GET', '/api/v1/members', token);
    assert.equal(stopped.statusCode, 403);
    assert.equal(stopped.json().error.code, 'client_suspended');
    await call('POST', `/api/admin/clients/${clientId}/reactivate`, rootToken);
    assert.equal((await call('GET', '/api/v1/members', token)).statusCode, 200);
  });

  it('gates plan features with feature_not_in_plan', async () => {
    const list = (await call('GET', '/api/admin/clients?q=limite', rootToken)).json();
    // Switching ends the session it came from, so use a session of its own.
    const ownRoot = (await login(await makeUser(t.database.db, { globalRole: 'root' })))
      .access_token;
    const entered = await call('POST', '/api/auth/switch-client', ownRoot, {
      client_id: list.items[0].id,
      reason: 'Checking plan gates for the test',
    });
    const res = await call('GET', '/api/v1/costs/forecast', entered.json().access_token);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'feature_not_in_plan');
    assert.equal(res.json().error.details.feature, 'forecast');
  });

  it('manages users: only root grants global roles; disable ends sessions; unlock', async () => {
    const target: TestUser = await makeUser(t.database.db);
    const session = await login(target);
    const grant = await call('PATCH', `/api/admin/users/${target.id}`, supportToken, {
      global_role: 'support',
    });
    assert.equal(grant.statusCode, 403);

    const disabled = await call('POST', `/api/admin/users/${target.id}/disable`, rootToken);
    assert.equal(disabled.statusCode, 200, disabled.body);
    assert.equal(disabled.json().status, 'disabled');
    const me = await call('GET', '/api/auth/me', session.access_token);
    assert.equal(me.statusCode, 401);

    await call('POST', `/api/admin/users/${target.id}/enable`, rootToken);
    await t.database.db
      .update(users)
      .set({ lockedUntil: new Date(Date.now() + 600_000) })
      .where(eq(users.id, target.id));
    const unlocked = await call('POST', `/api/admin/users/${target.id}/unlock`, supportToken);
    assert.equal(unlocked.statusCode, 200);
    assert.equal(unlocked.json().locked, false);
    assert.equal((await login(target)).token_type, 'Bearer');
  });

  it('answers stats and security events', async () => {
    const stats = await call('GET', '/api/admin/stats', supportToken);
    assert.equal(stats.statusCode, 200, stats.body);
    const body = stats.json();
    assert.ok(body.clients.by_status.some((r: { status: string }) => r.status === 'active'));
    assert.ok(body.logins.find((l: { window: string }) => l.window === '24h').succeeded >= 3);
    assert.ok(body.monthly_recurring_revenue.length >= 1);

    const page1 = (await call('GET', '/api/admin/security-events?limit=5', supportToken)).json();
    assert.equal(page1.items.length, 5);
    assert.ok(page1.next_cursor);
    const page2 = (
      await call(
        'GET',
        `/api/admin/security-events?limit=5&cursor=${page1.next_cursor}`,
        supportToken,
      )
    ).json();
    assert.ok(page2.items[0].id < page1.items[4].id);
    const filtered = (
      await call('GET', '/api/admin/security-events?type=client.created', supportToken)
    ).json();
    assert.ok(filtered.items.length >= 2);
    assert.ok(filtered.items.every((e: { type: string }) => e.type === 'client.created'));
  });
});

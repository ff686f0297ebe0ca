import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { eq } from 'drizzle-orm';
import bcrypt from 'bcrypt';

import { securityEvents, users } from '../../src/db/schema.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClock } from '../support/clock.js';
import { addMember, makeClient, makeUser, type TestUser } from '../support/factories.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

describe('login, lockout and sessions', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  const clock = new TestClock();
  let alice: TestUser;
  let clientA: string;
  let clientB: string;

  const login = (body: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/auth/login', payload: body });

  before(async () => {
    smtp = await startSmtp();
    t = await createTestApp({
      clock,
      env: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '1000' },
    });
    const db = t.database.db;
    clientA = (await makeClient(db, { name: 'Andes Retail' })).id;
    clientB = (await makeClient(db, { name: 'Pampa Foods' })).id;
    alice = await makeUser(db, { name: 'Alice Ávila' });
    await addMember(db, clientA, alice.id, 'owner');
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('signs in and lands in the only client, with permissions', async () => {
    const res = await login({ email: alice.email.toUpperCase(), password: alice.password });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 900);
    assert.equal(body.client.id, clientA);
    assert.equal(body.client.role, 'owner');
    assert.ok(body.permissions.includes('members:manage'));
    assert.ok(body.refresh_token.length >= 40);

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().client.id, clientA);
    assert.equal(me.json().client_role, 'owner');
    assert.deepEqual(
      me.json().memberships.map((m: { client_id: string }) => m.client_id),
      [clientA],
    );
  });

  it('asks for a client the user does not belong to → 404 like a missing one', async () => {
    const other = await login({ email: alice.email, password: alice.password, client_id: clientB });
    const missing = await login({
      email: alice.email,
      password: alice.password,
      client_id: '00000000-0000-4000-8000-000000000000',
    });
    assert.equal(other.statusCode, 404);
    assert.equal(missing.statusCode, 404);
    assert.equal(other.json().error.message, missing.json().error.message);
  });

  it('answers unknown e-mail, wrong password and disabled account identically', async () => {
    const bob = await makeUser(t.database.db);
    await t.database.db.update(users).set({ status: 'disabled' }).where(eq(users.id, bob.id));
    const answers = await Promise.all([
      login({ email: 'nobody@example.test', password: 'whatever-password-1' }),
      login({ email: alice.email, password: 'wrong-password-123' }),
      login({ email: bob.email, password: bob.password }),
    ]);
    for (const a of answers) {
      assert.equal(a.statusCode, 401);
      const { error } = a.json();
      assert.deepEqual(
        { code: error.code, message: error.message },
        {
          code: 'unauthenticated',
          message: 'The e-mail or password is not correct.',
        },
      );
    }
    // Reset Alice's counter for the lockout test below.
    await t.database.db.update(users).set({ failedLoginCount: 0 }).where(eq(users.id, alice.id));
  });

  it('refuses an absurdly long password before hashing it', async () => {
    const started = performance.now();
    const res = await login({ email: alice.email, password: 'x'.repeat(10_000) });
    assert.equal(res.statusCode, 400);
    assert.ok(performance.now() - started < 150, 'no bcrypt on a 10 kB password');
  });

  it('locks after ten failures, mails the owner, unlocks after 15 minutes', async () => {
    const carol = await makeUser(t.database.db, { name: 'Carol' });
    for (let i = 0; i < 10; i += 1) {
      const res = await login({ email: carol.email, password: `wrong-password-${i}` });
      assert.equal(res.statusCode, 401);
    }
    const locked = await login({ email: carol.email, password: carol.password });
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().error.code, 'account_locked');
    assert.ok(Number(locked.headers['retry-after']) > 800);

    await t.services.outbox.drain();
    const mail = await smtp.waitFor((m) => m.to.includes(carol.email));
    assert.match(mail.subject, /locked/i);

    const events = await t.database.db
      .select()
      .from(securityEvents)
      .where(eq(securityEvents.targetId, carol.id));
    assert.ok(events.some((e) => e.type === 'auth.account.locked'));

    clock.advance(15 * 60_000 + 1000);
    const after = await login({ email: carol.email, password: carol.password });
    assert.equal(after.statusCode, 200, after.body);
  });

  it('locks an unknown address the same way, revealing nothing', async () => {
    const email = 'ghost@example.test';
    for (let i = 0; i < 10; i += 1) await login({ email, password: `nope-nope-${i}` });
    const res = await login({ email, password: 'nope-nope-x' });
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().error.code, 'account_locked');
  });

  it('upgrades a legacy bcrypt hash (cost 10, no pre-hash) at the next sign-in', async () => {
    const dave = await makeUser(t.database.db);
    const legacyPassword = 'legacy flask password 2019';
    await t.database.db
      .update(users)
      .set({ passwordHash: await bcrypt.hash(legacyPassword, 10) })
      .where(eq(users.id, dave.id));
    const res = await login({ email: dave.email, password: legacyPassword });
    assert.equal(res.statusCode, 200, res.body);
    const [row] = await t.database.db.select().from(users).where(eq(users.id, dave.id));
    assert.match(row!.passwordHash!, /^v1\$\$2[aby]\$12\$/);
    const again = await login({ email: dave.email, password: legacyPassword });
    assert.equal(again.statusCode, 200);
  });

  it('no bcrypt truncation: 72 bytes plus one character is another password', async () => {
    const erin = await makeUser(t.database.db);
    // 72 bytes exactly: bcrypt alone would ignore anything after this.
    const long = 'El cóndor pasa sobre los Andes nevados al amanecer de un martes'.padEnd(71, '!');
    assert.equal(Buffer.byteLength(long), 72);
    const first = await login({ email: erin.email, password: erin.password });
    const changed = await t.app.inject({
      method: 'POST',
      url: '/api/auth/change-password',
      headers: { authorization: `Bearer ${first.json().access_token}` },
      payload: { current_password: erin.password, new_password: long },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal((await login({ email: erin.email, password: `${long}x` })).statusCode, 401);
    assert.equal((await login({ email: erin.email, password: long })).statusCode, 200);
  });

  it('rotates refresh tokens and ends the session when a used one comes back', async () => {
    const first = (await login({ email: alice.email, password: alice.password })).json();
    const refresh = (token: string) =>
      t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: token } });

    const second = await refresh(first.refresh_token);
    assert.equal(second.statusCode, 200, second.body);
    assert.notEqual(second.json().refresh_token, first.refresh_token);
    assert.equal(second.json().client.id, clientA);

    const replay = await refresh(first.refresh_token);
    assert.equal(replay.statusCode, 401);
    // The thief's copy and the legitimate newer token are both dead now.
    assert.equal((await refresh(second.json().refresh_token)).statusCode, 401);
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${second.json().access_token}` },
    });
    assert.equal(me.statusCode, 401);
    const events = await t.database.db
      .select()
      .from(securityEvents)
      .where(eq(securityEvents.type, 'auth.token.reuse_detected'));
    assert.equal(events.length, 1);
  });

  it('logout ends the session at once', async () => {
    const s = (await login({ email: alice.email, password: alice.password })).json();
    const auth = { authorization: `Bearer ${s.access_token}` };
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth });
    assert.equal(out.statusCode, 204);
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: auth })).statusCode,
      401,
    );
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refresh_token: s.refresh_token },
    });
    assert.equal(r.statusCode, 401);
  });

  it('applies a role change, a removal and a disable at once', async () => {
    const frank = await makeUser(t.database.db);
    await addMember(t.database.db, clientB, frank.id, 'owner');
    const s = (await login({ email: frank.email, password: frank.password })).json();
    const me = () =>
      t.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { authorization: `Bearer ${s.access_token}` },
      });
    assert.ok((await me()).json().permissions.includes('members:manage'));

    const { memberships } = await import('../../src/db/schema.js');
    await t.database.db
      .update(memberships)
      .set({ role: 'viewer' })
      .where(eq(memberships.userId, frank.id));
    const downgraded = (await me()).json();
    assert.equal(downgraded.client_role, 'viewer');
    assert.ok(!downgraded.permissions.includes('members:manage'));

    await t.database.db.update(users).set({ status: 'disabled' }).where(eq(users.id, frank.id));
    assert.equal((await me()).statusCode, 401);
  });

  it('records successful and failed sign-ins without any secret', async () => {
    const rows = await t.database.db.select().from(securityEvents);
    const types = new Set(rows.map((r) => r.type));
    for (const type of ['auth.login.succeeded', 'auth.login.failed', 'auth.account.locked']) {
      assert.ok(types.has(type), type);
    }
    const text = JSON.stringify(rows) + t.logText();
    assert.ok(!text.includes(alice.password), 'a password leaked into events or logs');
  });
});

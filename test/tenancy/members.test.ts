import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { and, eq } from 'drizzle-orm';

import { securityEvents } from '../../src/db/schema.js';
import { createTestApp, type TestApp } from '../support/app.js';
import {
  addMember,
  makeClient,
  makePlan,
  makeUser,
  subscribe,
  type TestUser,
} from '../support/factories.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

describe('adding members: no account oracle, nobody enrolled silently', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let clientA: { id: string; name: string };
  let owner: TestUser;
  let ownerToken: string;
  /** A user of another client, who signed in there. */
  let outsider: TestUser;

  const call = (method: string, url: string, token: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload: payload as Record<string, unknown> } : {}),
    });
  const login = async (u: TestUser, clientId?: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: {
        email: u.email,
        password: u.password,
        ...(clientId ? { client_id: clientId } : {}),
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().access_token as string;
  };

  before(async () => {
    smtp = await startSmtp();
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '1000' },
    });
    const db = t.database.db;
    const plan = await makePlan(db);
    const a = await makeClient(db, { name: 'Andes Foods' });
    const b = await makeClient(db);
    await subscribe(db, a.id, plan.id);
    await subscribe(db, b.id, plan.id);
    clientA = a;

    owner = await makeUser(db, { name: 'Olga Owner' });
    await addMember(db, a.id, owner.id, 'owner');
    ownerToken = await login(owner);

    outsider = await makeUser(db, { name: 'Otto Outsider' });
    await addMember(db, b.id, outsider.id, 'viewer');
    // Their sign-in to B sets the global last_login_at that A must never see.
    await login(outsider);
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('answers the same for an existing account and an unknown address', async () => {
    const existing = await call('POST', '/api/v1/members', ownerToken, {
      email: outsider.email.toUpperCase(),
      name: 'Whoever',
      role: 'viewer',
    });
    const unknown = await call('POST', '/api/v1/members', ownerToken, {
      email: 'NEW.PERSON@Example.test',
      name: 'Whoever',
      role: 'viewer',
    });

    assert.equal(existing.statusCode, 201, existing.body);
    assert.equal(unknown.statusCode, 201, unknown.body);
    const [e, u] = [existing.json(), unknown.json()];
    assert.deepEqual(Object.keys(e).sort(), ['email', 'role', 'status', 'user_id']);
    assert.deepEqual(Object.keys(u).sort(), Object.keys(e).sort());
    assert.equal(e.status, 'invited');
    assert.equal(u.status, 'invited');
    // The address comes back as sent: the stored casing would give the account away.
    assert.equal(e.email, outsider.email.toUpperCase());
    assert.equal(u.email, 'NEW.PERSON@Example.test');
    assert.deepEqual(existing.headers['content-type'], unknown.headers['content-type']);

    // The audit trail still records both additions.
    for (const id of [e.user_id, u.user_id]) {
      const events = await t.database.db
        .select()
        .from(securityEvents)
        .where(and(eq(securityEvents.type, 'membership.changed'), eq(securityEvents.targetId, id)));
      assert.equal(events.length, 1);
      assert.equal(events[0]!.clientId, clientA.id);
    }
  });

  it('tells both people by mail: a set-password link, or who added them', async () => {
    await t.services.outbox.drain();
    const notice = await smtp.waitFor((m) => m.to.includes(outsider.email));
    assert.match(notice.subject, /You were added to Andes Foods/);
    assert.match(notice.text, /Olga Owner <[^>]+> added you to Andes Foods as viewer/);
    assert.doesNotMatch(notice.text, /reset-password\?token=/, 'an existing user needs no link');

    const invitation = await smtp.waitFor((m) =>
      m.to.some((to) => to.toLowerCase() === 'new.person@example.test'),
    );
    assert.match(invitation.subject, /Andes Foods/);
    assert.match(invitation.text, /reset-password\?token=/);
  });

  it('lists members without their activity in other clients', async () => {
    const before = (await call('GET', '/api/v1/members', ownerToken)).json().items;
    const row = before.find((m: { user_id: string }) => m.user_id === outsider.id);
    assert.ok(row, 'the added user is listed');
    assert.equal('last_login_at' in row, false, 'no global last sign-in');
    assert.equal(row.last_access_at, null, 'the sign-in to the other client does not count');
    assert.equal(row.status, 'invited');

    // Once they come into this client, the listing says so.
    const token = await login(outsider);
    const switched = await call('POST', '/api/auth/switch-client', token, {
      client_id: clientA.id,
    });
    assert.equal(switched.statusCode, 200, switched.body);
    const after = (await call('GET', '/api/v1/members', ownerToken)).json().items;
    const now = after.find((m: { user_id: string }) => m.user_id === outsider.id);
    assert.equal(now.status, 'active');
    assert.ok(now.last_access_at, 'the switch into this client is shown');
  });
});

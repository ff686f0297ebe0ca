import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { SignJWT, UnsecuredJWT } from 'jose';

import { createTestApp, type TestApp } from '../support/app.js';
import { addMember, makeClient, makeUser, type TestUser } from '../support/factories.js';

describe('access tokens', () => {
  let t: TestApp;
  let user: TestUser;
  let session: { access_token: string; refresh_token: string };
  let claims: Record<string, unknown>;
  let key: Uint8Array;

  const me = (token: string, extra: Record<string, string> = {}) =>
    t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${token}`, ...extra },
    });

  const sign = (payload: Record<string, unknown>, alg = 'HS256', secret = key) =>
    new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(secret);

  before(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
    key = new TextEncoder().encode(t.config.jwt.secret);
    const client = await makeClient(t.database.db);
    user = await makeUser(t.database.db);
    await addMember(t.database.db, client.id, user.id, 'viewer');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: user.password },
    });
    session = res.json();
    claims = JSON.parse(Buffer.from(session.access_token.split('.')[1]!, 'base64url').toString());
  });
  after(() => t.close());

  it('accepts the token it issued', async () => {
    assert.equal((await me(session.access_token)).statusCode, 200);
    assert.equal(claims.typ, 'access');
    assert.equal(claims.iss, t.config.jwt.issuer);
    assert.equal(claims.client_role, 'viewer');
  });

  it('refuses alg none in any casing', async () => {
    const unsecured = new UnsecuredJWT(claims).encode();
    assert.equal((await me(unsecured)).statusCode, 401);
    const [, payload] = unsecured.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'nOnE', typ: 'JWT' })).toString('base64url');
    assert.equal((await me(`${header}.${payload}.`)).statusCode, 401);
  });

  it('refuses another algorithm, even with the right key', async () => {
    const longKey = new TextEncoder().encode(t.config.jwt.secret.repeat(2));
    const hs512 = await sign(claims, 'HS512', longKey);
    assert.equal((await me(hs512)).statusCode, 401);
  });

  it('refuses a tampered claim', async () => {
    const [h, , s] = session.access_token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, global_role: 'root' })).toString(
      'base64url',
    );
    const res = await me(`${h}.${forged}.${s}`);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'token_invalid');
  });

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign({ ...claims, iat: now - 2000, exp: now - 120 });
    assert.equal((await me(expired)).statusCode, 401);
  });

  it('refuses a wrong issuer or audience', async () => {
    assert.equal((await me(await sign({ ...claims, iss: 'someone-else' }))).statusCode, 401);
    assert.equal((await me(await sign({ ...claims, aud: 'other-service' }))).statusCode, 401);
  });

  it('refuses claim shapes we never issue', async () => {
    const noClient = await sign({ ...claims, client_id: null });
    assert.equal((await me(noClient)).statusCode, 401, 'client_role without client_id');
    const superadmin = await sign({ ...claims, client_role: 'superadmin' });
    assert.equal((await me(superadmin)).statusCode, 401);
    const extra = await sign({ ...claims, is_admin: true });
    assert.equal((await me(extra)).statusCode, 401);
    const refreshType = await sign({ ...claims, typ: 'refresh' });
    assert.equal((await me(refreshType)).statusCode, 401);
  });

  it('refuses a refresh token used as an access token', async () => {
    assert.equal((await me(session.refresh_token)).statusCode, 401);
  });

  it('takes tokens only from the Authorization header', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/auth/me?access_token=${session.access_token}`,
    });
    assert.equal(res.statusCode, 401);
    const cookie = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { cookie: `access_token=${session.access_token}` },
    });
    assert.equal(cookie.statusCode, 401);
  });

  it('refuses a token issued before a password change', async () => {
    const fresh = (
      await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: user.email, password: user.password },
      })
    ).json();
    const changed = await t.app.inject({
      method: 'POST',
      url: '/api/auth/change-password',
      headers: { authorization: `Bearer ${fresh.access_token}` },
      payload: { current_password: user.password, new_password: 'nuevo camino por la cordillera' },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal((await me(session.access_token)).statusCode, 401);
    assert.equal((await me(fresh.access_token)).statusCode, 401);
    assert.equal((await me(changed.json().access_token)).statusCode, 200);
  });

  it('records invalid tokens without the token itself', async () => {
    const { securityEvents } = await import('../../src/db/schema.js');
    const rows = await t.database.db.select().from(securityEvents);
    assert.ok(rows.some((r) => r.type === 'auth.token.invalid'));
    const text = JSON.stringify(rows) + t.logText();
    assert.ok(!text.includes(session.access_token), 'token leaked');
    assert.ok(!text.includes(session.refresh_token), 'refresh token leaked');
    assert.ok(!text.includes(user.password), 'password leaked');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { eq } from 'drizzle-orm';

import { mailOutbox, passwordResetTokens, securityEvents } from '../../src/db/schema.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClock } from '../support/clock.js';
import { addMember, makeClient, makeUser, type TestUser } from '../support/factories.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

function linkToken(text: string): string {
  const match = /https:\/\/app\.finops\.test\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(text);
  assert.ok(match, `no reset link in: ${text}`);
  return match[1]!;
}

describe('password change, forgot and reset', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  const clock = new TestClock();

  const post = (url: string, payload: unknown, token?: string) =>
    t.app.inject({
      method: 'POST',
      url,
      payload: payload as Record<string, unknown>,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const login = async (u: { email: string; password: string }) =>
    post('/api/auth/login', { email: u.email, password: u.password });

  before(async () => {
    smtp = await startSmtp();
    t = await createTestApp({
      clock,
      env: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '1000' },
    });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('refuses weak new passwords with the reason', async () => {
    const client = await makeClient(t.database.db, { name: 'Cobre Andino' });
    const u = await makeUser(t.database.db, { email: 'maria.gonzalez@example.test' });
    await addMember(t.database.db, client.id, u.id, 'viewer');
    const token = (await login(u)).json().access_token;
    const cases: [string, string][] = [
      ['short one 1', 'password_too_short'],
      ['passwordpassword', 'password_common'],
      ['qwerty123456', 'password_common'],
      ['maria.gonzalez is me 2024', 'password_contextual'],
      ['cobre andino forever 99', 'password_contextual'],
    ];
    for (const [candidate, reason] of cases) {
      const res = await post(
        '/api/auth/change-password',
        { current_password: u.password, new_password: candidate },
        token,
      );
      assert.equal(res.statusCode, 400, candidate);
      assert.equal(res.json().error.details.reason, reason, candidate);
    }
  });

  it('accepts a long passphrase with spaces and emoji, and signs in with it', async () => {
    const u = await makeUser(t.database.db);
    const token = (await login(u)).json().access_token;
    const phrase = 'mi llama 🦙 come quinoa en Cusco cada martes por la mañana 🔐';
    const res = await post(
      '/api/auth/change-password',
      { current_password: u.password, new_password: phrase },
      token,
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await login({ email: u.email, password: phrase })).statusCode, 200);
    assert.equal((await login(u)).statusCode, 401, 'the old password no longer works');

    await t.services.outbox.drain();
    const mail = await smtp.waitFor((m) => m.to.includes(u.email) && /changed/i.test(m.subject));
    assert.ok(!mail.text.includes(phrase), 'the password is never mailed');
  });

  it('refuses a wrong current password and counts it', async () => {
    const u = await makeUser(t.database.db);
    const token = (await login(u)).json().access_token;
    const res = await post(
      '/api/auth/change-password',
      { current_password: 'not my password at all', new_password: 'otra clave muy segura 77' },
      token,
    );
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.details.reason, 'current_password_wrong');
    const events = await t.database.db
      .select()
      .from(securityEvents)
      .where(eq(securityEvents.targetId, u.id));
    assert.ok(events.some((e) => e.type === 'auth.password.change_failed'));
  });

  it('forgot-password: same answer for known and unknown; only known get mail', async () => {
    const u = await makeUser(t.database.db, { locale: 'es' });
    const known = await post('/api/auth/forgot-password', { email: u.email });
    const unknown = await post('/api/auth/forgot-password', { email: 'nadie@example.test' });
    assert.equal(known.statusCode, 202);
    assert.equal(unknown.statusCode, 202);
    assert.deepEqual(known.json(), unknown.json());

    await t.services.outbox.drain();
    const mail = await smtp.waitFor((m) => m.to.includes(u.email));
    assert.match(mail.subject, /Restablecer/);
    assert.ok(!smtp.mails.some((m) => m.to.includes('nadie@example.test')));

    const stored = await t.database.db.select().from(passwordResetTokens);
    const token = linkToken(mail.text);
    assert.ok(
      stored.every((r) => r.tokenHash !== token),
      'only a hash is stored',
    );
  });

  it('follows the mailed link once, then refuses it', async () => {
    const u = await makeUser(t.database.db, { locale: 'pt-BR' });
    const session = (await login(u)).json();
    await post('/api/auth/forgot-password', { email: u.email });
    await t.services.outbox.drain();
    const token = linkToken((await smtp.waitFor((m) => m.to.includes(u.email))).text);

    const newPassword = 'sol de inverno sobre o rio 42';
    const reset = await post('/api/auth/reset-password', { token, new_password: newPassword });
    assert.equal(reset.statusCode, 204, reset.body);
    assert.equal((await login({ email: u.email, password: newPassword })).statusCode, 200);

    const again = await post('/api/auth/reset-password', {
      token,
      new_password: 'outra senha qualquer 9',
    });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().error.details.reason, 'reset_token_invalid');

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${session.access_token}` },
    });
    assert.equal(me.statusCode, 401, 'sessions from before the reset are over');
  });

  it('lets a link expire after 30 minutes, and a newer link void an older one', async () => {
    const u = await makeUser(t.database.db);
    await post('/api/auth/forgot-password', { email: u.email });
    await t.services.outbox.drain();
    const first = linkToken((await smtp.waitFor((m) => m.to.includes(u.email))).text);

    await post('/api/auth/forgot-password', { email: u.email });
    await t.services.outbox.drain();
    const mails = smtp.mails.filter((m) => m.to.includes(u.email));
    assert.equal(mails.length, 2);
    const second = linkToken(mails[1]!.text);

    const voided = await post('/api/auth/reset-password', {
      token: first,
      new_password: 'uno dos tres cuatro cinco',
    });
    assert.equal(voided.statusCode, 400);

    clock.advance(31 * 60_000);
    const expired = await post('/api/auth/reset-password', {
      token: second,
      new_password: 'uno dos tres cuatro cinco',
    });
    assert.equal(expired.statusCode, 400);
  });

  it('throttles reset mails per address: the fourth within an hour sends nothing', async () => {
    const u = await makeUser(t.database.db);
    for (let i = 0; i < 4; i += 1) {
      const res = await post('/api/auth/forgot-password', { email: u.email });
      assert.equal(res.statusCode, 202);
    }
    await t.services.outbox.drain();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(smtp.mails.filter((m) => m.to.includes(u.email)).length, 3);
  });

  it('keeps answering while SMTP is down and sends each mail once after recovery', async () => {
    const u = await makeUser(t.database.db);
    smtp.failing = true;
    const res = await post('/api/auth/forgot-password', { email: u.email });
    assert.equal(res.statusCode, 202);
    assert.equal(await t.services.outbox.drain(), 0);
    smtp.failing = false;

    // The failed attempt backed off; move the outbox rows' clock instead of waiting.
    await t.database.db
      .update(mailOutbox)
      .set({ nextAttemptAt: new Date(0) })
      .where(eq(mailOutbox.status, 'pending'));
    await t.services.outbox.drain();
    await t.services.outbox.drain();
    assert.equal(smtp.mails.filter((m) => m.to.includes(u.email)).length, 1);
  });

  it('keeps reset tokens and passwords out of logs and events', async () => {
    const rows = await t.database.db.select().from(securityEvents);
    const text = JSON.stringify(rows) + t.logText();
    for (const mail of smtp.mails) {
      const match = /token=([A-Za-z0-9_-]+)/.exec(mail.text);
      if (match) assert.ok(!text.includes(match[1]!), 'reset token leaked');
    }
    assert.ok(!text.includes('sol de inverno sobre o rio 42'));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { createTestApp, type TestApp } from '../support/app.js';
import { testEngine } from '../support/db.js';
import type { TestUser } from '../support/factories.js';
import { listen, percentile, usersWithOnePassword } from './support.js';

/*
 * 200 sign-ins at once over real sockets while /livez is polled. bcrypt at cost 12 takes
 * 0.3-0.4 s of CPU per verification here: had it run on the event loop, a poll would wait for
 * at least one verification, so the median would be hundreds of milliseconds: the median bound
 * is the one that tells. p99 and max only catch long stalls; they are set for this shared
 * 2-core machine (load average 10-18 while they were set, with PGlite's queries on the same
 * thread: p50 2-32 ms, p99 155-650 ms, max 0.5-1.1 s).
 *
 * The rate limit stays at its production default (30 per minute per IP). A real deployment
 * sees 200 sign-ins from 200 browsers behind a proxy, not from one address, so the app
 * trusts the local proxy and each simulated person sends its own X-Forwarded-For.
 */
const LIVEZ_P50_MS = 100;
const LIVEZ_P99_MS = 1000;
// TODO: tighten to p99 < 100 ms and max < 250 ms once it runs on a machine of its own.
const LIVEZ_MAX_MS = 2500;
/**
 * A token check queued behind the burst's bcrypt work on the thread pool would wait tens of
 * seconds (it did, before passwords.ts bounded bcrypt's share).
 */
const ME_P50_MS = 500;

const GOOD_USERS = 40;
const LOGINS_PER_GOOD_USER = 4;
const TARGETED_USERS = 5;
/** Below the lock threshold (10 in a row), so every one of them must answer 401, not 429. */
const WRONG_PER_TARGETED_USER = 6;
const UNKNOWN_EMAILS = 10;

interface Attempt {
  email: string;
  password: string;
  ip: string;
  expect: 200 | 401;
}

const post = (base: string, path: string, body: unknown, ip: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify(body),
  });

describe(`200 concurrent logins with /livez polled, on ${testEngine()}`, () => {
  let t: TestApp;
  let base: string;
  let good: TestUser[];
  let targeted: TestUser[];
  let token: string;

  before(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: '127.0.0.1', LOG_LEVEL: 'info' } });
    base = await listen(t);
    good = await usersWithOnePassword(t.database.db, GOOD_USERS);
    targeted = await usersWithOnePassword(t.database.db, TARGETED_USERS);
    const [watcher] = await usersWithOnePassword(t.database.db, 1);
    const res = await post(
      base,
      '/api/auth/login',
      { email: watcher!.email, password: watcher!.password },
      '10.4.0.1',
    );
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  after(async () => {
    await t.close();
  });

  it('every login gets its right answer and /livez stays fast', async () => {
    const attempts: Attempt[] = [];
    good.forEach((u, i) => {
      for (let k = 0; k < LOGINS_PER_GOOD_USER; k++) {
        attempts.push({ ...u, ip: `10.1.${i}.1`, expect: 200 });
      }
    });
    targeted.forEach((u, i) => {
      for (let k = 0; k < WRONG_PER_TARGETED_USER; k++) {
        attempts.push({
          email: u.email,
          password: `${u.password}x`,
          ip: `10.2.${i}.1`,
          expect: 401,
        });
      }
    });
    for (let i = 0; i < UNKNOWN_EMAILS; i++) {
      attempts.push({
        email: `nobody-${i}@example.test`,
        password: good[0]!.password,
        ip: `10.3.${i}.1`,
        expect: 401,
      });
    }
    assert.equal(attempts.length, 200);

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let done = false;
    const livez: number[] = [];
    let finished = 0;
    const stalls: string[] = [];
    const poller = (async () => {
      let due = performance.now();
      while (!done) {
        // Timed from when the poll was due, not from when its timer got to run: a stall
        // during the pause between two polls counts too.
        const res = await fetch(`${base}/livez`);
        await res.arrayBuffer();
        const ms = performance.now() - due;
        livez.push(ms);
        if (ms > 100) stalls.push(`${Math.round(ms)} ms after ${finished} logins`);
        assert.equal(res.status, 200);
        due = performance.now() + 20;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // An authenticated request during the burst: its token check runs on the same thread pool
    // as bcrypt, so it must not queue behind the 200 verifications.
    const me: number[] = [];
    const meStatuses = new Set<number>();
    const mePoller = (async () => {
      while (!done) {
        const started = performance.now();
        const res = await fetch(`${base}/api/auth/me`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await res.arrayBuffer();
        me.push(performance.now() - started);
        meStatuses.add(res.status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const started = performance.now();
    const results = await Promise.all(
      attempts.map(async (a) => {
        const res = await post(
          base,
          '/api/auth/login',
          { email: a.email, password: a.password },
          a.ip,
        );
        finished += 1;
        return { a, status: res.status, body: (await res.json()) as Record<string, unknown> };
      }),
    );
    const elapsed = performance.now() - started;
    done = true;
    await Promise.all([poller, mePoller]);
    loop.disable();

    const wrong = results.filter((r) => r.status !== r.a.expect);
    const errors = t
      .logs()
      .filter((l) => l.level === 'error' || l.level === 'warn')
      .map((l) => `${String(l.msg)}: ${JSON.stringify(l.err ?? '').slice(0, 300)}`);
    assert.deepEqual(
      wrong.map((r) => `${r.a.expect} → ${r.status} ${JSON.stringify(r.body.error ?? '')}`),
      [],
      `each login answered as its password deserves; logged: ${[...new Set(errors)].join('; ')}`,
    );
    for (const r of results) {
      if (r.status === 200) assert.match(String(r.body.access_token), /^[\w-]+\.[\w-]+\.[\w-]+$/);
      else assert.equal((r.body.error as { code: string }).code, 'unauthenticated');
    }

    const p99 = percentile(livez, 0.99);
    const max = Math.max(...livez);
    const stats =
      `${livez.length} /livez polls during ${Math.round(elapsed)} ms of logins: ` +
      `p50 ${percentile(livez, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
      `max ${max.toFixed(1)} ms; event loop delay max ${(loop.max / 1e6).toFixed(1)} ms; ` +
      `stalls: ${stalls.join(', ') || 'none'}`;
    const meStats = `/api/auth/me: ${me.length} calls, p50 ${percentile(me, 0.5).toFixed(1)} ms`;
    console.log(stats);
    console.log(meStats);
    // Enough polls to make the percentile mean something: the logins take seconds.
    assert.ok(livez.length >= 20, stats);
    assert.ok(percentile(livez, 0.5) < LIVEZ_P50_MS, stats);
    assert.ok(p99 < LIVEZ_P99_MS, stats);
    assert.ok(max < LIVEZ_MAX_MS, stats);
    assert.deepEqual([...meStatuses], [200]);
    assert.ok(percentile(me, 0.5) < ME_P50_MS, meStats);
  });

  it('the per-IP limit still holds: one address gets 429 after 30 tries', async () => {
    // Bodies that fail validation: the limiter counts them (it runs first) without bcrypt.
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await post(base, '/api/auth/login', { email: 'not-an-email' }, '10.9.9.9');
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses.slice(0, 30), Array(30).fill(400));
    assert.equal(statuses[30], 429);

    const other = await post(base, '/api/auth/login', { email: 'not-an-email' }, '10.9.9.10');
    assert.equal(other.status, 400, 'another address is not affected');
  });
});

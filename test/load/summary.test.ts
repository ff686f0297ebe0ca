import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createTestApp, type TestApp } from '../support/app.js';
import { testEngine } from '../support/db.js';
import { addMember, makeClient, makeUser } from '../support/factories.js';
import { eachDay, fact, fixedClock, insertFacts, type FactRow } from '../support/facts.js';
import { listen } from './support.js';

/*
 * 64 summaries at once for one client: the pool (5 connections in tests, 10 by default) is far
 * smaller, so requests queue for a connection. Every answer must be complete and identical to
 * the one a lone request gets, and none may fail for want of a connection.
 */
const CONCURRENT = 64;
const QUERY = '/api/v1/costs/summary?from=2025-01-01&to=2025-03-31&metric=net_amortized';

describe(`${CONCURRENT} concurrent cost summaries on ${testEngine()}`, () => {
  let t: TestApp;
  let base: string;
  let token: string;

  before(async () => {
    t = await createTestApp({ clock: fixedClock('2025-04-10T12:00:00Z') });
    const db = t.database.db;
    const client = await makeClient(db);
    const other = await makeClient(db);
    const rows: FactRow[] = [];
    const services = ['AmazonEC2', 'AmazonS3', 'AmazonRDS', 'AWSLambda', 'AmazonCloudFront'];
    for (const [d, day] of eachDay('2024-10-01', '2025-03-31').entries()) {
      for (const [s, serviceName] of services.entries()) {
        for (const currency of ['USD', 'EUR']) {
          // Distinct amounts per row so a sum that dropped or doubled a row would show.
          const cents = String((d * 13 + s) % 10_000).padStart(4, '0');
          const cost = `${(d * 7 + s * 3 + 1) % 97}.${cents}`;
          rows.push(
            fact({
              clientId: client.id,
              chargeDate: day,
              serviceName,
              billingCurrency: currency,
              cost,
            }),
            fact({ clientId: other.id, chargeDate: day, serviceName, cost: '1000' }),
          );
        }
      }
    }
    await insertFacts(db, rows);

    const viewer = await makeUser(db);
    await addMember(db, client.id, viewer.id, 'viewer');
    base = await listen(t);
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: viewer.email, password: viewer.password }),
    });
    assert.equal(res.status, 200);
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  after(async () => {
    await t.close();
  });

  const summary = async () => {
    const res = await fetch(`${base}${QUERY}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('all answer 200 with the numbers of a lone request, and no pool error', async () => {
    const alone = await summary();
    assert.equal(alone.status, 200, JSON.stringify(alone.body));
    const currencies = alone.body.currencies as { currency: string }[];
    assert.deepEqual(currencies.map((c) => c.currency).sort(), ['EUR', 'USD']);

    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => summary()));
    const failed = answers.filter((a) => a.status !== 200);
    assert.deepEqual(failed, [], 'every concurrent summary succeeded');
    for (const a of answers) assert.deepEqual(a.body, alone.body);

    const errors = t.logs().filter((l) => l.level === 'error' || l.level === 'fatal');
    assert.deepEqual(errors, [], 'no error was logged (pool exhaustion, timeouts)');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { costDaily } from '../../src/db/schema.js';
import { createAnswerCache } from '../../src/modules/costs/costs.cache.js';
import { refreshRollup } from '../../src/modules/costs/costs.rollup.js';
import { createCostsService } from '../../src/modules/costs/costs.service.js';
import {
  breakdownQuerySchema,
  parseCostQuery,
  summaryQuerySchema,
} from '../../src/modules/costs/costs.types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  createClient,
  fact,
  fixedClock,
  insertFacts,
  memberContext,
  money,
} from '../support/facts.js';

describe('analytics answer cache', () => {
  it('keeps at most its size, dropping the least recently used', async () => {
    const cache = createAnswerCache(2);
    let computed = 0;
    const get = (key: string) => cache.get(key, async () => `${key}${++computed}`);

    assert.equal(await get('a'), 'a1');
    assert.equal(await get('b'), 'b2');
    assert.equal(await get('a'), 'a1', 'a hit');
    assert.equal(await get('c'), 'c3', 'evicts b, the least recently used');
    assert.equal(await get('a'), 'a1');
    assert.equal(await get('b'), 'b4', 'b was evicted');
  });

  it('shares one computation among concurrent misses and never keeps a failure', async () => {
    const cache = createAnswerCache(10);
    let calls = 0;
    const slow = () =>
      cache.get('k', async () => {
        calls += 1;
        await new Promise((r) => setTimeout(r, 20));
        return calls;
      });
    assert.deepEqual(await Promise.all([slow(), slow(), slow()]), [1, 1, 1]);
    assert.equal(calls, 1);

    await assert.rejects(cache.get('bad', () => Promise.reject(new Error('boom'))));
    assert.equal(await cache.get('bad', async () => 'ok'), 'ok');
  });
});

describe('cost analytics through the cache', () => {
  let t: TestDatabase;
  let client: string;

  before(async () => {
    t = await createTestDatabase();
    client = await createClient(t.database.db);
    await insertFacts(t.database.db, [
      fact({ clientId: client, chargeDate: '2025-03-02', serviceName: 'AmazonEC2', cost: '10' }),
    ]);
  });
  after(() => t.dispose());

  it('answers from the cache until the data version moves, then never stale', async () => {
    const { db } = t.database;
    const costs = createCostsService({
      db,
      clock: fixedClock('2025-03-20T12:00:00Z'),
      source: 'facts',
      cache: createAnswerCache(100),
    });
    const ctx = memberContext(client);
    const summary = async () =>
      money(
        (await costs.summary(ctx, parseCostQuery(summaryQuerySchema, {}))).currencies[0]?.total,
      );
    const breakdown = async () =>
      (
        await costs.breakdown(ctx, parseCostQuery(breakdownQuerySchema, { group_by: 'service' }))
      ).rows.map((r) => [r.key, money(r.cost)]);

    assert.equal(await summary(), '10');
    assert.deepEqual(await breakdown(), [['AmazonEC2', '10']]);

    // A fact written behind the writers' back (no refresh, no version bump) stays unseen: the
    // answers come from the cache.
    await db
      .insert(costDaily)
      .values(
        fact({ clientId: client, chargeDate: '2025-03-03', serviceName: 'AmazonS3', cost: '5' }),
      );
    assert.equal(await summary(), '10');
    assert.deepEqual(await breakdown(), [['AmazonEC2', '10']]);

    // What every writer does (the ingestion swap, insertFacts): refresh, which bumps the version.
    await db.transaction((tx) =>
      refreshRollup(tx, client, [
        { provider: 'aws', billingAccountId: '111111111111', billingPeriodStart: '2025-03-01' },
      ]),
    );
    assert.equal(await summary(), '15');
    assert.deepEqual(await breakdown(), [
      ['AmazonEC2', '10'],
      ['AmazonS3', '5'],
    ]);

    // And through the shared test factory, as the other suites write facts.
    await insertFacts(db, [
      fact({ clientId: client, chargeDate: '2025-03-04', serviceName: 'AmazonS3', cost: '1' }),
    ]);
    assert.equal(await summary(), '16');
  });

  it('keeps tenants apart: one client never gets an answer cached for another', async () => {
    const { db } = t.database;
    const other = await createClient(db);
    await insertFacts(db, [fact({ clientId: other, chargeDate: '2025-03-02', cost: '7' })]);
    const costs = createCostsService({
      db,
      clock: fixedClock('2025-03-20T12:00:00Z'),
      cache: createAnswerCache(100),
    });
    const q = parseCostQuery(summaryQuerySchema, {});

    const mine = await costs.summary(memberContext(client), q);
    const theirs = await costs.summary(memberContext(other), q);
    assert.equal(money(theirs.currencies[0]?.total), '7');
    assert.notEqual(money(mine.currencies[0]?.total), '7');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import pino from 'pino';

import { createJobQueue, type JobQueue } from '../../src/jobs/queue.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/db.js';
import {
  apiTotals,
  caller,
  clientWithRoles,
  fileOf,
  fixture,
  liveSums,
  upload,
} from './support.js';

/** The real path: upload → pg-boss queue `ingest` → in-process worker → live data. */
describe(`ingestion through the pg-boss queue on ${testEngine()}`, () => {
  let db: TestDatabase;
  let jobs: JobQueue;
  let t: TestApp;

  before(async () => {
    db = await createTestDatabase();
    jobs = createJobQueue(db.database, pino({ level: 'silent' }));
    t = await createTestApp({
      database: db.database,
      jobs,
      env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' },
    });
    await jobs.start();
    await t.services.ingestions.startWorker();
  });
  after(async () => {
    t.services.ingestions.stopWorker();
    await jobs.stop(5000);
    await t.close();
    await db.dispose();
  });

  it('a queued upload is picked up by the worker and succeeds', async () => {
    const a = await clientWithRoles(t);
    const res = await upload(t, a.admin, [
      fileOf(fixture('focus-converters/azure/sample-anonymous-ea-export-dataset.csv')),
    ]);
    assert.equal(res.statusCode, 202, res.body);
    const id = res.json().id;

    const call = caller(t);
    let ing = res.json();
    const deadline = Date.now() + 60_000;
    while (!['succeeded', 'failed'].includes(ing.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      ing = (await call('GET', `/api/v1/ingestions/${id}`, a.viewer)).json();
    }
    assert.equal(ing.status, 'succeeded', JSON.stringify(ing));
    assert.equal(ing.format, 'azure-cost-details');
    assert.deepEqual(await liveSums(t.database.db, a.clientId), apiTotals(ing));
  });
});

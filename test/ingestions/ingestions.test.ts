import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { and, eq, sql } from 'drizzle-orm';

import { queryRows } from '../../src/db/client.js';
import { costDailyStaging, ingestions, securityEvents } from '../../src/db/schema.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { testEngine } from '../support/db.js';
import { fact, insertFacts } from '../support/facts.js';
import {
  apiTotals,
  caller,
  clientWithRoles,
  fileOf,
  fixture,
  liveSums,
  upload,
  type UploadFile,
} from './support.js';

/**
 * Upload → job → live data, over HTTP with real multipart bodies, on this run's engine. The job
 * is driven here with `process(id)`; queue.test.ts goes through pg-boss.
 */

const FOCUS = fixture('focus-sample-data/FOCUS-1.0/focus_sample.csv');
const CUR = fixture('koku/aws/2023-06-01.csv');

/**
 * The CUR's data lines repeated `times` (0: header only): the same account and period as the
 * original, with other bytes and totals.
 */
function curCopies(times: number, name = 'cur.csv'): UploadFile {
  const [header, ...rows] = readFileSync(CUR, 'utf8').split('\n').filter(Boolean);
  const body = Array.from({ length: times }, () => rows).flat();
  return { name, data: Buffer.from(`${[header, ...body].join('\n')}\n`) };
}
const CUR_ROWS = readFileSync(CUR, 'utf8').split('\n').filter(Boolean).length - 1;

describe(`ingestions over HTTP on ${testEngine()}`, () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof clientWithRoles>>;
  let b: Awaited<ReturnType<typeof clientWithRoles>>;
  let call: ReturnType<typeof caller>;

  const get = async (id: string, token = a.owner) => {
    const res = await call('GET', `/api/v1/ingestions/${id}`, token);
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  /** Upload, expect 202, run the job, return the final ingestion. */
  const ingest = async (files: UploadFile[], token = a.admin) => {
    const res = await upload(t, token, files);
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(res.json().status, 'queued');
    await t.services.ingestions.process(a.clientId, res.json().id);
    return get(res.json().id);
  };
  const uploadsOf = (clientId: string) => {
    const dir = join(t.config.dataDir, 'uploads', clientId);
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  before(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
    call = caller(t);
    a = await clientWithRoles(t, { upload_mb: 2, cloud_accounts: 2 });
    b = await clientWithRoles(t);
  });
  after(async () => {
    await t.close();
  });

  it('ingests a FOCUS file: succeeded, totals equal an independent SQL sum', async () => {
    const ing = await ingest([fileOf(FOCUS)]);
    assert.equal(ing.status, 'succeeded', JSON.stringify(ing.error));
    assert.equal(ing.format, 'focus');
    assert.equal(ing.format_version, '1.0');
    assert.equal(ing.rows_read, 1000);
    assert.equal(ing.rows_loaded, 1000);
    assert.equal(ing.rows_rejected, 0);
    assert.ok(ing.facts > 0);
    assert.ok(ing.periods.length > 0);
    assert.ok(ing.duration_ms >= 0);
    assert.deepEqual(ing.files, [{ name: 'focus_sample.csv', bytes: 755423 }]);
    assert.deepEqual(await liveSums(t.database.db, a.clientId), apiTotals(ing));
    assert.deepEqual(uploadsOf(a.clientId), [], 'the raw upload is removed after the job');

    const [event] = await t.database.db
      .select()
      .from(securityEvents)
      .where(
        and(eq(securityEvents.type, 'ingestion.succeeded'), eq(securityEvents.targetId, ing.id)),
      );
    assert.equal(event?.clientId, a.clientId);
  });

  it('the same bytes again are a no-op that returns the earlier ingestion', async () => {
    const before = await liveSums(t.database.db, a.clientId);
    const res = await upload(t, a.admin, [fileOf(FOCUS, 'renamed.csv')]);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().duplicate, true);
    assert.equal(res.json().status, 'succeeded');
    assert.equal(res.json().files[0].name, 'focus_sample.csv');
    assert.deepEqual(await liveSums(t.database.db, a.clientId), before);
    assert.deepEqual(uploadsOf(a.clientId), []);
  });

  it('lists newest first with pagination, and discovered accounts appear', async () => {
    const list = await call('GET', '/api/v1/ingestions?limit=1', a.viewer);
    assert.equal(list.statusCode, 200, list.body);
    assert.equal(list.json().items.length, 1);
    assert.equal(list.json().total, 1);

    const accounts = await call('GET', '/api/v1/cloud-accounts', a.viewer);
    assert.equal(accounts.statusCode, 200, accounts.body);
    const discovered = accounts
      .json()
      .items.filter((x: { origin: string }) => x.origin === 'discovered');
    assert.ok(discovered.length >= 3, 'billing accounts of AWS, Azure and OCI at least');
    assert.deepEqual([...new Set(discovered.map((x: { provider: string }) => x.provider))].sort(), [
      'aws',
      'azure',
      'oci',
    ]);
  });

  it('a different file for the same period replaces it, never appends', async () => {
    const first = await ingest([curCopies(4, 'june-a.csv')]);
    assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
    const second = await ingest([curCopies(2, 'june-b.csv')]);
    assert.equal(second.status, 'succeeded', JSON.stringify(second.error));
    assert.deepEqual(second.periods, first.periods);

    const nok = (await liveSums(t.database.db, a.clientId)).filter((s) => s.currency === 'NOK');
    assert.deepEqual(nok, apiTotals(second));
    assert.equal(nok[0]!.lines, 2 * CUR_ROWS);
    const old = await get(first.id);
    assert.equal(old.status, 'superseded');
    assert.equal(old.superseded_by, second.id);
  });

  it('two ingestions of the same period at once leave exactly one live result', async () => {
    const r1 = await upload(t, a.admin, [curCopies(3, 'race-1.csv')]);
    const r2 = await upload(t, a.admin, [curCopies(5, 'race-2.csv')]);
    assert.equal(r1.statusCode, 202);
    assert.equal(r2.statusCode, 202);
    await Promise.all([
      t.services.ingestions.process(a.clientId, r1.json().id),
      t.services.ingestions.process(a.clientId, r2.json().id),
    ]);
    const [one, two] = [await get(r1.json().id), await get(r2.json().id)];
    assert.deepEqual([one.status, two.status].sort(), ['succeeded', 'superseded']);
    const winner = one.status === 'succeeded' ? one : two;

    const owners = await queryRows<{ ingestion_id: string }>(
      t.database.db,
      sql`select distinct ingestion_id from cost_daily
          where client_id = ${a.clientId} and billing_currency = 'NOK'`,
    );
    assert.deepEqual(owners, [{ ingestion_id: winner.id }]);
    const nok = (await liveSums(t.database.db, a.clientId)).filter((s) => s.currency === 'NOK');
    assert.deepEqual(nok, apiTotals(winner));
  });

  it('a hostile file fails with a code and leaves the previous data intact', async () => {
    const before = await liveSums(t.database.db, a.clientId);
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      randomBytes(4096),
    ]);
    const ing = await ingest([{ name: 'costs.csv', data: png }]);
    assert.equal(ing.status, 'failed');
    assert.ok(ing.error.code.length > 0);
    assert.ok(ing.error.message.length > 20, 'the message says what to do');
    assert.deepEqual(await liveSums(t.database.db, a.clientId), before);
    const staged = await t.database.db
      .select()
      .from(costDailyStaging)
      .where(eq(costDailyStaging.ingestionId, ing.id));
    assert.equal(staged.length, 0);
  });

  it('a header-only file fails with empty_file and wipes nothing', async () => {
    const before = await liveSums(t.database.db, a.clientId);
    const ing = await ingest([curCopies(0, 'header-only.csv')]);
    assert.equal(ing.status, 'failed');
    assert.equal(ing.error.code, 'empty_file');
    assert.deepEqual(await liveSums(t.database.db, a.clientId), before);
  });

  it('an upload past the plan limit is 413 and leaves no file on disk', async () => {
    const big = { name: 'big.csv', data: Buffer.alloc(3 * 1024 * 1024, 0x41) };
    const res = await upload(t, a.admin, [fileOf(CUR), big]);
    assert.equal(res.statusCode, 413, res.body);
    assert.equal(res.json().error.code, 'payload_too_large');
    assert.match(res.json().error.message, /2 MB/);
    assert.deepEqual(uploadsOf(a.clientId), []);

    const cut = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingestions',
      headers: {
        authorization: `Bearer ${a.admin}`,
        'content-type': 'multipart/form-data; boundary=xyz',
      },
      payload: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nab',
    });
    assert.equal(cut.statusCode, 400, cut.body);
    assert.deepEqual(uploadsOf(a.clientId), []);
  });

  it('is tenant-isolated and role-checked', async () => {
    const mine = (await call('GET', '/api/v1/ingestions', a.viewer)).json().items[0].id;
    const other = await call('GET', `/api/v1/ingestions/${mine}`, b.owner);
    assert.equal(other.statusCode, 404);
    const missing = await call('GET', `/api/v1/ingestions/${randomUUID()}`, a.owner);
    assert.equal(missing.statusCode, 404);
    assert.equal((await call('GET', '/api/v1/ingestions', b.owner)).json().total, 0);

    const viewer = await upload(t, a.viewer, [fileOf(CUR)]);
    assert.equal(viewer.statusCode, 403);
    assert.equal((await upload(t, '', [fileOf(CUR)])).statusCode, 401);
    const json = await call('POST', '/api/v1/ingestions', a.admin, { file: 'x' });
    assert.equal(json.statusCode, 415);
  });

  it('recovers an ingestion left running by a dead worker', async () => {
    const before = await liveSums(t.database.db, a.clientId);
    const id = randomUUID();
    const stale = new Date(Date.now() - 60 * 60_000);
    await t.database.db.insert(ingestions).values({
      clientId: a.clientId,
      id,
      status: 'running',
      sha256: 'f'.repeat(64),
      startedAt: stale,
      heartbeatAt: stale,
    });
    await insertFacts(t.database.db, [
      fact({ clientId: a.clientId, chargeDate: '2023-06-03', ingestionId: id, cost: '99' }),
    ]);
    await t.database.db.execute(sql`
      insert into cost_daily_staging
      select * from cost_daily where client_id = ${a.clientId} and ingestion_id = ${id}`);
    await t.database.db.execute(sql`delete from cost_daily where ingestion_id = ${id}`);
    assert.deepEqual(await liveSums(t.database.db, a.clientId), before);

    const recovered = await t.services.ingestions.recoverInterrupted({ all: false });
    assert.equal(recovered, 1);
    const ing = await get(id);
    assert.equal(ing.status, 'failed');
    assert.equal(ing.error.code, 'interrupted');
    const staged = await t.database.db
      .select()
      .from(costDailyStaging)
      .where(eq(costDailyStaging.ingestionId, id));
    assert.equal(staged.length, 0);
    assert.deepEqual(await liveSums(t.database.db, a.clientId), before);
    // A job that arrives late for it does nothing.
    assert.equal(await t.services.ingestions.process(a.clientId, id), null);
  });

  it('five uploads of the same new bytes at once end as one ingestion', async () => {
    const c = await clientWithRoles(t);
    const file = curCopies(2, 'race.csv');
    const answers = await Promise.all(Array.from({ length: 5 }, () => upload(t, c.admin, [file])));
    const ids = new Set(answers.map((res) => res.json().id));
    assert.equal(ids.size, 1, answers.map((res) => res.body).join('\n'));
    assert.equal(answers.filter((res) => res.statusCode === 202).length, 1);
    assert.equal(answers.filter((res) => res.json().duplicate === true).length, 4);

    const [id] = [...ids];
    await t.services.ingestions.process(c.clientId, id!);
    const rows = await queryRows<{ id: string; status: string }>(
      t.database.db,
      sql`select id, status from ingestions
          where client_id = ${c.clientId} and sha256 = ${answers[0]!.json().sha256}`,
    );
    assert.deepEqual(rows, [{ id, status: 'succeeded' }]);
  });

  it('the database itself refuses a second live ingestion of the same bytes', async () => {
    const [live] = await t.database.db
      .select()
      .from(ingestions)
      .where(eq(ingestions.status, 'succeeded'))
      .limit(1);
    assert.ok(live);
    await assert.rejects(
      t.database.db.insert(ingestions).values({
        clientId: live.clientId,
        sha256: live.sha256,
        status: 'queued',
      }),
      (err: { cause?: { code?: string }; code?: string }) =>
        (err.cause?.code ?? err.code) === '23505',
    );
  });
});

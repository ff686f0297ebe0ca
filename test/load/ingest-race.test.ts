import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';

import { queryRows } from '../../src/db/client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { testEngine } from '../support/db.js';
import {
  apiTotals,
  caller,
  clientWithRoles,
  fixture,
  liveSums,
  upload,
  type LiveSums,
  type UploadFile,
} from '../ingestions/support.js';
import { timesDecimal } from './support.js';

/*
 * The same billing period uploaded five times at once, twenty rounds in a row. Each round sends
 * one file three times (the same bytes: a dedupe race) and two other files of the same period
 * (different bytes: a swap race), then runs the three ingestions at once. After every round
 * exactly one ingestion owns the period and the live table holds exactly its data.
 */
const ROUNDS = 20;
/** Line-item copies of the fixture in the round's three files: distinct totals per file. */
const COPIES = { a: 1, b: 2, c: 3 } as const;

const CUR = fixture('koku/aws/2023-06-01.csv');
const [HEADER, ...ROWS] = parse(readFileSync(CUR)) as string[][];
const LINE_ITEM_ID = HEADER!.indexOf('identity/LineItemId');

/**
 * The fixture's rows `copies` times, with a tag in each line item id: other bytes (another
 * SHA-256, so no dedupe across rounds) for the same account and period.
 */
function variant(tag: string, copies: number): UploadFile {
  const rows = Array.from({ length: copies }, () =>
    ROWS.map((row) => row.map((v, i) => (i === LINE_ITEM_ID ? `${v}-${tag}` : v))),
  ).flat();
  return { name: `${tag}.csv`, data: Buffer.from(stringify([HEADER!, ...rows])) };
}

/** `one`'s amounts times `n`: what the live table must hold for a file of `n` copies. */
function scaled(one: LiveSums[], n: number): LiveSums[] {
  return one.map((s) => ({
    currency: s.currency,
    billed: timesDecimal(s.billed, n),
    net_billed: timesDecimal(s.net_billed, n),
    effective: timesDecimal(s.effective, n),
    net_effective: timesDecimal(s.net_effective, n),
    list: timesDecimal(s.list, n),
    lines: s.lines * n,
  }));
}

/** Decimal strings without trailing zeros, so SQL sums and scaled strings compare. */
const canonical = (sums: LiveSums[]) =>
  sums.map((s) => {
    const out: Record<string, string | number> = { ...s };
    for (const k of ['billed', 'net_billed', 'effective', 'net_effective', 'list'] as const) {
      out[k] = s[k].includes('.') ? s[k].replace(/0+$/, '').replace(/\.$/, '') : s[k];
    }
    return out;
  });

describe(`the same period ingested 5 times at once, ${ROUNDS} rounds, on ${testEngine()}`, () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof clientWithRoles>>;
  let oneCopy: LiveSums[];

  before(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
    a = await clientWithRoles(t);

    // The reference: one copy, ingested alone.
    const res = await upload(t, a.admin, [variant('base', 1)]);
    assert.equal(res.statusCode, 202, res.body);
    const ing = await t.services.ingestions.process(a.clientId, res.json().id);
    assert.equal(ing?.status, 'succeeded', JSON.stringify(ing?.error));
    oneCopy = await liveSums(t.database.db, a.clientId);
    assert.deepEqual(oneCopy, apiTotals(ing!));
    assert.equal(
      oneCopy.reduce((n, s) => n + s.lines, 0),
      ROWS.length,
    );
  });
  after(async () => {
    await t.close();
  });

  it('each round leaves exactly one live result', async () => {
    const call = caller(t);
    const db = t.database.db;

    for (let round = 1; round <= ROUNDS; round++) {
      const files = {
        a: variant(`r${round}a`, COPIES.a),
        b: variant(`r${round}b`, COPIES.b),
        c: variant(`r${round}c`, COPIES.c),
      };
      const sent = ['a', 'a', 'a', 'b', 'c'] as const;
      const answers = await Promise.all(sent.map((k) => upload(t, a.admin, [files[k]])));
      const where = `round ${round}`;

      // Same bytes: one new ingestion, the others answer with it.
      const same = answers.slice(0, 3);
      for (const r of same) assert.ok([200, 202].includes(r.statusCode), `${where}: ${r.body}`);
      assert.equal(new Set(same.map((r) => r.json().id)).size, 1, `${where}: one ingestion`);
      assert.deepEqual(
        same.map((r) => r.statusCode).sort(),
        [200, 200, 202],
        `${where}: one 202, two duplicates`,
      );
      for (const r of same.filter((x) => x.statusCode === 200)) {
        assert.equal(r.json().duplicate, true);
      }
      for (const r of answers.slice(3)) assert.equal(r.statusCode, 202, `${where}: ${r.body}`);

      const ids = { a: same[0]!.json().id, b: answers[3]!.json().id, c: answers[4]!.json().id };
      await Promise.all(
        Object.values(ids).map((id) => t.services.ingestions.process(a.clientId, id)),
      );

      const finals = await Promise.all(
        Object.entries(ids).map(async ([k, id]) => {
          const res = await call('GET', `/api/v1/ingestions/${id}`, a.viewer);
          return { k: k as keyof typeof COPIES, ...res.json() };
        }),
      );
      const winners = finals.filter((f) => f.status === 'succeeded');
      assert.equal(winners.length, 1, `${where}: ${JSON.stringify(finals.map((f) => f.status))}`);
      const winner = winners[0]! as Parameters<typeof apiTotals>[0] & {
        id: string;
        facts: number;
        k: keyof typeof COPIES;
      };
      for (const f of finals.filter((x) => x !== winner)) {
        assert.equal(f.status, 'superseded', `${where}: ${JSON.stringify(f.error)}`);
        assert.ok(f.superseded_by, `${where}: superseded_by is set`);
      }

      // One succeeded ingestion for the client in all: earlier rounds' winners were replaced.
      const live = await queryRows<{ id: string }>(
        db,
        sql`select id from ingestions where client_id = ${a.clientId} and status = 'succeeded'`,
      );
      assert.deepEqual(live, [{ id: winner.id }], where);

      const owners = await queryRows<{ ingestion_id: string; n: number }>(
        db,
        sql`select ingestion_id, count(*)::int as n from cost_daily
            where client_id = ${a.clientId} group by ingestion_id`,
      );
      assert.deepEqual(owners, [{ ingestion_id: winner.id, n: winner.facts }], `${where}: facts`);
      const sums = await liveSums(db, a.clientId);
      assert.deepEqual(sums, apiTotals(winner), `${where}: live = winner's totals`);
      assert.deepEqual(canonical(sums), canonical(scaled(oneCopy, COPIES[winner.k])), where);

      const [staged] = await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from cost_daily_staging where client_id = ${a.clientId}`,
      );
      assert.equal(staged!.n, 0, `${where}: staging is empty`);
    }
  });
});

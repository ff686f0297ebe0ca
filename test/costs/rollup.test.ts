import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { sql } from 'drizzle-orm';

import { queryRows } from '../../src/db/client.js';
import { costDaily } from '../../src/db/schema.js';
import { createCostsService, type CostsService } from '../../src/modules/costs/costs.service.js';
import {
  breakdownQuerySchema,
  DIMENSIONS,
  parseCostQuery,
  summaryQuerySchema,
  trendQuerySchema,
} from '../../src/modules/costs/costs.types.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { testEngine } from '../support/db.js';
import { fact, fixedClock, memberContext, money } from '../support/facts.js';
import {
  clientWithRoles,
  fileOf,
  fixture,
  upload,
  type UploadFile,
} from '../ingestions/support.js';

/*
 * The rollup against the facts it summarizes, through the real ingestion pipeline on the real
 * sample files: after a first ingestion, a second provider, a re-ingestion that supersedes, and
 * the migration's backfill. The expected side is a GROUP BY written here over `cost_daily`, not
 * the code under test. Then every summary, breakdown and trend figure on the samples must be the
 * same whichever table answers.
 */

const FOCUS = fixture('focus-sample-data/FOCUS-1.0/focus_sample.csv');
const CUR = fixture('koku/aws/2023-06-01.csv');

/** The CUR's data lines repeated `times`: same account and period, other bytes and totals. */
function curCopies(times: number, name: string): UploadFile {
  const [header, ...rows] = readFileSync(CUR, 'utf8').split('\n').filter(Boolean);
  const body = Array.from({ length: times }, () => rows).flat();
  return { name, data: Buffer.from(`${[header, ...body].join('\n')}\n`) };
}

const KEYS = sql.raw(`provider, billing_account_id, billing_account_name, sub_account_id,
  sub_account_name, billing_period_start::text, service_name, service_category, region_id,
  line_item_type, charge_category, pricing_category, commitment_id, commitment_type,
  commitment_status, billing_currency`);

type Row = Record<string, string | number | boolean | null>;

/** Rows as canonical JSON lines, sorted, so two sets compare whatever their order. */
function canonical(rows: Row[]): string[] {
  const moneyKeys = ['billed', 'net_billed', 'effective', 'net_effective', 'list'];
  return rows
    .map((r) => {
      const out: Row = { ...r };
      for (const k of moneyKeys) out[k] = money(String(r[k]));
      out.facts = Number(r.facts);
      out.lines = Number(r.lines);
      return JSON.stringify(out);
    })
    .sort();
}

describe(`cost rollup on ${testEngine()}`, () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof clientWithRoles>>;
  let b: Awaited<ReturnType<typeof clientWithRoles>>;

  const ingest = async (files: UploadFile[]) => {
    const res = await upload(t, a.admin, files);
    assert.equal(res.statusCode, 202, res.body);
    await t.services.ingestions.process(a.clientId, res.json().id);
  };

  const version = async (clientId: string) => {
    const [row] = await queryRows<{ v: string }>(
      t.database.db,
      sql`select cost_data_version::text as v from clients where id = ${clientId}`,
    );
    return Number(row!.v);
  };

  /** Independent: the facts grouped here, per day and per calendar month of the charge. */
  async function expected(clientId: string, grain: 'day' | 'month'): Promise<string[]> {
    const when = grain === 'day' ? sql`charge_date` : sql`date_trunc('month', charge_date)::date`;
    return canonical(
      await queryRows<Row>(
        t.database.db,
        sql`select ${KEYS}, (${when})::text as charge_date, tags <> '{}'::jsonb as tagged,
              sum(billed_cost)::text as billed, sum(net_billed_cost)::text as net_billed,
              sum(effective_cost)::text as effective,
              sum(net_effective_cost)::text as net_effective, sum(list_cost)::text as list,
              sum(line_count)::text as lines, count(*)::text as facts
            from cost_daily where client_id = ${clientId}
            group by ${KEYS}, ${when}, tags <> '{}'::jsonb`,
      ),
    );
  }

  async function actual(clientId: string, grain: 'day' | 'month'): Promise<string[]> {
    return canonical(
      await queryRows<Row>(
        t.database.db,
        sql`select ${KEYS}, charge_date::text as charge_date, tagged,
              billed_cost::text as billed, net_billed_cost::text as net_billed,
              effective_cost::text as effective, net_effective_cost::text as net_effective,
              list_cost::text as list, line_count::text as lines, fact_count::text as facts
            from cost_daily_rollup where client_id = ${clientId} and grain = ${grain}`,
      ),
    );
  }

  async function assertRollupMatchesFacts(clientId: string): Promise<void> {
    for (const grain of ['day', 'month'] as const) {
      const want = await expected(clientId, grain);
      assert.ok(want.length > 0, 'the client has facts');
      assert.deepEqual(await actual(clientId, grain), want, `${grain} rows`);
    }
  }

  before(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
    a = await clientWithRoles(t, { upload_mb: 5, cloud_accounts: 10 });
    b = await clientWithRoles(t);
  });
  after(async () => {
    await t.close();
  });

  it('an ingestion writes the rollup of its periods and bumps the data version', async () => {
    const v0 = await version(a.clientId);
    await ingest([fileOf(FOCUS)]);

    await assertRollupMatchesFacts(a.clientId);
    assert.ok((await version(a.clientId)) > v0, 'the swap bumps cost_data_version');
    assert.equal(await version(b.clientId), 0, 'another client keeps its version');
  });

  it('a second provider and a re-ingestion that supersedes keep it exact', async () => {
    await ingest([curCopies(3, 'june-a.csv')]);
    await assertRollupMatchesFacts(a.clientId);

    const v1 = await version(a.clientId);
    await ingest([curCopies(1, 'june-b.csv')]);
    await assertRollupMatchesFacts(a.clientId);
    assert.ok((await version(a.clientId)) > v1);

    const [superseded] = await queryRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from ingestions
          where client_id = ${a.clientId} and status = 'superseded'`,
    );
    assert.equal(superseded!.n, 1, 'june-a was replaced, its rollup with it');
  });

  it('summary, breakdown and trend answer the same from the rollup and the facts', async () => {
    const clock = fixedClock('2030-01-01T00:00:00Z');
    const auto = createCostsService({ db: t.database.db, clock });
    const facts = createCostsService({ db: t.database.db, clock, source: 'facts' });
    const ctx = memberContext(a.clientId);
    const months = await queryRows<{ m: string }>(
      t.database.db,
      sql`select distinct to_char(charge_date, 'YYYY-MM') as m from cost_daily
          where client_id = ${a.clientId} order by 1`,
    );
    assert.ok(months.length >= 2);

    let compared = 0;
    const same = async (what: string, call: (s: CostsService) => Promise<unknown>) => {
      const answer = await call(auto);
      assert.deepEqual(answer, await call(facts), what);
      if (JSON.stringify(answer).match(/"(total|cost)":"-?[1-9]/)) compared += 1;
    };

    for (const { m } of months) {
      await same(`summary ${m}`, (s) =>
        s.summary(ctx, parseCostQuery(summaryQuerySchema, { month: m })),
      );
      await same(`summary ${m} without credits`, (s) =>
        s.summary(ctx, parseCostQuery(summaryQuerySchema, { month: m, include_credits: 'false' })),
      );
      for (const group_by of DIMENSIONS) {
        for (const granularity of ['none', 'week', 'month']) {
          await same(`breakdown ${m} ${group_by} ${granularity}`, (s) =>
            s.breakdown(
              ctx,
              parseCostQuery(breakdownQuerySchema, { month: m, group_by, granularity }),
            ),
          );
        }
      }
    }

    // Ranges that start and end inside months: month rows for the middle, day rows around.
    const first = `${months[0]!.m}-03`;
    const last = `${months.at(-1)!.m}-17`;
    for (const metric of ['billed', 'net_billed', 'amortized', 'net_amortized', 'list']) {
      const range = { from: first, to: last, metric };
      await same(`summary ${metric}`, (s) =>
        s.summary(ctx, parseCostQuery(summaryQuerySchema, range)),
      );
      await same(`breakdown ${metric} account × provider`, (s) =>
        s.breakdown(
          ctx,
          parseCostQuery(breakdownQuerySchema, {
            ...range,
            group_by: 'account',
            group_by_2: 'provider',
            granularity: 'month',
            limit: '3',
          }),
        ),
      );
      for (const granularity of ['day', 'week', 'month']) {
        await same(`trend ${metric} ${granularity}`, (s) =>
          s.trend(ctx, parseCostQuery(trendQuerySchema, { ...range, granularity })),
        );
      }
    }
    assert.ok(compared > months.length * 10, 'most answers carry amounts');
  });

  it('the migration backfill builds the same rollup as the swap', async () => {
    const text = readFileSync('drizzle/0010_cost_rollup.sql', 'utf8');
    const statements = text.split('--> statement-breakpoint').map((s) => s.trim());
    const backfill = statements.slice(statements.findIndex((s) => s.includes('SET LOCAL ROLE')));
    assert.ok(backfill.some((s) => s.includes('FROM cost_daily\n')));

    const before = [await actual(a.clientId, 'day'), await actual(a.clientId, 'month')];
    await t.database.db.transaction(async (tx) => {
      await tx.execute(sql`delete from cost_daily_rollup`);
      for (const s of backfill) await tx.execute(sql.raw(s));
    });

    assert.deepEqual([await actual(a.clientId, 'day'), await actual(a.clientId, 'month')], before);
    await assertRollupMatchesFacts(a.clientId);
  });

  it('the rollup path reads the rollup: facts written without a refresh stay unseen', async () => {
    const clock = fixedClock('2030-01-01T00:00:00Z');
    const ctx = memberContext(b.clientId);
    const q = parseCostQuery(summaryQuerySchema, { month: '2025-01' });
    await t.database.db
      .insert(costDaily)
      .values(fact({ clientId: b.clientId, chargeDate: '2025-01-10', cost: '5' }));

    const facts = await createCostsService({ db: t.database.db, clock, source: 'facts' }).summary(
      ctx,
      q,
    );
    const auto = await createCostsService({ db: t.database.db, clock }).summary(ctx, q);
    assert.equal(money(facts.currencies[0]?.total), '5');
    assert.deepEqual(auto.currencies, []);
  });
});

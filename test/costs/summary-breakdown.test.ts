import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { sql, type SQL } from 'drizzle-orm';

import { queryRows } from '../../src/db/client.js';
import { createCostsService, type CostsService } from '../../src/modules/costs/costs.service.js';
import {
  breakdownQuerySchema,
  parseCostQuery,
  summaryQuerySchema,
  tagsQuerySchema,
  trendQuerySchema,
} from '../../src/modules/costs/costs.types.js';
import { rejectsMatching } from '../support/assert.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  createClient,
  eachDay,
  fact,
  fixedClock,
  insertFacts,
  memberContext,
  money,
  type FactRow,
} from '../support/facts.js';

/*
 * One client with two currencies, credits, a refund, tax, tags and untagged spend over February
 * and March 2025, "today" being 2025-03-20; a second client whose much larger costs on the same
 * days must never show. Every expected figure is an SQL sum written here, over the owner
 * connection, or a hand calculation.
 */
const TODAY = '2025-03-20T12:00:00Z';

// Every figure both ways: `auto` reads the rollup where it can, `facts` only cost_daily.
for (const source of ['auto', 'facts'] as const) {
  describe(`cost analytics: summary, breakdown, trend, tags (source ${source})`, () => {
    let t: TestDatabase;
    let costs: CostsService;
    let clientA: string;
    let clientB: string;

    /** An independent figure: one SQL expression over client A's facts. */
    async function one(select: SQL, where: SQL, client = clientA): Promise<string | null> {
      const [row] = await queryRows<{ v: string | null }>(
        t.database.db,
        sql`select (${select})::text as v from cost_daily where client_id = ${client} and ${where}`,
      );
      return money(row!.v);
    }

    const march = sql`charge_date between '2025-03-01' and '2025-03-20'`;
    const usd = sql`billing_currency = 'USD'`;
    const eur = sql`billing_currency = 'EUR'`;

    before(async () => {
      t = await createTestDatabase();
      const { db } = t.database;
      clientA = await createClient(db, 'costs-a');
      clientB = await createClient(db, 'costs-b');

      const rows: FactRow[] = [];
      for (const d of eachDay('2025-02-01', '2025-03-19')) {
        rows.push(
          fact({
            clientId: clientA,
            chargeDate: d,
            serviceName: 'AmazonEC2',
            serviceCategory: 'Compute',
            subAccountId: '222222222222',
            subAccountName: 'prod',
            regionId: 'us-east-1',
            resourceId: 'i-0001',
            usageType: 'BoxUsage:m5.large',
            usageUnit: 'Hrs',
            usageQuantity: '24',
            pricingCategory: 'Standard',
            billedCost: '2.40',
            netBilledCost: '2.30',
            effectiveCost: '2.20',
            netEffectiveCost: '2.10',
            listCost: '2.40',
            tags: { team: 'data', env: 'prod' },
          }),
          fact({
            clientId: clientA,
            chargeDate: d,
            serviceName: 'AmazonS3',
            serviceCategory: 'Storage',
            subAccountId: '333333333333',
            subAccountName: 'dev',
            regionId: 'us-east-1',
            resourceId: 'bucket-a',
            usageType: 'TimedStorage-ByteHrs',
            usageUnit: 'GB-Mo',
            usageQuantity: '10',
            cost: '1.1111',
          }),
          fact({
            clientId: clientB,
            chargeDate: d,
            serviceName: 'AmazonEC2',
            resourceId: 'i-foreign',
            cost: '1000',
            tags: { team: 'data' },
          }),
        );
      }
      for (const d of eachDay('2025-03-01', '2025-03-19')) {
        rows.push(
          fact({
            clientId: clientA,
            chargeDate: d,
            serviceName: 'AmazonRDS',
            serviceCategory: 'Databases',
            subAccountId: '222222222222',
            subAccountName: 'prod',
            resourceId: 'db-1',
            cost: '0.5',
            tags: { team: 'web' },
          }),
          fact({
            clientId: clientA,
            chargeDate: d,
            provider: 'azure',
            billingAccountId: 'ea-1',
            subAccountId: 'sub-1',
            serviceName: 'Virtual Machines',
            serviceCategory: 'Compute',
            billingCurrency: 'EUR',
            cost: '1.00',
            tags: { team: 'web' },
          }),
        );
      }
      rows.push(
        fact({
          clientId: clientA,
          chargeDate: '2025-03-01',
          chargeCategory: 'Tax',
          lineItemType: 'Tax',
          cost: '3.00',
          listCost: '0',
        }),
        fact({
          clientId: clientA,
          chargeDate: '2025-03-05',
          chargeCategory: 'Credit',
          lineItemType: 'Credit',
          serviceName: 'AmazonEC2',
          cost: '-5.00',
          listCost: '0',
        }),
        fact({
          clientId: clientA,
          chargeDate: '2025-03-10',
          chargeCategory: 'Credit',
          lineItemType: 'Refund',
          serviceName: 'AmazonS3',
          cost: '-1.50',
          listCost: '0',
        }),
        fact({
          clientId: clientA,
          chargeDate: '2025-03-02',
          provider: 'azure',
          billingAccountId: 'ea-1',
          chargeCategory: 'Adjustment',
          billingCurrency: 'EUR',
          cost: '-0.25',
        }),
      );
      await insertFacts(db, rows);

      costs = createCostsService({ db, clock: fixedClock(TODAY), source });
    });
    after(() => t.dispose());

    const ctxA = () => memberContext(clientA);
    const summaryQ = (raw: Record<string, unknown>) => parseCostQuery(summaryQuerySchema, raw);
    const breakdownQ = (raw: Record<string, unknown>) => parseCostQuery(breakdownQuerySchema, raw);

    it('summary: every figure per currency equals an independent SQL sum', async () => {
      const s = await costs.summary(ctxA(), summaryQ({ month: '2025-03' }));

      // The month is cut at today, and compared with the same days of the month before.
      assert.deepEqual(s.period, { from: '2025-03-01', to: '2025-03-20', days: 20 });
      assert.deepEqual(s.previousPeriod, { from: '2025-02-01', to: '2025-02-20', days: 20 });
      assert.deepEqual(
        s.currencies.map((c) => c.currency),
        ['EUR', 'USD'],
      );
      assert.equal(s.findings, null);

      const u = s.currencies.find((c) => c.currency === 'USD')!;
      const prevRange = sql`charge_date between '2025-02-01' and '2025-02-20'`;
      assert.equal(money(u.total), await one(sql`sum(effective_cost)`, sql`${usd} and ${march}`));
      assert.equal(
        money(u.previous),
        await one(sql`sum(effective_cost)`, sql`${usd} and ${prevRange}`),
      );
      assert.equal(money(u.monthToDate), money(u.total));
      assert.equal(money(u.credits), '-5');
      assert.equal(money(u.refunds), '-1.5');
      assert.equal(money(u.tax), '3');
      assert.equal(
        money(u.credits),
        await one(
          sql`sum(effective_cost)`,
          sql`${usd} and ${march} and charge_category = 'Credit' and line_item_type <> 'Refund'`,
        ),
      );

      // By hand: March EC2 19 × 2.20, S3 19 × 1.1111, RDS 19 × 0.5, tax 3, credit −5, refund −1.5.
      assert.equal(money(u.total), '68.9109');
      assert.equal(money(u.change), money((Number(u.total) - Number(u.previous)).toFixed(10)));

      assert.equal(money(u.dailyAverage), '3.45');
      const lastWeek = await one(
        sql`sum(effective_cost)`,
        sql`${usd} and charge_date between '2025-03-14' and '2025-03-20'`,
      );
      // 11 days left after the 20th; the run rate is the 7 days ending on the 20th.
      assert.equal(
        money(u.forecastMonthEnd),
        money((Number(u.total) + (Number(lastWeek) / 7) * 11).toFixed(2)),
      );

      assert.equal(
        money(u.listCost),
        await one(sql`sum(list_cost)`, sql`${usd} and ${march} and charge_category = 'Usage'`),
      );
      assert.equal(
        money(u.savings),
        await one(
          sql`sum(list_cost - net_effective_cost)`,
          sql`${usd} and ${march} and charge_category = 'Usage'`,
        ),
      );
      // EC2 saves 0.30 a day against list; S3 and RDS list at what they cost.
      assert.equal(money(u.savings), money((19 * 0.3).toFixed(2)));
      assert.ok(Math.abs(u.effectiveSavingsRate! - (19 * 0.3) / Number(u.listCost)) < 1e-12);
      // Tag coverage is over usage charges only (credits and tax carry no tags).
      const usage = sql`${usd} and ${march} and charge_category = 'Usage'`;
      assert.equal(
        money(u.tagged),
        await one(sql`sum(effective_cost)`, sql`${usage} and tags <> '{}'::jsonb`),
      );
      const usageTotal = await one(sql`sum(effective_cost)`, usage);
      assert.ok(Math.abs(u.taggedShare! - Number(u.tagged) / Number(usageTotal)) < 1e-12);
      assert.ok(u.taggedShare! <= 1);
      // No commitment in this data: nothing used, nothing unused, nothing covered.
      assert.equal(u.commitmentUtilization, null);
      assert.equal(u.commitmentCoverage, 0);
      assert.equal(money(u.unusedCommitment), '0');

      const e = s.currencies.find((c) => c.currency === 'EUR')!;
      assert.equal(money(e.total), '18.75');
      assert.equal(money(e.refunds), '-0.25');
      assert.equal(money(e.previous), '0');
      assert.equal(e.changePct, null);
      assert.equal(money(e.total), await one(sql`sum(effective_cost)`, sql`${eur} and ${march}`));
    });

    it('summary: a closed month has no forecast, the open month has one', async () => {
      // February 2025 ended before "today" (2025-03-20): its spend is known, not projected.
      const closed = await costs.summary(ctxA(), summaryQ({ month: '2025-02' }));
      assert.ok(closed.currencies.length > 0);
      for (const c of closed.currencies) assert.equal(c.forecastMonthEnd, null, c.currency);

      const open = await costs.summary(ctxA(), summaryQ({ month: '2025-03' }));
      for (const c of open.currencies) assert.notEqual(c.forecastMonthEnd, null, c.currency);
    });

    it('summary: each metric reads its own column', async () => {
      const columns = {
        billed: sql`billed_cost`,
        net_billed: sql`net_billed_cost`,
        amortized: sql`effective_cost`,
        net_amortized: sql`net_effective_cost`,
        list: sql`list_cost`,
      } as const;
      for (const [metric, column] of Object.entries(columns)) {
        const s = await costs.summary(ctxA(), summaryQ({ month: '2025-03', metric }));
        const u = s.currencies.find((c) => c.currency === 'USD')!;
        const expected = await one(sql`sum(${column})`, sql`${usd} and ${march}`);
        assert.equal(money(u.total), expected, metric);
      }
    });

    it('summary: switches leave out credits, refunds and tax, still reported apart', async () => {
      const s = await costs.summary(
        ctxA(),
        summaryQ({ month: '2025-03', include_credits: 'false', include_refunds: 'false' }),
      );
      const u = s.currencies.find((c) => c.currency === 'USD')!;
      assert.equal(
        money(u.total),
        await one(
          sql`sum(effective_cost)`,
          sql`${usd} and ${march} and charge_category <> 'Credit'`,
        ),
      );
      assert.equal(money(u.credits), '-5');
      assert.equal(money(u.refunds), '-1.5');

      const noTax = await costs.summary(
        ctxA(),
        summaryQ({ month: '2025-03', include_tax: 'false' }),
      );
      assert.equal(
        money(noTax.currencies.find((c) => c.currency === 'USD')!.total),
        await one(sql`sum(effective_cost)`, sql`${usd} and ${march} and charge_category <> 'Tax'`),
      );
      const eurNoRefund = s.currencies.find((c) => c.currency === 'EUR')!;
      assert.equal(money(eurNoRefund.total), '19');
    });

    it('summary: filters by service, account, tag and charge category', async () => {
      const total = async (raw: Record<string, unknown>) =>
        (await costs.summary(ctxA(), summaryQ({ month: '2025-03', ...raw }))).currencies.find(
          (c) => c.currency === 'USD',
        )?.total;

      assert.equal(
        money(await total({ service: 'AmazonEC2' })),
        await one(
          sql`sum(effective_cost)`,
          sql`${usd} and ${march} and service_name = 'AmazonEC2'`,
        ),
      );
      assert.equal(
        money(await total({ service: ['AmazonEC2', 'AmazonRDS'] })),
        await one(
          sql`sum(effective_cost)`,
          sql`${usd} and ${march} and service_name in ('AmazonEC2', 'AmazonRDS')`,
        ),
      );
      assert.equal(money(await total({ account: '333333333333' })), '21.1109');
      assert.equal(
        money(await total({ tag: ['team=data', 'team=web'] })),
        await one(
          sql`sum(effective_cost)`,
          sql`${usd} and ${march} and tags ->> 'team' in ('data', 'web')`,
        ),
      );
      // Different keys must all match: only EC2 has team=data and env=prod.
      assert.equal(money(await total({ tag: ['team=data', 'env=prod'] })), '41.8');
      assert.equal(await total({ tag: ['team=web', 'env=prod'] }), undefined);
      assert.equal(money(await total({ charge_category: 'Tax' })), '3');
      assert.equal(await total({ provider: 'azure' }), undefined);
    });

    it('summary: an empty period answers with no currencies, not zeros or an error', async () => {
      const s = await costs.summary(ctxA(), summaryQ({ month: '2024-12' }));
      assert.deepEqual(s.currencies, []);
    });

    it('summary: the findings figures come from the injected dependency', async () => {
      const withFindings = createCostsService({
        source,
        db: t.database.db,
        clock: fixedClock(TODAY),
        findingsSummary: async () => ({
          open: 3,
          potentialMonthlySavings: [{ currency: 'USD', amount: '12.50' }],
        }),
      });
      const s = await withFindings.summary(ctxA(), summaryQ({ month: '2025-03' }));
      assert.deepEqual(s.findings, {
        open: 3,
        potentialMonthlySavings: [{ currency: 'USD', amount: '12.50' }],
      });
    });

    it('breakdown: top groups with share, Others beyond the limit, per currency', async () => {
      const b = await costs.breakdown(
        ctxA(),
        breakdownQ({ month: '2025-03', group_by: 'service', limit: '2' }),
      );
      const usdRows = b.rows.filter((r) => r.currency === 'USD');

      // EC2 41.80 − 5 credit, S3 21.1109 − 1.5 refund; RDS 9.50 and the tax row fold into Others.
      assert.deepEqual(
        usdRows.map((r) => [r.key, money(r.cost), r.others]),
        [
          ['AmazonEC2', '36.8', false],
          ['AmazonS3', '19.6109', false],
          [null, '12.5', true],
        ],
      );
      for (const r of usdRows.filter((x) => !x.others)) {
        assert.equal(
          money(r.cost),
          await one(sql`sum(effective_cost)`, sql`${usd} and ${march} and service_name = ${r.key}`),
        );
      }
      const usdTotal = await one(sql`sum(effective_cost)`, sql`${usd} and ${march}`);
      assert.equal(money(b.totals.find((x) => x.currency === 'USD')!.cost), usdTotal);
      const shares = usdRows.reduce((s, r) => s + r.share!, 0);
      assert.ok(Math.abs(shares - 1) < 1e-12);
      assert.ok(Math.abs(usdRows[0]!.share! - 36.8 / Number(usdTotal)) < 1e-12);

      const eurRows = b.rows.filter((r) => r.currency === 'EUR');
      assert.deepEqual(
        eurRows.map((r) => [r.key, money(r.cost)]),
        [
          ['Virtual Machines', '19'],
          [null, '-0.25'],
        ],
      );
    });

    it('breakdown: tag:<key> puts untagged spend in its own bucket', async () => {
      const b = await costs.breakdown(
        ctxA(),
        breakdownQ({ month: '2025-03', group_by: 'tag:team' }),
      );
      const usdRows = b.rows.filter((r) => r.currency === 'USD');
      const byKey = new Map(usdRows.map((r) => [r.key, money(r.cost)]));
      assert.equal(byKey.get('data'), '41.8');
      assert.equal(byKey.get('web'), '9.5');
      assert.equal(
        byKey.get(null),
        await one(sql`sum(effective_cost)`, sql`${usd} and ${march} and not (tags ? 'team')`),
      );
      assert.ok(usdRows.every((r) => !r.others));
    });

    it('breakdown: a second dimension and a weekly granularity', async () => {
      const pairs = await costs.breakdown(
        ctxA(),
        breakdownQ({ month: '2025-03', group_by: 'service', group_by_2: 'account' }),
      );
      const ec2Prod = pairs.rows.find((r) => r.key === 'AmazonEC2' && r.key2 === '222222222222')!;
      assert.equal(ec2Prod.label2, 'prod');
      assert.equal(money(ec2Prod.cost), '41.8');
      // The EC2 credit has no sub-account: it is billed to the billing account.
      const ec2Payer = pairs.rows.find((r) => r.key === 'AmazonEC2' && r.key2 === '111111111111')!;
      assert.equal(money(ec2Payer.cost), '-5');

      const weekly = await costs.breakdown(
        ctxA(),
        breakdownQ({
          from: '2025-03-01',
          to: '2025-03-16',
          group_by: 'service',
          granularity: 'week',
        }),
      );
      const ec2 = weekly.rows.filter((r) => r.currency === 'USD' && r.key === 'AmazonEC2');
      // ISO weeks: 1–2 March fall in the week of Monday 24 February.
      assert.deepEqual(
        ec2.map((r) => [r.bucket, money(r.cost)]),
        [
          ['2025-02-24', '4.4'],
          ['2025-03-03', '10.4'],
          ['2025-03-10', '15.4'],
        ],
      );
      const week = weekly.rows.filter((r) => r.currency === 'USD' && r.bucket === '2025-03-10');
      assert.ok(Math.abs(week.reduce((s, r) => s + r.share!, 0) - 1) < 1e-12);
    });

    it('trend: every day of the period, days without cost at 0, totals exact', async () => {
      const q = parseCostQuery(trendQuerySchema, { from: '2025-01-01', to: '2025-03-31' });
      const tr = await costs.trend(ctxA(), q);
      assert.deepEqual(tr.period, { from: '2025-01-01', to: '2025-03-20', days: 79 });
      for (const s of tr.series) {
        assert.equal(s.points.length, 79, s.currency);
        assert.equal(s.points[0]!.bucket, '2025-01-01');
        assert.equal(money(s.points[0]!.cost), '0');
        assert.equal(
          money(s.total),
          await one(
            sql`sum(effective_cost)`,
            sql`billing_currency = ${s.currency} and charge_date <= '2025-03-20'`,
          ),
        );
      }
      const usdMar1 = tr.series.find((s) => s.currency === 'USD')!.points[59]!;
      assert.equal(usdMar1.bucket, '2025-03-01');
      assert.equal(money(usdMar1.cost), '6.8111');

      const monthly = await costs.trend(
        ctxA(),
        parseCostQuery(trendQuerySchema, {
          from: '2025-01-01',
          to: '2025-03-31',
          granularity: 'month',
        }),
      );
      const eur = monthly.series.find((s) => s.currency === 'EUR')!;
      assert.deepEqual(
        eur.points.map((p) => [p.bucket, money(p.cost)]),
        [
          ['2025-01-01', '0'],
          ['2025-02-01', '0'],
          ['2025-03-01', '18.75'],
        ],
      );

      const empty = await costs.trend(
        ctxA(),
        parseCostQuery(trendQuerySchema, { month: '2024-12' }),
      );
      assert.deepEqual(empty.series, []);
    });

    it('tags: keys with the share of spend they cover, and values of one key', async () => {
      const keys = await costs.tags(ctxA(), parseCostQuery(tagsQuerySchema, { month: '2025-03' }));
      const usdKeys = keys.currencies.find((c) => c.currency === 'USD')!;
      const total = await one(sql`sum(effective_cost)`, sql`${usd} and ${march}`);
      assert.equal(money(usdKeys.total), total);
      assert.deepEqual(
        usdKeys.items.map((i) => [i.value, money(i.cost)]),
        [
          ['team', '51.3'],
          ['env', '41.8'],
        ],
      );
      assert.ok(Math.abs(usdKeys.items[0]!.share! - (19 * 2.7) / Number(total)) < 1e-12);

      const values = await costs.tags(
        ctxA(),
        parseCostQuery(tagsQuerySchema, { month: '2025-03', key: 'team' }),
      );
      const usdValues = values.currencies.find((c) => c.currency === 'USD')!;
      assert.deepEqual(
        usdValues.items.map((i) => [i.value, money(i.cost)]),
        [
          ['data', '41.8'],
          [
            null,
            await one(sql`sum(effective_cost)`, sql`${usd} and ${march} and not tags ? 'team'`),
          ],
          ['web', '9.5'],
        ],
      );
    });

    it("another client's facts never appear, whatever the parameters", async () => {
      const bTotal = await one(sql`sum(effective_cost)`, sql`${march}`, clientB);
      assert.equal(bTotal, '19000');

      const a = await costs.summary(ctxA(), summaryQ({ month: '2025-03' }));
      assert.ok(a.currencies.every((c) => Number(c.total) < 1000));
      const byResource = await costs.breakdown(
        ctxA(),
        breakdownQ({ month: '2025-03', group_by: 'resource', limit: '1000' }),
      );
      assert.ok(!byResource.rows.some((r) => r.key === 'i-foreign'));

      const b = await costs.summary(memberContext(clientB), summaryQ({ month: '2025-03' }));
      assert.deepEqual(
        b.currencies.map((c) => [c.currency, money(c.total)]),
        [['USD', bTotal]],
      );
    });

    it('refuses a caller without an active client or without costs:read', async () => {
      await rejectsMatching(costs.summary(memberContext(null), summaryQ({})), /choose a client/);
      await rejectsMatching(
        costs.breakdown(
          memberContext(clientA, ['findings:read']),
          breakdownQ({ group_by: 'service' }),
        ),
        /costs:read/,
      );
      await rejectsMatching(
        costs.summary(
          { requestId: 'x', ip: '127.0.0.1', userAgent: null, actor: null },
          summaryQ({}),
        ),
        /choose a client/,
      );
    });
  });
}

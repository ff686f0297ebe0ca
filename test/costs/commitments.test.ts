import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { sql, type SQL } from 'drizzle-orm';

import { queryRows } from '../../src/db/client.js';
import { createCostsService, type CostsService } from '../../src/modules/costs/costs.service.js';
import {
  commitmentsQuerySchema,
  parseCostQuery,
  summaryQuerySchema,
} from '../../src/modules/costs/costs.types.js';
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
 * June 2025 with a Reserved Instance and a Savings Plan (AWS line types, partly unused), an
 * RI that runs long, on-demand compute they could cover, Spot and storage they could not, and
 * an Azure reservation in EUR written the FOCUS way. "Today" is 2025-07-10.
 */
const TODAY = '2025-07-10T00:00:00Z';

// Every figure both ways: `auto` reads the rollup where it can, `facts` only cost_daily.
for (const source of ['auto', 'facts'] as const) {
  describe(`cost analytics: commitments (source ${source})`, () => {
    let t: TestDatabase;
    let costs: CostsService;
    let client: string;

    async function one(select: SQL, where: SQL): Promise<string | null> {
      const [row] = await queryRows<{ v: string | null }>(
        t.database.db,
        sql`select (${select})::text as v from cost_daily
          where client_id = ${client} and charge_date between '2025-06-01' and '2025-06-30'
            and ${where}`,
      );
      return money(row!.v);
    }

    before(async () => {
      t = await createTestDatabase();
      const { db } = t.database;
      client = await createClient(db, 'commit-a');
      const foreign = await createClient(db, 'commit-b');

      const ri = {
        commitmentId: 'arn:ri-1',
        commitmentType: 'Reserved Instance',
        commitmentCategory: 'Usage',
        x: { commitment_end: '2025-08-01T00:00:00Z' },
      };
      const sp = {
        commitmentId: 'arn:sp-1',
        commitmentType: 'Savings Plan',
        commitmentCategory: 'Spend',
        x: { commitment_end: '2025-09-15T00:00:00.000Z' },
      };
      const ec2 = { serviceName: 'AmazonEC2', serviceCategory: 'Compute' };
      const rows: FactRow[] = [];
      for (const d of eachDay('2025-06-01', '2025-06-30')) {
        const day = { clientId: client, chargeDate: d };
        rows.push(
          fact({
            ...day,
            ...ec2,
            ...ri,
            lineItemType: 'DiscountedUsage',
            commitmentStatus: 'Used',
            pricingCategory: 'Committed',
            billedCost: '0',
            netBilledCost: '0',
            effectiveCost: '6',
            netEffectiveCost: '6',
            listCost: '10',
          }),
          fact({
            ...day,
            ...ri,
            chargeCategory: 'Purchase',
            lineItemType: 'RIFee',
            commitmentStatus: 'Unused',
            billedCost: '8',
            netBilledCost: '8',
            effectiveCost: '2',
            netEffectiveCost: '2',
            listCost: '0',
          }),
          fact({
            ...day,
            ...ec2,
            ...sp,
            lineItemType: 'SavingsPlanCoveredUsage',
            commitmentStatus: 'Used',
            pricingCategory: 'Committed',
            billedCost: '12',
            netBilledCost: '12',
            effectiveCost: '8',
            netEffectiveCost: '7.5',
            listCost: '12',
          }),
          fact({
            ...day,
            ...sp,
            chargeCategory: 'Purchase',
            lineItemType: 'SavingsPlanRecurringFee',
            commitmentStatus: 'Unused',
            billedCost: '8.5',
            netBilledCost: '8.5',
            effectiveCost: '0.5',
            netEffectiveCost: '0.5',
            listCost: '0',
          }),
          fact({ ...day, ...ec2, pricingCategory: 'Standard', lineItemType: 'Usage', cost: '20' }),
          fact({ ...day, ...ec2, pricingCategory: 'Dynamic', lineItemType: 'Usage', cost: '2' }),
          fact({
            ...day,
            serviceName: 'AmazonS3',
            serviceCategory: 'Storage',
            pricingCategory: 'Standard',
            cost: '5',
          }),
          fact({
            ...day,
            provider: 'azure',
            billingAccountId: 'ea-1',
            billingCurrency: 'EUR',
            serviceName: 'Virtual Machines',
            serviceCategory: 'Compute',
            pricingCategory: 'Committed',
            commitmentId: 'az-res-1',
            commitmentType: 'Reservation',
            commitmentCategory: 'Usage',
            commitmentStatus: 'Used',
            billedCost: '0',
            netBilledCost: '0',
            effectiveCost: '3',
            netEffectiveCost: '3',
            listCost: '4',
          }),
          fact({
            ...day,
            provider: 'azure',
            billingAccountId: 'ea-1',
            billingCurrency: 'EUR',
            serviceName: 'Virtual Machines',
            serviceCategory: 'Compute',
            pricingCategory: 'Committed',
            commitmentId: 'az-res-1',
            commitmentType: 'Reservation',
            commitmentCategory: 'Usage',
            commitmentStatus: 'Unused',
            billedCost: '0',
            netBilledCost: '0',
            cost: '1',
            listCost: '0',
          }),
          fact({
            clientId: foreign,
            chargeDate: d,
            ...ec2,
            ...ri,
            lineItemType: 'DiscountedUsage',
            commitmentId: 'arn:foreign',
            commitmentStatus: 'Used',
            cost: '999',
            x: { commitment_end: '2025-07-20' },
          }),
        );
      }
      rows.push(
        fact({
          clientId: client,
          chargeDate: '2025-06-01',
          ...ec2,
          commitmentId: 'arn:ri-2',
          commitmentType: 'Reserved Instance',
          commitmentCategory: 'Usage',
          x: { commitment_end: '2026-03-01T00:00:00Z' },
          lineItemType: 'DiscountedUsage',
          commitmentStatus: 'Used',
          pricingCategory: 'Committed',
          billedCost: '0',
          netBilledCost: '0',
          effectiveCost: '1',
          netEffectiveCost: '1',
          listCost: '1.5',
        }),
      );
      await insertFacts(db, rows);
      costs = createCostsService({ db, clock: fixedClock(TODAY), source });
    });
    after(() => t.dispose());

    const ctx = () => memberContext(client);

    it('utilization, coverage, unused and savings per currency, type and commitment', async () => {
      const c = await costs.commitments(
        ctx(),
        parseCostQuery(commitmentsQuerySchema, { month: '2025-06' }),
      );
      const usd = c.currencies.find((x) => x.currency === 'USD')!;

      // By hand over 30 days: used 30 × (6 + 8) + 1, unused 30 × (2 + 0.5).
      assert.equal(money(usd.used), '421');
      assert.equal(money(usd.unused), '75');
      const usdWith = (status: string) =>
        one(
          sql`sum(effective_cost)`,
          sql`commitment_status = ${status} and billing_currency = 'USD'`,
        );
      assert.equal(money(usd.used), await usdWith('Used'));
      assert.equal(money(usd.unused), await usdWith('Unused'));
      assert.ok(Math.abs(usd.utilization! - 421 / 496) < 1e-12);
      // Covered at list 30 × 22 + 1.5 against on-demand compute 30 × 20; Spot and S3 do not count.
      assert.ok(Math.abs(usd.coverage! - 661.5 / 1261.5) < 1e-12);
      assert.equal(money(usd.savings), '255.5');
      assert.equal(
        money(usd.savings),
        await one(
          sql`sum(list_cost - net_effective_cost)`,
          sql`commitment_status = 'Used' and billing_currency = 'USD'`,
        ),
      );
      assert.equal(money(usd.netSavings), '180.5');

      assert.deepEqual(
        usd.byType.map((x) => [x.type, ...[x.used, x.unused, x.savings, x.netSavings].map(money)]),
        [
          ['Reserved Instance', '181', '60', '120.5', '60.5'],
          ['Savings Plan', '240', '15', '135', '120'],
        ],
      );

      const ri1 = c.commitments.find((x) => x.commitmentId === 'arn:ri-1')!;
      assert.equal(ri1.endDate, '2025-08-01');
      assert.equal(ri1.category, 'Usage');
      assert.ok(Math.abs(ri1.utilization! - 0.75) < 1e-12);

      const eur = c.currencies.find((x) => x.currency === 'EUR')!;
      assert.deepEqual(
        [money(eur.used), money(eur.unused), eur.utilization, eur.coverage],
        ['90', '30', 0.75, 1],
      );
      assert.ok(!c.commitments.some((x) => x.commitmentId === 'arn:foreign'));
    });

    it('lists commitments ending within 30, 60 and 90 days with the savings at risk', async () => {
      const c = await costs.commitments(ctx(), parseCostQuery(commitmentsQuerySchema, {}));
      assert.equal(c.asOf, '2025-07-10');
      assert.deepEqual(
        c.expiring.map((e) => [
          e.commitmentId,
          e.endDate,
          e.daysLeft,
          e.within,
          money(e.savingsLast30Days),
        ]),
        [
          // 11 to 30 June fall in the 30 days before the 10th of July: 20 days of savings.
          ['arn:ri-1', '2025-08-01', 22, 30, '80'],
          ['arn:sp-1', '2025-09-15', 67, 90, '90'],
        ],
      );
    });

    it('the summary shows the same coverage, utilization and unused commitment', async () => {
      const s = await costs.summary(
        ctx(),
        parseCostQuery(summaryQuerySchema, { month: '2025-06' }),
      );
      const usd = s.currencies.find((x) => x.currency === 'USD')!;
      assert.ok(Math.abs(usd.commitmentCoverage! - 661.5 / 1261.5) < 1e-12);
      assert.ok(Math.abs(usd.commitmentUtilization! - 421 / 496) < 1e-12);
      assert.equal(money(usd.unusedCommitment), '75');
      const total = await one(sql`sum(effective_cost)`, sql`billing_currency = 'USD'`);
      assert.equal(money(usd.total), total);
    });
  });
}

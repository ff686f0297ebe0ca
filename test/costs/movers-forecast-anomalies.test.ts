import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { sql } from 'drizzle-orm';

import { queryRows } from '../../src/db/client.js';
import { createCostsService, type CostsService } from '../../src/modules/costs/costs.service.js';
import {
  anomaliesQuerySchema,
  forecastQuerySchema,
  moversQuerySchema,
  parseCostQuery,
  type Mover,
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
 * Each question gets its own provider in one client, so filters keep them apart: AWS and Azure
 * for movers, GCP for the forecast, OCI for anomalies. "Today" is 2025-06-15.
 */
const TODAY = '2025-06-15T08:00:00Z';

// Every figure both ways: `auto` reads the rollup where it can, `facts` only cost_daily.
for (const source of ['auto', 'facts'] as const) {
  describe(`cost analytics: movers, forecast, anomalies (source ${source})`, () => {
    let t: TestDatabase;
    let costs: CostsService;
    let client: string;
    let other: string;

    before(async () => {
      t = await createTestDatabase();
      const { db } = t.database;
      client = await createClient(db, 'movers-a');
      other = await createClient(db, 'movers-b');

      const rows: FactRow[] = [];
      /** A usage line: usage type, unit and quantity (or none), on one resource per service. */
      const aws = (day: string, service: string, cost: string, usage?: [string, string, string]) =>
        rows.push(
          fact({
            clientId: client,
            chargeDate: day,
            serviceName: service,
            resourceId: `${service}-1`,
            cost,
            ...(usage ? { usageType: usage[0], usageUnit: usage[1], usageQuantity: usage[2] } : {}),
          }),
        );

      // Movers. Previous period: 31 March – 30 April; current: May.
      aws('2025-03-30', 'EC2', '100', ['BoxUsage', 'Hrs', '999']);
      aws('2025-04-10', 'EC2', '10', ['BoxUsage', 'Hrs', '100']);
      aws('2025-05-10', 'EC2', '18', ['BoxUsage', 'Hrs', '150']);
      aws('2025-05-12', 'S3', '7', ['Storage', 'GB-Mo', '70']);
      aws('2025-04-12', 'RDS', '4', ['InstanceUsage', 'Hrs', '40']);
      aws('2025-04-05', 'Lambda', '2');
      aws('2025-05-05', 'Lambda', '1');
      aws('2025-04-15', 'CloudFront', '10', ['Requests', 'Req', '10']);
      aws('2025-05-15', 'CloudFront', '12', ['Requests', 'Req', '10']);
      aws('2025-05-16', 'CloudFront', '3', ['DataOut', 'GB', '3']);
      for (const [day, cost] of [
        ['2025-04-10', '5'],
        ['2025-05-10', '6'],
      ] as const) {
        rows.push(
          fact({
            clientId: client,
            chargeDate: day,
            serviceName: 'VM',
            provider: 'azure',
            billingCurrency: 'EUR',
            cost,
          }),
        );
      }
      rows.push(
        fact({ clientId: other, chargeDate: '2025-05-10', serviceName: 'EC2', cost: '5000' }),
      );

      // Forecast: an exact linear trend with a weekend dip, a noisy series, a young service.
      const gcp = (chargeDate: string, serviceName: string, cost: string) =>
        rows.push(fact({ clientId: client, chargeDate, serviceName, provider: 'gcp', cost }));
      eachDay('2025-03-01', '2025-06-14').forEach((d, i) => {
        gcp(d, 'Compute Engine', String(exactSeries(d, i)));
        gcp(d, 'BigQuery', String(50 + ((i * 7) % 5) - 2));
      });
      for (const d of eachDay('2025-06-05', '2025-06-14')) gcp(d, 'NewThing', '3');

      // Anomalies: a flat service with one spike from a new resource, a wobbling one, a small one.
      const oci = (day: string, service: string, resource: string, cost: string, sub: string) =>
        rows.push(
          fact({
            clientId: client,
            chargeDate: day,
            serviceName: service,
            resourceId: resource,
            cost,
            provider: 'oci',
            subAccountId: sub,
          }),
        );
      eachDay('2025-04-01', '2025-05-31').forEach((d, i) => {
        oci(d, 'Compute', 'r1', '10.00', 'oci-a');
        oci(d, 'Storage', 's1', String(5 + (i % 3) - 1), 'oci-b');
        oci(d, 'Network', 'n1', d === '2025-05-25' ? '3.00' : '1.00', 'oci-b');
      });
      oci('2025-05-20', 'Compute', 'r2', '50.00', 'oci-a');

      await insertFacts(db, rows);
      costs = createCostsService({ db, clock: fixedClock(TODAY), source });
    });
    after(() => t.dispose());

    /** 100 + 0.5 per day since 1 March, 30 less on Saturdays and Sundays. */
    function exactSeries(day: string, sinceMarch1: number): number {
      const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
      return 100 + 0.5 * sinceMarch1 + (weekday === 0 || weekday === 6 ? -30 : 0);
    }

    const ctx = () => memberContext(client);

    describe('movers', () => {
      /** [key, previous, current, change, usage, price, new, removed] */
      const pick = (m: Mover) => [
        m.key,
        ...[
          m.previous,
          m.current,
          m.change,
          m.usageEffect,
          m.priceEffect,
          m.newCost,
          m.removedCost,
        ].map(money),
      ];

      it('splits each change into usage, price, new and removed (hand calculation)', async () => {
        const m = await costs.movers(
          ctx(),
          parseCostQuery(moversQuerySchema, { month: '2025-05', provider: ['aws', 'azure'] }),
        );
        // month= compares with the previous calendar month.
        assert.deepEqual(m.previousPeriod, { from: '2025-04-01', to: '2025-04-30', days: 30 });
        const usd = m.currencies.find((c) => c.currency === 'USD')!;

        assert.deepEqual(usd.increases.map(pick), [
          // 100 h at 0.10 became 150 h at 0.12: 50 h × 0.10 more usage, 150 h × 0.02 dearer.
          ['EC2', '10', '18', '8', '5', '3', '0', '0'],
          ['S3', '0', '7', '7', '0', '0', '7', '0'],
          // Requests: same 10 units at 1.20 instead of 1.00; data out is a new usage type.
          ['CloudFront', '10', '15', '5', '3', '2', '0', '0'],
        ]);
        assert.deepEqual(usd.decreases.map(pick), [
          ['RDS', '4', '0', '-4', '0', '0', '0', '-4'],
          // No usage unit: the whole change counts as usage.
          ['Lambda', '2', '1', '-1', '-1', '0', '0', '0'],
        ]);

        const [sums] = await queryRows<{ cur: string; prev: string }>(
          t.database.db,
          sql`select sum(effective_cost) filter (where charge_date >= '2025-05-01')::text as cur,
                   sum(effective_cost) filter (where charge_date < '2025-05-01')::text as prev
            from cost_daily
            where client_id = ${client} and provider = 'aws' and billing_currency = 'USD'
              and charge_date between '2025-04-01' and '2025-05-31'`,
        );
        assert.equal(money(usd.current), money(sums!.cur));
        assert.equal(money(usd.previous), money(sums!.prev));
        assert.equal(money(usd.change), '15');

        const eur = m.currencies.find((c) => c.currency === 'EUR')!;
        assert.deepEqual(
          eur.increases.map((x) => [x.key, money(x.change)]),
          [['VM', '1']],
        );
      });

      it('keeps `limit` rises and falls, and groups by resource', async () => {
        const m = await costs.movers(
          ctx(),
          parseCostQuery(moversQuerySchema, {
            month: '2025-05',
            provider: 'aws',
            limit: '1',
            group_by: 'resource',
          }),
        );
        const usd = m.currencies.find((c) => c.currency === 'USD')!;
        assert.deepEqual(
          usd.increases.map((x) => x.key),
          ['EC2-1'],
        );
        assert.deepEqual(
          usd.decreases.map((x) => x.key),
          ['RDS-1'],
        );
      });
    });

    describe('forecast', () => {
      it('recovers an exact trend with weekday seasonality, to the cent', async () => {
        const f = await costs.forecast(
          ctx(),
          parseCostQuery(forecastQuerySchema, { provider: 'gcp', service: 'Compute Engine' }),
        );
        assert.deepEqual(f.history, { from: '2025-03-17', to: '2025-06-14', days: 90 });
        assert.equal(f.note, null);
        const usd = f.currencies.find((c) => c.currency === 'USD')!;
        assert.deepEqual(
          usd.months.map((m) => m.month),
          ['2025-06', '2025-07', '2025-08', '2025-09'],
        );

        const days = eachDay('2025-03-01', '2025-09-30');
        const expected = (from: string, to: string) =>
          days.reduce((s, d, i) => (d >= from && d <= to ? s + exactSeries(d, i) : s), 0);

        const june = usd.months[0]!;
        const [actual] = await queryRows<{ v: string }>(
          t.database.db,
          sql`select sum(effective_cost)::text as v from cost_daily
            where client_id = ${client} and service_name = 'Compute Engine'
              and charge_date between '2025-06-01' and '2025-06-14'`,
        );
        assert.equal(money(june.actualToDate), money(actual!.v));
        assert.equal(money(june.forecast), money(expected('2025-06-01', '2025-06-30').toFixed(2)));
        const august = expected('2025-08-01', '2025-08-31');
        assert.equal(money(usd.months[2]!.forecast), money(august.toFixed(2)));
        // A perfect fit leaves no residual, so the interval closes on the forecast.
        assert.ok(usd.residualStdDev < 0.01);
        assert.ok(Math.abs(Number(usd.months[3]!.upper) - Number(usd.months[3]!.lower)) <= 0.02);
      });

      it('widens the interval with the horizon on a noisy series', async () => {
        const f = await costs.forecast(
          ctx(),
          parseCostQuery(forecastQuerySchema, {
            provider: 'gcp',
            service: 'BigQuery',
            months: '2',
          }),
        );
        const months = f.currencies[0]!.months;
        assert.equal(months.length, 3);
        const width = (m: (typeof months)[number]) => Number(m.upper) - Number(m.lower);
        assert.ok(f.currencies[0]!.residualStdDev > 0.5);
        assert.ok(width(months[0]!) < width(months[1]!) && width(months[1]!) < width(months[2]!));
        for (const m of months) {
          assert.ok(Number(m.lower) < Number(m.forecast) && Number(m.forecast) < Number(m.upper));
        }
        // About 50 a day: July's 31 days land near 1550.
        assert.ok(Math.abs(Number(months[1]!.forecast) - 1550) < 60);
      });

      it('declines a forecast on too short or absent history, saying why', async () => {
        const young = await costs.forecast(
          ctx(),
          parseCostQuery(forecastQuerySchema, { provider: 'gcp', service: 'NewThing' }),
        );
        assert.deepEqual(young.currencies, []);
        assert.match(young.note!, /14 days .*USD/);

        const none = await costs.forecast(
          ctx(),
          parseCostQuery(forecastQuerySchema, { service: 'Nothing at all' }),
        );
        assert.deepEqual(none.currencies, []);
        assert.equal(none.history.days, 0);
      });
    });

    describe('anomalies', () => {
      it('finds the spike above its rolling baseline and the resource behind it', async () => {
        const a = await costs.anomalies(
          ctx(),
          parseCostQuery(anomaliesQuerySchema, { month: '2025-05', provider: 'oci' }),
        );
        assert.equal(a.anomalies.length, 1);
        const hit = a.anomalies[0]!;
        assert.equal(hit.day, '2025-05-20');
        assert.equal(hit.key, 'Compute');

        const [base] = await queryRows<{ cost: string; mean: string }>(
          t.database.db,
          sql`select sum(effective_cost) filter (where charge_date = '2025-05-20')::text as cost,
                   (sum(effective_cost) filter (where charge_date < '2025-05-20') / 28)::text
                     as mean
            from cost_daily
            where client_id = ${client} and provider = 'oci' and service_name = 'Compute'
              and charge_date between '2025-04-22' and '2025-05-20'`,
        );
        assert.equal(money(hit.cost), money(base!.cost));
        assert.equal(money(hit.baselineMean), money(base!.mean));
        assert.equal(money(hit.baselineStdDev), '0');
        assert.equal(money(hit.excess), '50');
        assert.deepEqual(
          hit.drivers.map((d) => [d.resourceId, money(d.cost), money(d.excess)]),
          [
            ['r2', '50', '50'],
            ['r1', '10', '0'],
          ],
        );
      });

      it('respects min_amount and k, and groups by account', async () => {
        const small = await costs.anomalies(
          ctx(),
          parseCostQuery(anomaliesQuerySchema, {
            month: '2025-05',
            provider: 'oci',
            min_amount: '1',
          }),
        );
        assert.deepEqual(
          small.anomalies.map((x) => [x.day, x.key, money(x.excess)]),
          [
            ['2025-05-25', 'Network', '2'],
            ['2025-05-20', 'Compute', '50'],
          ],
        );

        const byAccount = await costs.anomalies(
          ctx(),
          parseCostQuery(anomaliesQuerySchema, {
            month: '2025-05',
            provider: 'oci',
            group_by: 'account',
          }),
        );
        assert.deepEqual(
          byAccount.anomalies.map((x) => [x.day, x.key]),
          [['2025-05-20', 'oci-a']],
        );
      });

      it("never reports another client's days", async () => {
        const a = await costs.anomalies(
          memberContext(other),
          parseCostQuery(anomaliesQuerySchema, { month: '2025-05', min_amount: '0' }),
        );
        assert.ok(a.anomalies.every((x) => x.key === 'EC2'));
        const m = await costs.movers(
          memberContext(other),
          parseCostQuery(moversQuerySchema, { month: '2025-05' }),
        );
        assert.deepEqual(
          m.currencies.map((c) => [c.currency, money(c.current)]),
          [['USD', '5000']],
        );
      });
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createClient, type FactRow } from '../support/facts.js';
import { daily, evaluate, month, on, resources, seed, single, type Fact } from './helpers.js';

/*
 * Each case seeds one fresh client with a resource that must trigger the rule and a near miss
 * that must not, and asserts the monthly saving computed by hand in the comment above it.
 * The window is June 2025 (30 days), so for a key billed every day monthly = Σ window cost.
 */

describe('commitment rules', () => {
  let t: TestDatabase;

  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.dispose());

  it('aws.savings_plans.unused: unused commitment below 95 % utilization', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const plan = (arn: string, unused: string, used: string): Fact[] => [
      { resourceId: arn, commitmentId: arn, commitmentCategory: 'Spend',
        lineItemType: 'SavingsPlanRecurringFee', billedCost: '24', cost: unused },
      { resourceId: 'i-covered', commitmentId: arn, commitmentCategory: 'Spend',
        lineItemType: 'SavingsPlanCoveredUsage', commitmentStatus: 'Used', cost: used },
    ];
    // sp-1: unused 4/day, used 20/day → utilization 1 − 120/720 = 83.3 %, saving 120.
    // sp-2 (near miss): unused 0.5/day → 97.9 %.
    await seed(db, ...[...plan('arn:sp-1', '4', '20'), ...plan('arn:sp-2', '0.5', '23.5')]
      .map((row) => month(c, row)));

    const found = await evaluate(db, c, ['aws.savings_plans.unused']);
    assert.deepEqual(resources(found), ['arn:sp-1']);
    const sp = single(found, 'arn:sp-1');
    assert.equal(sp.monthlySavings, '120.00');
    assert.equal(sp.monthlyCost, '720.00');
    assert.equal(sp.facts.utilizationPct, '83.3');

    // Raising the utilization bar to 98 % brings sp-2 in: 0.5 × 30 = 15.
    const strict = await evaluate(db, c, ['aws.savings_plans.unused'], {
      'aws.savings_plans.unused': { thresholds: { maxUtilizationPct: 98 } },
    });
    assert.equal(single(strict, 'arn:sp-2').monthlySavings, '15.00');
  });

  it('aws.reserved_instances.unused: monthly RIFee unused amount', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const ri = (arn: string, unused: string): (FactRow | FactRow[])[] => [
      on(c, '2025-06-01', { resourceId: arn, commitmentId: arn, commitmentCategory: 'Usage',
        lineItemType: 'RIFee', billedCost: '300', cost: unused }),
      month(c, { resourceId: 'i-ri', commitmentId: arn, commitmentCategory: 'Usage',
        lineItemType: 'DiscountedUsage', cost: '7' }),
    ];
    // ri-1: unused 90 of 90 + 210 → 70 % utilization; the fee is billed once, on the 1st,
    // and spread over the whole window: 90 / 30 × 30 = 90. ri-2: 3 of 213 → 98.6 %.
    await seed(db, ...ri('arn:ri-1', '90'), ...ri('arn:ri-2', '3'));

    const found = await evaluate(db, c, ['aws.reserved_instances.unused']);
    assert.deepEqual(resources(found), ['arn:ri-1']);
    assert.equal(found[0]!.monthlySavings, '90.00');
    assert.equal(found[0]!.monthlyCost, '300.00');
    assert.equal(found[0]!.facts.utilizationPct, '70.0');
  });

  it('azure and gcp commitments: FOCUS Unused rows', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const rows = (provider: 'azure' | 'gcp', id: string, unused: string, used: string) => [
      month(c, { provider, billingAccountId: `${provider}-ba`, resourceId: null, commitmentId: id,
        commitmentStatus: 'Unused', commitmentCategory: 'Usage', cost: unused }),
      month(c, { provider, billingAccountId: `${provider}-ba`, resourceId: `${provider}-vm`,
        commitmentId: id, commitmentStatus: 'Used', commitmentCategory: 'Usage', cost: used }),
    ];
    // res-1: 2 unused of 10 a day → 80 %, saving 60. res-2: 0.4 of 10 → 96 %, near miss.
    await seed(
      db,
      ...rows('azure', 'az-res-1', '2', '8'),
      ...rows('azure', 'az-res-2', '0.4', '9.6'),
      ...rows('gcp', 'gcp-cud-1', '2', '8'),
      ...rows('gcp', 'gcp-cud-2', '0.4', '9.6'),
    );

    const found = await evaluate(db, c, ['azure.commitments.unused', 'gcp.commitments.unused']);
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.resourceId, f.provider, f.monthlySavings, f.monthlyCost]),
      [
        ['azure.commitments.unused', 'az-res-1', 'azure', '60.00', '300.00'],
        ['gcp.commitments.unused', 'gcp-cud-1', 'gcp', '60.00', '300.00'],
      ],
    );
  });

  it('aws.ec2.unused_capacity_reservation: UnusedBox hours still billed', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const unused = { usageType: 'USE1-UnusedBox:m5.large', cost: '2.30' };
    // cr-1: 2.30 × 30 = 69. cr-2 stopped being billed on the 20th: cancelled, no finding.
    await seed(
      db,
      month(c, { resourceId: 'cr-1', ...unused }),
      daily(c, '2025-06-01', '2025-06-20', { resourceId: 'cr-2', ...unused }),
    );
    const found = await evaluate(db, c, ['aws.ec2.unused_capacity_reservation']);
    assert.deepEqual(resources(found), ['cr-1']);
    assert.equal(found[0]!.monthlySavings, '69.00');
  });

  it('multi.commitments.expiring: savings at risk within the horizon, capped', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const covered = (id: string, list: string, cost: string, x: Record<string, string>): Fact => ({
      resourceId: 'i-any', commitmentId: id, lineItemType: 'SavingsPlanCoveredUsage',
      commitmentStatus: 'Used', listCost: list, cost, x,
    });
    await seed(
      db,
      // Ends in 45 days: at risk (10 − 6) × 30 = 120, under its cost of 180.
      month(c, covered('arn:sp-soon', '10', '6', { commitment_end: '2025-08-14T23:59:59Z' })),
      // Deep discount, 10 days left: at risk 240 but capped at the 60 it costs.
      month(c, covered('arn:ri-deep', '10', '2', { reservationEndTime: '2025-07-10T00:00:00Z' })),
      // Near miss: ends in 184 days.
      month(c, covered('arn:sp-late', '10', '6', { savingsPlanEndTime: '2025-12-31T00:00:00Z' })),
    );

    const found = await evaluate(db, c, ['multi.commitments.expiring']);
    assert.deepEqual(resources(found), ['arn:ri-deep', 'arn:sp-soon']);
    const soon = single(found, 'arn:sp-soon');
    assert.equal(soon.monthlySavings, '120.00');
    assert.equal(soon.monthlyCost, '180.00');
    assert.deepEqual(
      [soon.facts.endsOn, soon.facts.daysLeft, soon.facts.bucket],
      ['2025-08-14', 45, 60],
    );
    const deep = single(found, 'arn:ri-deep');
    assert.deepEqual(
      [deep.monthlySavings, deep.monthlyCost, deep.facts.bucket],
      ['60.00', '60.00', 30],
    );

    const wider = await evaluate(db, c, ['multi.commitments.expiring'], {
      'multi.commitments.expiring': { thresholds: { horizonDays: 200 } },
    });
    assert.equal(single(wider, 'arn:sp-late').monthlySavings, '120.00');
    assert.equal(single(wider, 'arn:sp-late').facts.bucket, 90);
  });

  it('aws.savings_plans.coverage_gap: p10 of daily eligible spend, zero days count', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const ec2 = (account: string, resourceId: string, cost: string): Fact => ({
      billingAccountId: account, resourceId, serviceCode: 'AmazonEC2',
      usageType: 'BoxUsage:m5.xlarge', operation: 'RunInstances', lineItemType: 'Usage',
      pricingCategory: 'Standard', cost,
    });
    await seed(
      db,
      // Daily eligible spend: 12, 12, then 48 for 28 days. p10 of 30 days is the 3rd lowest,
      // 48: saving 48 × 20 % × 30 = 288; commitment 48 / 24 × 0.8 = 1.6 per hour.
      daily(c, '2025-06-01', '2025-06-02', ec2('111111111111', 'i-1', '12')),
      daily(c, '2025-06-03', '2025-06-30', ec2('111111111111', 'i-1', '48')),
      // Spot hours are not eligible and change nothing.
      month(c, { ...ec2('111111111111', 'i-spot', '100'), usageType: 'SpotUsage:m5.xlarge',
        pricingCategory: 'Dynamic' }),
      // Near miss: eligible on two days only; the other 28 count as zero, so p10 is 0.
      daily(c, '2025-06-01', '2025-06-02', ec2('999999999999', 'i-9', '48')),
      month(c, { billingAccountId: '999999999999', resourceId: 'bucket-9', serviceCode: 'AmazonS3',
        usageType: 'TimedStorage-ByteHrs', cost: '1' }),
    );

    const found = await evaluate(db, c, ['aws.savings_plans.coverage_gap']);
    assert.deepEqual(resources(found), ['savings-plan-coverage:111111111111']);
    const gap = found[0]!;
    assert.equal(gap.monthlySavings, '288.00');
    // Eligible on-demand: 2 × 12 + 28 × 48 = 1368 in 30 days.
    assert.equal(gap.monthlyCost, '1368.00');
    assert.equal(gap.facts.hourlyCommitment, '1.6000');
    assert.equal(gap.facts.floorDaily, '48.00');
    assert.match(gap.reasoning.en, /daily spend \/ 24/);
  });

  it('reservation opportunities: RDS, ElastiCache, OpenSearch and Redshift', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const services: [string, string, string, string][] = [
      ['aws.rds.reserved_instances', 'AmazonRDS', 'InstanceUsage:db.r5.large', 'db'],
      ['aws.elasticache.reserved_nodes', 'AmazonElastiCache', 'NodeUsage:cache.r5.large', 'cache'],
      ['aws.opensearch.reserved_instances', 'AmazonES', 'ESInstance:r5.large.search', 'es'],
      ['aws.redshift.reserved_nodes', 'AmazonRedshift', 'Node:ra3.xlplus', 'rs'],
    ];
    for (const [, serviceCode, usageType, name] of services) {
      const row = { serviceCode, usageType, lineItemType: 'Usage', cost: '10' };
      await seed(
        db,
        // Steady on demand all month: 300 × 20 % = 60.
        month(c, { resourceId: `${name}-steady`, ...row }),
        // Near miss: only 15 days (fewer than 21).
        daily(c, '2025-06-16', '2025-06-30', { resourceId: `${name}-new`, ...row }),
        // Near miss: covered by a reservation already.
        month(c, { resourceId: `${name}-reserved`, ...row, lineItemType: 'DiscountedUsage',
          commitmentId: `arn:${name}-ri` }),
      );
    }

    const found = await evaluate(db, c, services.map(([id]) => id));
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.resourceId, f.monthlySavings]),
      services.map(([id, , , name]) => [id, `${name}-steady`, '60.00']),
    );
  });

  it('aws.ec2.spot_candidates: on-demand fleet members only, tag keys overridable', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const box: Fact = {
      serviceCode: 'AmazonEC2', usageType: 'BoxUsage:c5.large', operation: 'RunInstances',
      cost: '4',
    };
    await seed(
      db,
      // 4 × 30 × 55 % = 66.
      month(c, { resourceId: 'i-fleet', ...box, tags: { 'aws:autoscaling:groupName': 'web' } }),
      // Near miss: no fleet tag.
      month(c, { resourceId: 'i-pet', ...box, tags: { team: 'data' } }),
    );

    const found = await evaluate(db, c, ['aws.ec2.spot_candidates']);
    assert.deepEqual(resources(found), ['i-fleet']);
    assert.equal(found[0]!.monthlySavings, '66.00');

    const byTeam = await evaluate(db, c, ['aws.ec2.spot_candidates'], {
      'aws.ec2.spot_candidates': { thresholds: { fleetTagKeys: ['Team'] } },
    });
    assert.deepEqual(resources(byTeam), ['i-pet']);
  });

  it('aws.ec2.short_lived_instances: a sub-account keeps starting short instances', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const box = (sub: string): Fact => ({
      subAccountId: sub, serviceCode: 'AmazonEC2', usageType: 'BoxUsage:c5.4xlarge',
      operation: 'RunInstances', usageQuantity: '4', cost: '5',
    });
    await seed(
      db,
      // Three 4-hour instances: 15 in the window → 15 / 30 × 30 × 72 % = 10.80.
      ['2025-06-10', '2025-06-12', '2025-06-14'].map((d, i) =>
        on(c, d, { resourceId: `i-ci-${i}`, ...box('333333333333') })),
      // Started in May: not short-lived, not counted.
      on(c, '2025-05-31', { resourceId: 'i-may', ...box('333333333333') }),
      on(c, '2025-06-01', { resourceId: 'i-may', ...box('333333333333'), usageQuantity: '1' }),
      // Near miss sub-account: two short ones, one of 8 h, one still running on the last day.
      on(c, '2025-06-05', { resourceId: 'i-a', ...box('444444444444') }),
      on(c, '2025-06-06', { resourceId: 'i-b', ...box('444444444444') }),
      on(c, '2025-06-07', { resourceId: 'i-long', ...box('444444444444'), usageQuantity: '8' }),
      daily(c, '2025-06-29', '2025-06-30', { resourceId: 'i-now', ...box('444444444444'),
        usageQuantity: '2' }),
    );

    const found = await evaluate(db, c, ['aws.ec2.short_lived_instances']);
    assert.deepEqual(resources(found), ['short-lived:333333333333']);
    const hit = found[0]!;
    assert.equal(hit.monthlyCost, '15.00');
    assert.equal(hit.monthlySavings, '10.80');
    assert.equal(hit.facts.instanceCount, 3);
    assert.equal(hit.facts.totalHours, '12.0');
    assert.deepEqual(hit.evidence.map((e) => e.resourceId).sort(), ['i-ci-0', 'i-ci-1', 'i-ci-2']);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { dedupedMonthlySavings } from '../../src/modules/findings/rules/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createClient } from '../support/facts.js';
import { evaluate, month, resources, seed, single, type Fact } from './helpers.js';

const ec2 = (usageType: string, cost: string, extra: Fact = {}): Fact => ({
  serviceCode: 'AmazonEC2', usageType, operation: 'RunInstances', lineItemType: 'Usage',
  cost, ...extra,
});

describe('compute rules', () => {
  let t: TestDatabase;

  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.dispose());

  it('aws.ec2.previous_generation: family list, or CUR\'s currentGeneration', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    await seed(
      db,
      // 3 × 30 × 5 % = 4.50 each.
      month(c, { resourceId: 'i-m4', ...ec2('BoxUsage:m4.large', '3') }),
      month(c, { resourceId: 'i-cur-no',
        ...ec2('BoxUsage:z1d.large', '3', { x: { currentGeneration: 'No' } }) }),
      // Near misses: a current family; a listed family CUR calls current; a Spot instance.
      month(c, { resourceId: 'i-m5', ...ec2('BoxUsage:m5.large', '3') }),
      month(c, { resourceId: 'i-cur-yes',
        ...ec2('BoxUsage:m4.large', '3', { x: { currentGeneration: 'Yes' } }) }),
      month(c, { resourceId: 'i-spot', ...ec2('SpotUsage:m4.large', '3') }),
    );
    const found = await evaluate(db, c, ['aws.ec2.previous_generation']);
    assert.deepEqual(resources(found), ['i-cur-no', 'i-m4']);
    assert.equal(single(found, 'i-m4').monthlySavings, '4.50');
    assert.equal(single(found, 'i-m4').facts.family, 'm4');
  });

  it('aws.ec2.graviton: Intel 20 %, AMD 10 %, Linux only', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    await seed(
      db,
      month(c, { resourceId: 'i-intel', ...ec2('USE2-BoxUsage:m5.xlarge', '5') }), // 150 × 20 %
      month(c, { resourceId: 'i-amd', ...ec2('BoxUsage:m5a.xlarge', '4') }), // 120 × 10 %
      // Covered by a Savings Plan: still movable. 2 × 30 × 20 % = 12.
      month(c, { resourceId: 'i-sp', ...ec2('BoxUsage:c5.large', '2', {
        lineItemType: 'SavingsPlanCoveredUsage', commitmentId: 'arn:sp',
        commitmentCategory: 'Spend' }) }),
      // Near misses: already Graviton; Windows; reserved.
      month(c, { resourceId: 'i-arm', ...ec2('BoxUsage:m6g.large', '5') }),
      month(c, { resourceId: 'i-win',
        ...ec2('BoxUsage:m5.large', '5', { operation: 'RunInstances:0002' }) }),
      month(c, { resourceId: 'i-ri', ...ec2('BoxUsage:m5.large', '5', {
        lineItemType: 'DiscountedUsage', commitmentId: 'arn:ri', commitmentCategory: 'Usage' }) }),
    );
    const found = await evaluate(db, c, ['aws.ec2.graviton']);
    assert.deepEqual(
      found.map((f) => [f.resourceId, f.monthlySavings, f.facts.ratePct]),
      [['i-intel', '30.00', 20], ['i-amd', '12.00', 10], ['i-sp', '12.00', 20]],
    );
  });

  it('counts the larger saving once when two rules hit one instance', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    await seed(db, month(c, { resourceId: 'i-m4', ...ec2('BoxUsage:m4.large', '3') }));
    const found = await evaluate(db, c, ['aws.ec2.previous_generation', 'aws.ec2.graviton']);
    // Previous generation 4.50, Graviton 90 × 20 % = 18: both listed, 18 counted.
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.monthlySavings]),
      [['aws.ec2.previous_generation', '4.50'], ['aws.ec2.graviton', '18.00']],
    );
    assert.deepEqual(dedupedMonthlySavings(found), { USD: '18.00' });
  });

  it('managed Graviton: RDS open engines, ElastiCache, OpenSearch, Lambda', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const lambda = (usageType: string, cost: string): Fact => ({
      serviceCode: 'AWSLambda', usageType, cost,
    });
    const rds = (engineOp: string, cls: string): Fact => ({
      serviceCode: 'AmazonRDS', usageType: `InstanceUsage:${cls}`, operation: engineOp, cost: '6',
    });
    await seed(
      db,
      // 180 × 10 % = 18.
      month(c, { resourceId: 'db-pg', ...rds('CreateDBInstance:0014', 'db.r5.large') }),
      month(c, { resourceId: 'db-oracle', ...rds('CreateDBInstance:0005', 'db.r5.large') }),
      month(c, { resourceId: 'db-arm', ...rds('CreateDBInstance:0014', 'db.r6g.large') }),
      month(c, { resourceId: 'cache-x86', serviceCode: 'AmazonElastiCache',
        usageType: 'NodeUsage:cache.r5.large', cost: '8' }), // 240 × 5 %
      month(c, { resourceId: 'cache-arm', serviceCode: 'AmazonElastiCache',
        usageType: 'NodeUsage:cache.r6g.large', cost: '8' }),
      month(c, { resourceId: 'es-x86', serviceCode: 'AmazonES',
        usageType: 'ESInstance:r5.large.search', cost: '6' }), // 180 × 5 %
      month(c, { resourceId: 'es-arm', serviceCode: 'AmazonES',
        usageType: 'ESInstance:r6g.large.search', cost: '6' }),
      // Lambda: duration 45 × 20 % = 9; requests stay in the cost, not in the saving.
      month(c, { resourceId: 'fn-x86', ...lambda('USE1-Lambda-GB-Second', '1.5') }),
      month(c, { resourceId: 'fn-x86', ...lambda('USE1-Request', '0.5') }),
      month(c, { resourceId: 'fn-arm', ...lambda('USE1-Lambda-GB-Second-ARM', '1.5') }),
    );
    const found = await evaluate(db, c, [
      'aws.rds.graviton',
      'aws.elasticache.graviton',
      'aws.opensearch.graviton',
      'aws.lambda.arm64',
    ]);
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.resourceId, f.monthlySavings, f.monthlyCost]),
      [
        ['aws.rds.graviton', 'db-pg', '18.00', '180.00'],
        ['aws.elasticache.graviton', 'cache-x86', '12.00', '240.00'],
        ['aws.opensearch.graviton', 'es-x86', '9.00', '180.00'],
        ['aws.lambda.arm64', 'fn-x86', '9.00', '60.00'],
      ],
    );
  });

  it('aws.extended_support: RDS and EKS surcharges', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const instance: Fact = {
      serviceCode: 'AmazonRDS', usageType: 'InstanceUsage:db.m5.large', cost: '10',
    };
    await seed(
      db,
      month(c, { resourceId: 'db-old', ...instance }),
      month(c, { resourceId: 'db-old', serviceCode: 'AmazonRDS',
        usageType: 'USE1-ExtendedSupport:Yr1-Yr2:PostgreSQL11', cost: '2' }), // 60
      month(c, { resourceId: 'eks-old', serviceCode: 'AmazonEKS',
        usageType: 'USE1-AmazonEKS-Hours:perCluster', operation: 'ExtendedSupport',
        cost: '1.2' }), // 36
      // Near miss: an instance on a supported version.
      month(c, { resourceId: 'db-new', ...instance }),
    );
    const found = await evaluate(db, c, ['aws.extended_support']);
    assert.deepEqual(
      found.map((f) => [f.resourceId, f.monthlySavings, f.monthlyCost]),
      [['db-old', '60.00', '360.00'], ['eks-old', '36.00', '36.00']],
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createClient } from '../support/facts.js';
import { daily, evaluate, month, resources, seed, single, type Fact } from './helpers.js';

describe('idle, network and governance rules', () => {
  let t: TestDatabase;

  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.dispose());

  it('idle addresses: Elastic IP, public IPv4, Google Cloud static IP', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const gcp: Fact = { provider: 'gcp', billingAccountId: 'gcp-ba' };
    await seed(
      db,
      month(c, { resourceId: 'eip-idle', usageType: 'USE1-ElasticIP:IdleAddress', cost: '0.12' }),
      month(c, { resourceId: 'eip-extra', usageType: 'ElasticIP:AdditionalAddress', cost: '0.12' }),
      month(c, { resourceId: 'ipv4-idle', usageType: 'USE1-PublicIPv4:IdleAddress', cost: '0.12' }),
      month(c, { resourceId: 'ipv4-used', usageType: 'USE1-PublicIPv4:InUseAddress',
        cost: '0.12' }),
      month(c, { resourceId: 'addr-1', ...gcp, usageType: 'Static Ip Charge', cost: '0.24' }),
      month(c, { resourceId: 'addr-2', ...gcp, usageType: 'External IP Charge on a Standard VM',
        cost: '0.24' }),
    );
    const found = await evaluate(db, c, [
      'aws.ec2.idle_elastic_ip',
      'aws.vpc.idle_public_ipv4',
      'gcp.network.idle_static_ip',
    ]);
    // 0.12 × 30 = 3.60; 0.24 × 30 = 7.20.
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.resourceId, f.monthlySavings]),
      [
        ['aws.ec2.idle_elastic_ip', 'eip-extra', '3.60'],
        ['aws.ec2.idle_elastic_ip', 'eip-idle', '3.60'],
        ['aws.vpc.idle_public_ipv4', 'ipv4-idle', '3.60'],
        ['gcp.network.idle_static_ip', 'addr-1', '7.20'],
      ],
    );
  });

  it('aws.vpc.idle_nat_gateway: hours without bytes for two weeks', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const hours: Fact = { usageType: 'USE1-NatGateway-Hours', usageQuantity: '24', cost: '1.08' };
    const bytes: Fact = { usageType: 'USE1-NatGateway-Bytes', usageQuantity: '5', cost: '0.225' };
    await seed(
      db,
      month(c, { resourceId: 'nat-idle', ...hours }), // 32.40
      month(c, { resourceId: 'nat-busy', ...hours }),
      month(c, { resourceId: 'nat-busy', ...bytes }),
      daily(c, '2025-06-21', '2025-06-30', { resourceId: 'nat-new', ...hours }), // 240 h only
    );
    const found = await evaluate(db, c, ['aws.vpc.idle_nat_gateway']);
    assert.deepEqual(resources(found), ['nat-idle']);
    assert.equal(found[0]!.monthlySavings, '32.40');
    assert.equal(found[0]!.facts.hours, 720);

    // With 200 h enough, the new one counts too: 10.80 over 10 days → 32.40 a month.
    const eager = await evaluate(db, c, ['aws.vpc.idle_nat_gateway'], {
      'aws.vpc.idle_nat_gateway': { thresholds: { minHours: 200 } },
    });
    assert.equal(single(eager, 'nat-new').monthlySavings, '32.40');
  });

  it('idle load balancers, VPC endpoints and VPN connections', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const lb: Fact = { serviceCode: 'AWSELB', usageType: 'USE1-LoadBalancerUsage',
      usageQuantity: '24', cost: '0.54' };
    const vpce: Fact = { usageType: 'USE1-VpcEndpoint-Hours', usageQuantity: '24', cost: '0.24' };
    const vpn: Fact = { usageType: 'USE1-VPN-Usage-Hours:ipsec.1', usageQuantity: '24',
      cost: '1.2' };
    await seed(
      db,
      month(c, { resourceId: 'lb-idle', ...lb }), // 16.20
      month(c, { resourceId: 'lb-busy', ...lb }),
      month(c, { resourceId: 'lb-busy', serviceCode: 'AWSELB', usageType: 'USE1-LCUUsage',
        usageQuantity: '2', cost: '0.016' }),
      month(c, { resourceId: 'vpce-idle', ...vpce }), // 7.20
      month(c, { resourceId: 'vpce-busy', ...vpce }),
      month(c, { resourceId: 'vpce-busy', usageType: 'USE1-VpcEndpoint-Bytes', usageQuantity: '3',
        cost: '0.03' }),
      month(c, { resourceId: 'vpn-idle', ...vpn }), // 36.00
      month(c, { resourceId: 'vpn-busy', ...vpn }),
      month(c, { resourceId: 'vpn-busy', usageType: 'USE1-DataTransfer-Out-Bytes',
        usageQuantity: '10', cost: '0.9' }),
    );
    const found = await evaluate(db, c, [
      'aws.elb.idle_load_balancer',
      'aws.vpc.idle_endpoint',
      'aws.vpc.idle_vpn',
    ]);
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.resourceId, f.monthlySavings, f.confidence]),
      [
        ['aws.elb.idle_load_balancer', 'lb-idle', '16.20', 'high'],
        ['aws.vpc.idle_endpoint', 'vpce-idle', '7.20', 'high'],
        ['aws.vpc.idle_vpn', 'vpn-idle', '36.00', 'low'],
      ],
    );
  });

  it('aws.kinesis.abandoned_stream: only shard hours in the last 7 days', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const shards: Fact = { serviceCode: 'AmazonKinesis', usageType: 'USE1-Storage-ShardHour',
      operation: 'shardHourStorage', cost: '0.72' };
    const puts: Fact = { serviceCode: 'AmazonKinesis', usageType: 'USE1-PutRequestPayloadUnits',
      operation: 'PutRecord', cost: '0.1' };
    await seed(
      db,
      // Writes stopped on the 20th: 0.72 × 7 / 7 × 30 = 21.60, out of 21.60 + 2.00 a month.
      month(c, { resourceId: 'stream-quiet', ...shards }),
      daily(c, '2025-06-01', '2025-06-20', { resourceId: 'stream-quiet', ...puts }),
      // Near miss: still written on the 28th.
      month(c, { resourceId: 'stream-live', ...shards }),
      daily(c, '2025-06-01', '2025-06-28', { resourceId: 'stream-live', ...puts }),
    );
    const found = await evaluate(db, c, ['aws.kinesis.abandoned_stream']);
    assert.deepEqual(resources(found), ['stream-quiet']);
    assert.deepEqual([found[0]!.monthlySavings, found[0]!.monthlyCost], ['21.60', '23.60']);
  });

  it('aws.network.data_transfer_hotspot: reported with no saving of its own', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const box: Fact = { serviceCode: 'AmazonEC2', usageType: 'BoxUsage:m5.large', cost: '10' };
    await seed(
      db,
      month(c, { resourceId: 'i-chatty', ...box }),
      month(c, { resourceId: 'i-chatty', usageType: 'USE1-DataTransfer-Regional-Bytes',
        cost: '5' }),
      month(c, { resourceId: 'i-quiet', ...box }),
      month(c, { resourceId: 'i-quiet', usageType: 'USE1-DataTransfer-Out-Bytes', cost: '3' }),
    );
    const found = await evaluate(db, c, ['aws.network.data_transfer_hotspot']);
    assert.deepEqual(resources(found), ['i-chatty']);
    assert.deepEqual(
      [found[0]!.monthlySavings, found[0]!.monthlyCost, found[0]!.facts.transferSharePct],
      ['0.00', '150.00', 33],
    );
  });

  it('aws.config.recording_cost: per sub-account and region', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const account = (sub: string, configCost: string): Fact[] => [
      { subAccountId: sub, regionId: 'us-east-1', resourceId: null, serviceCode: 'AWSConfig',
        usageType: 'USE1-ConfigurationItemRecorded', cost: configCost },
      { subAccountId: sub, regionId: 'us-east-1', resourceId: `i-${sub}`, serviceCode: 'AmazonEC2',
        usageType: 'BoxUsage:m5.large', cost: '20' },
    ];
    await seed(
      db,
      // Config 60 a month, 9.1 % of the account: 60 × 50 % = 30.
      ...account('555555555555', '2').map((r) => month(c, r)),
      // Near miss: 15 a month, under the 20 floor.
      ...account('666666666666', '0.5').map((r) => month(c, r)),
    );
    const found = await evaluate(db, c, ['aws.config.recording_cost']);
    assert.deepEqual(resources(found), ['aws-config:555555555555:us-east-1']);
    assert.deepEqual(
      [found[0]!.monthlySavings, found[0]!.monthlyCost, found[0]!.facts.sharePct],
      ['30.00', '60.00', '9.1'],
    );
  });

  it('multi.tags.untagged_spend: required keys compared loosely, per sub-account', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const tagged = { 'user:Owner': 'ana', 'user:Environment': 'prod', user_cost_center: 'cc1' };
    const usage = (sub: string, id: string, cost: string, tags: Record<string, string>): Fact => ({
      subAccountId: sub, resourceId: id, usageType: 'BoxUsage:m5.large', cost, tags,
    });
    await seed(
      db,
      // Half of 300 a month lacks tags: reported at 150 with no saving.
      month(c, usage('777777777777', 'i-tagged', '5', tagged)),
      month(c, usage('777777777777', 'i-bare', '5', { Name: 'x' })),
      // Near miss: 1 of 6 a day untagged, 16.7 % under the 20 % bar (and 30 < 100).
      month(c, usage('888888888888', 'i-tagged-2', '5', tagged)),
      month(c, usage('888888888888', 'i-bare-2', '1', {})),
    );
    const found = await evaluate(db, c, ['multi.tags.untagged_spend']);
    assert.deepEqual(resources(found), ['untagged:777777777777']);
    const hit = found[0]!;
    assert.deepEqual(
      [hit.monthlySavings, hit.monthlyCost, hit.facts.untaggedPct],
      ['0.00', '150.00', '50.0'],
    );
    assert.deepEqual(hit.evidence.map((e) => e.resourceId), ['i-bare']);

    // Requiring "name" instead flips 777 (only i-tagged lacks it) and catches all of 888.
    const byName = await evaluate(db, c, ['multi.tags.untagged_spend'], {
      'multi.tags.untagged_spend': { thresholds: { requiredTagKeys: ['name'] } },
    });
    assert.deepEqual(resources(byName), ['untagged:777777777777', 'untagged:888888888888']);
    assert.deepEqual(single(byName, 'untagged:777777777777').evidence.map((e) => e.resourceId), [
      'i-tagged',
    ]);
    assert.equal(single(byName, 'untagged:888888888888').monthlyCost, '180.00');
  });
});

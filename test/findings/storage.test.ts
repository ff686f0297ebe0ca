import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createClient, type FactRow } from '../support/facts.js';
import { daily, evaluate, month, on, resources, seed, single, type Fact } from './helpers.js';

describe('storage rules', () => {
  let t: TestDatabase;

  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.dispose());

  it('aws.ebs.gp2_to_gp3: the per-volume formula, extras bought back', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const gp2 = (qty: string, cost: string): Fact => ({
      serviceCode: 'AmazonEC2', usageType: 'EBS:VolumeUsage.gp2', usageQuantity: qty, cost,
    });
    await seed(
      db,
      // 600 GB, C = 60, u = 0.08; no extra IOPS; 125 MB/s extra: 60 − (48 + 5) = 7.
      month(c, { resourceId: 'vol-600', ...gp2('20', '2') }),
      // Created on the 21st, 10 days: ×3 → 1500 GB, C = 150; extra IOPS 4500 − 3000 = 1500:
      // 150 − (120 + 5 + 0.08 × 0.06 × 1500 = 7.2) = 17.80.
      daily(c, '2025-06-21', '2025-06-30', { resourceId: 'vol-1500', ...gp2('50', '5') }),
      // Near miss: 210 GB, C = 21: 21 − (16.8 + 5) < 0, the throughput extra eats the gain.
      month(c, { resourceId: 'vol-210', ...gp2('7', '0.7') }),
    );
    const found = await evaluate(db, c, ['aws.ebs.gp2_to_gp3']);
    assert.deepEqual(resources(found), ['vol-1500', 'vol-600']);
    const small = single(found, 'vol-600');
    assert.deepEqual(
      [small.monthlySavings, small.monthlyCost, small.facts.sizeGb, small.facts.gp3Monthly],
      ['7.00', '60.00', 600, '53.00'],
    );
    const big = single(found, 'vol-1500');
    assert.deepEqual(
      [big.monthlySavings, big.monthlyCost, big.facts.sizeGb, big.facts.extraIops],
      ['17.80', '150.00', 1500, 1500],
    );
  });

  it('aws.ebs.io1_to_io2: only IOPS above 32 000 get cheaper', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const io1 = (iopsPerDay: string, iopsCost: string): Fact[] => [
      { usageType: 'EBS:VolumeP-IOPS.piops', usageQuantity: iopsPerDay, cost: iopsCost },
      { usageType: 'EBS:VolumeUsage.piops', usageQuantity: '10', cost: '1.25' },
    ];
    await seed(
      db,
      // 45 000 IOPS at 0.065: 0.065 × 30 % × (45 000 − 32 000) = 253.50.
      ...io1('1500', '97.5').map((r) => month(c, { resourceId: 'vol-io1-big', ...r })),
      // Near miss: 18 000 IOPS, no price gain.
      ...io1('600', '39').map((r) => month(c, { resourceId: 'vol-io1-small', ...r })),
    );
    const found = await evaluate(db, c, ['aws.ebs.io1_to_io2']);
    assert.deepEqual(resources(found), ['vol-io1-big']);
    assert.deepEqual(
      [found[0]!.monthlySavings, found[0]!.monthlyCost, found[0]!.facts.iops],
      ['253.50', '2962.50', 45000],
    );
  });

  it('aws.ebs.magnetic_to_gp3: pays off when I/O outweighs the dearer GB', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const magnetic = (io: string): Fact[] => [
      { usageType: 'EBS:VolumeUsage', cost: '1' },
      { usageType: 'USE2-EBS:VolumeIOUsage', cost: io },
    ];
    await seed(
      db,
      // storage 30 + I/O 60 − gp3 30 × 1.6 = 42.
      ...magnetic('2').map((r) => month(c, { resourceId: 'vol-mag', ...r })),
      // Near miss: I/O 9 → 30 + 9 − 48 < 0.
      ...magnetic('0.3').map((r) => month(c, { resourceId: 'vol-mag-quiet', ...r })),
      // A gp2 volume is not magnetic.
      month(c, { resourceId: 'vol-gp2', usageType: 'EBS:VolumeUsage.gp2', cost: '5' }),
    );
    const found = await evaluate(db, c, ['aws.ebs.magnetic_to_gp3']);
    assert.deepEqual(resources(found), ['vol-mag']);
    assert.equal(found[0]!.monthlySavings, '42.00');
  });

  it('aws.ebs.old_snapshots: first billed more than a year before the window end', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const snap: Fact = { usageType: 'EBS:SnapshotUsage', cost: '0.5' };
    await seed(
      db,
      on(c, '2024-05-01', { resourceId: 'snap-old', ...snap }),
      month(c, { resourceId: 'snap-old', ...snap }), // 15
      on(c, '2025-01-01', { resourceId: 'snap-new', ...snap }),
      month(c, { resourceId: 'snap-new', ...snap }),
    );
    const found = await evaluate(db, c, ['aws.ebs.old_snapshots']);
    assert.deepEqual(resources(found), ['snap-old']);
    assert.deepEqual(
      [found[0]!.monthlySavings, found[0]!.facts.firstBilled, found[0]!.facts.ageDays],
      ['15.00', '2024-05-01', 425],
    );
  });

  it('early-delete fees on S3, Azure Storage and Cloud Storage', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const azure: Fact = { provider: 'azure', billingAccountId: 'az' };
    const gcp: Fact = { provider: 'gcp', billingAccountId: 'gcp' };
    // S3 0.4 a day → 12 (out of 102 for the bucket); Azure 0.2 → 6; GCP 0.3 → 9.
    await seed(
      db,
      month(c, { resourceId: 'bucket-a', usageType: 'TimedStorage-ByteHrs', cost: '3' }),
      month(c, { resourceId: 'bucket-a', usageType: 'EarlyDelete-SIA', cost: '0.4' }),
      month(c, { resourceId: 'bucket-b', usageType: 'TimedStorage-ByteHrs', cost: '3' }),
      month(c, { resourceId: 'sa1', ...azure, usageType: 'Cool LRS Early Delete', cost: '0.2' }),
      month(c, { resourceId: 'sa2', ...azure, usageType: 'Cool LRS Data Stored', cost: '0.2' }),
      month(c, { resourceId: 'b1', ...gcp, usageType: 'Nearline Storage Early Deletion',
        cost: '0.3' }),
      month(c, { resourceId: 'b2', ...gcp, usageType: 'Nearline Storage US Multi-region',
        cost: '0.3' }),
    );
    const found = await evaluate(db, c, [
      'aws.s3.early_delete_fees',
      'azure.storage.early_delete_fees',
      'gcp.storage.early_delete_fees',
    ]);
    assert.deepEqual(
      found.map((f) => [f.ruleId, f.resourceId, f.monthlySavings, f.monthlyCost]),
      [
        ['aws.s3.early_delete_fees', 'bucket-a', '12.00', '102.00'],
        ['azure.storage.early_delete_fees', 'sa1', '6.00', '6.00'],
        ['gcp.storage.early_delete_fees', 'b1', '9.00', '9.00'],
      ],
    );
  });

  it('aws.s3.inactive_standard_bucket: Standard only, no request for 60 days', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const standard: Fact = { serviceCode: 'AmazonS3', usageType: 'USE1-TimedStorage-ByteHrs',
      operation: 'StandardStorage', cost: '2' };
    const get: Fact = { serviceCode: 'AmazonS3', usageType: 'USE1-Requests-Tier2',
      operation: 'GetObject', usageQuantity: '1000', cost: '0.0004' };
    const bucket = (id: string, lastGet: string): (FactRow | FactRow[])[] => [
      on(c, '2025-03-01', { resourceId: id, ...standard }),
      on(c, lastGet, { resourceId: id, ...get }),
      month(c, { resourceId: id, ...standard }),
    ];
    await seed(
      db,
      // Last read in March: 60 × 30 % = 18.
      ...bucket('bucket-idle', '2025-03-15'),
      // Near misses: read on June 20; part of it in IA; known only since mid-May.
      ...bucket('bucket-busy', '2025-06-20'),
      ...bucket('bucket-mixed', '2025-03-15'),
      month(c, { resourceId: 'bucket-mixed', serviceCode: 'AmazonS3',
        usageType: 'USE1-TimedStorage-SIA-ByteHrs', cost: '1' }),
      on(c, '2025-05-15', { resourceId: 'bucket-young', ...standard }),
      month(c, { resourceId: 'bucket-young', ...standard }),
    );
    const found = await evaluate(db, c, ['aws.s3.inactive_standard_bucket']);
    assert.deepEqual(resources(found), ['bucket-idle']);
    assert.deepEqual(
      [found[0]!.monthlySavings, found[0]!.monthlyCost, found[0]!.facts.lastRequest],
      ['18.00', '60.00', '2025-03-15'],
    );
  });

  it('aws.s3.ia_to_glacier_ir: rarely read Standard-IA', async () => {
    const { db } = t.database;
    const c = await createClient(db);
    const ia = (retrieval: string): Fact[] => [
      { usageType: 'USE1-TimedStorage-SIA-ByteHrs', cost: '3' },
      { usageType: 'USE1-Retrieval-SIA', cost: retrieval },
      { usageType: 'USE1-Requests-SIA-Tier1', cost: '0.05' },
      { usageType: 'USE1-Requests-SIA-Tier2', cost: '0.01' },
    ];
    await seed(
      db,
      // IA 90 + 3 + 1.5 + 0.3 = 94.8; GIR 28.8 + 9 + 3 + 3 = 43.8; saving 51.
      ...ia('0.1').map((r) => month(c, { resourceId: 'bucket-ia', serviceCode: 'AmazonS3', ...r })),
      // Near miss: retrieval 150 a month, three times dearer on GIR.
      ...ia('5').map((r) =>
        month(c, { resourceId: 'bucket-ia-hot', serviceCode: 'AmazonS3', ...r })),
    );
    const found = await evaluate(db, c, ['aws.s3.ia_to_glacier_ir']);
    assert.deepEqual(resources(found), ['bucket-ia']);
    assert.deepEqual(
      [found[0]!.monthlySavings, found[0]!.facts.iaMonthly, found[0]!.facts.girMonthly],
      ['51.00', '94.80', '43.80'],
    );
  });
});

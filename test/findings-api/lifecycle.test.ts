import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { TestApp } from '../support/app.js';
import { testEngine } from '../support/db.js';
import { daily } from '../findings/helpers.js';
import { insertFacts, money, type FactRow } from '../support/facts.js';
import { caller, makeTenant, startApp, type TenantFixture } from './support.js';

/*
 * One client over three months, recomputed after each: June shows a gp2 volume, an m4
 * instance (two rules) and an idle Elastic IP; in July the volume is gp3 and the address is
 * gone; in August the address is back.
 */

const EC2 = {
  serviceCode: 'AmazonEC2',
  serviceName: 'Amazon Elastic Compute Cloud',
  operation: 'RunInstances',
  lineItemType: 'Usage',
  regionId: 'us-east-1',
};

function volume(c: string, from: string, to: string, type: 'gp2' | 'gp3', cost: string) {
  return daily(c, from, to, {
    resourceId: 'vol-600',
    serviceCode: 'AmazonEC2',
    usageType: `EBS:VolumeUsage.${type}`,
    usageQuantity: '20',
    cost,
  });
}
const instance = (c: string, from: string, to: string) =>
  daily(c, from, to, { resourceId: 'i-m4', ...EC2, usageType: 'BoxUsage:m4.large', cost: '3' });
const address = (c: string, from: string, to: string) =>
  daily(c, from, to, {
    resourceId: 'eip-idle',
    billingAccountId: '222222222222',
    regionId: 'sa-east-1',
    usageType: 'USE1-ElasticIP:IdleAddress',
    cost: '0.12',
  });

interface Item {
  id: string;
  rule_id: string;
  resource_id: string;
  status: string;
  monthly_savings: string;
  counted_in_totals: boolean;
  last_seen: string;
  resolved: { how: string } | null;
}

describe(`findings lifecycle over HTTP on ${testEngine()}`, () => {
  let t: TestApp;
  let a: TenantFixture;
  let call: ReturnType<typeof caller>;
  const find = async (rule: string, resource: string): Promise<Item> => {
    const url = `/api/v1/findings?rule=${rule}&limit=200`;
    const res = await call('GET', url, a.members.viewer.token);
    assert.equal(res.statusCode, 200, res.body);
    const hit = (res.json().items as Item[]).filter((i) => i.resource_id === resource);
    assert.equal(hit.length, 1, `${rule} ${resource}`);
    return hit[0]!;
  };
  const recompute = async () => {
    const res = await call('POST', '/api/v1/findings/recompute', a.members.finops_admin.token, {});
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const seed = (...rows: FactRow[][]) => insertFacts(t.database.db, rows.flat());

  before(async () => {
    t = await startApp();
    call = caller(t);
    a = await makeTenant(t);
  });
  after(() => t.close());

  it('recompute over the last 30 billed days opens findings', async () => {
    const c = a.clientId;
    await seed(
      volume(c, '2025-06-01', '2025-06-30', 'gp2', '2'),
      instance(c, '2025-06-01', '2025-06-30'),
      address(c, '2025-06-01', '2025-06-30'),
    );
    const result = await recompute();
    assert.deepEqual(result.window, { from: '2025-06-01', to: '2025-06-30' });
    assert.equal(result.skipped, null);
    assert.equal(result.created, result.candidates);

    assert.equal((await find('aws.ebs.gp2_to_gp3', 'vol-600')).monthly_savings, '7.00');
    assert.equal((await find('aws.ec2.idle_elastic_ip', 'eip-idle')).monthly_savings, '3.60');
    const graviton = await find('aws.ec2.graviton', 'i-m4');
    const oldGen = await find('aws.ec2.previous_generation', 'i-m4');
    assert.deepEqual([graviton.monthly_savings, graviton.counted_in_totals], ['18.00', true]);
    assert.deepEqual([oldGen.monthly_savings, oldGen.counted_in_totals], ['4.50', false]);

    // The same data again changes figures nowhere and opens nothing new.
    const again = await recompute();
    assert.deepEqual([again.created, again.resolved, again.reopened], [0, 0, 0]);
    assert.equal(again.updated, result.candidates);
  });

  it('summary counts the larger saving of a resource once, lists both', async () => {
    const res = await call('GET', '/api/v1/findings/summary', a.members.viewer.token);
    assert.equal(res.statusCode, 200, res.body);
    const s = res.json();
    const byRule = new Map(
      s.by_rule.map((g: { key: string; monthly_savings: string }) => [g.key, g.monthly_savings]),
    );
    assert.equal(byRule.get('aws.ec2.graviton'), '18.00');
    assert.equal(byRule.get('aws.ec2.previous_generation'), '0.00');
    const gross = Number(s.gross_monthly_savings[0].amount);
    const deduped = Number(s.potential_monthly_savings[0].amount);
    assert.equal(Math.round((gross - deduped) * 100), 450, 'the 4.50 overlap counts once');
    const account = s.by_account.find((g: { key: string }) => g.key === '222222222222');
    assert.deepEqual([account.open, account.monthly_savings], [1, '3.60']);

    // The cost summary carries the same open count and deduplicated savings.
    const costs = await call(
      'GET',
      '/api/v1/costs/summary?from=2025-06-01&to=2025-06-30',
      a.members.viewer.token,
    );
    assert.equal(costs.statusCode, 200, costs.body);
    assert.deepEqual(costs.json().findings, {
      open: s.open,
      potentialMonthlySavings: s.potential_monthly_savings,
    });
  });

  it('dismiss needs a reason, and a dismissed finding stays dismissed', async () => {
    const oldGen = await find('aws.ec2.previous_generation', 'i-m4');
    const url = `/api/v1/findings/${oldGen.id}`;
    const token = a.members.finops_admin.token;
    const noReason = await call('PATCH', url, token, { status: 'dismissed' });
    assert.equal(noReason.statusCode, 400);
    assert.equal(noReason.json().error.code, 'validation_failed');

    const viewer = await call('PATCH', url, a.members.viewer.token, {
      status: 'dismissed',
      reason: 'x',
    });
    assert.equal(viewer.statusCode, 403);

    const res = await call('PATCH', url, token, {
      status: 'dismissed',
      reason: 'Moving to Graviton instead',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'dismissed');
    assert.equal(res.json().dismissed.reason, 'Moving to Graviton instead');
    assert.equal(res.json().dismissed.by, a.members.finops_admin.id);

    await recompute();
    const after = await find('aws.ec2.previous_generation', 'i-m4');
    assert.equal(after.status, 'dismissed');
    assert.ok(after.last_seen > oldGen.last_seen, 'figures refreshed while dismissed');
  });

  it('resolving by hand records the 30 days before; later data fills the 30 after', async () => {
    const vol = await find('aws.ebs.gp2_to_gp3', 'vol-600');
    const res = await call('PATCH', `/api/v1/findings/${vol.id}`, a.members.owner.token, {
      status: 'resolved',
      reason: 'Migrated to gp3',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().resolved.how, 'manual');
    const [entry] = res.json().ledger;
    // Data ends on June 30, so the resolution counts from July 1.
    assert.deepEqual(
      [entry.how, entry.resolved_on, entry.before.from, entry.before.to, money(entry.before.cost)],
      ['manual', '2025-07-01', '2025-06-01', '2025-06-30', '60'],
    );
    assert.deepEqual([entry.after.days, entry.after.to, entry.realized_monthly], [0, null, null]);
    assert.equal(entry.estimated_monthly, '7.00');

    // July: the volume is gp3 at 0.50 a day, the address is gone, the instance stays.
    const c = a.clientId;
    await seed(
      volume(c, '2025-07-01', '2025-07-30', 'gp3', '0.5'),
      instance(c, '2025-07-01', '2025-07-30'),
      // The address's account still reports (a log bucket), so its silence means "released"
      // rather than "no data": an account with no data at all keeps its findings open.
      daily(c, '2025-07-01', '2025-07-30', {
        resourceId: 'logs-bucket',
        billingAccountId: '222222222222',
        serviceCode: 'AmazonS3',
        usageType: 'SAE1-Requests-Tier1',
        cost: '0.01',
      }),
    );
    const july = await recompute();
    assert.deepEqual(july.window, { from: '2025-07-01', to: '2025-07-30' });

    const ledger = await call('GET', '/api/v1/findings/savings-ledger', a.members.viewer.token);
    assert.equal(ledger.statusCode, 200, ledger.body);
    const manual = ledger.json().items.find((e: { finding_id: string }) => e.finding_id === vol.id);
    assert.deepEqual(
      [manual.after.from, manual.after.to, manual.after.days, money(manual.after.cost)],
      ['2025-07-01', '2025-07-30', 30, '15'],
    );
    // 60 before − 15 after.
    assert.equal(manual.realized_monthly, '45.00');
    assert.equal((await find('aws.ebs.gp2_to_gp3', 'vol-600')).status, 'resolved');
  });

  it('resolves automatically when the cost disappears, with a ledger entry', async () => {
    const eip = await find('aws.ec2.idle_elastic_ip', 'eip-idle');
    assert.equal(eip.status, 'resolved');
    assert.equal(eip.resolved?.how, 'auto');
    const detail = (await call('GET', `/api/v1/findings/${eip.id}`, a.members.viewer.token)).json();
    const [entry] = detail.ledger;
    assert.deepEqual(
      [entry.how, entry.resolved_on, money(entry.before.cost), money(entry.after.cost)],
      ['auto', '2025-07-01', '3.6', '0'],
    );
    assert.deepEqual([entry.after.days, entry.realized_monthly], [30, '3.60']);

    const totals = (await call('GET', '/api/v1/findings/savings-ledger', a.members.viewer.token))
      .json().totals;
    assert.deepEqual(totals, [{ currency: 'USD', amount: '48.60' }]);
  });

  it('reopens a resolved finding whose cost comes back, keeping its history', async () => {
    const c = a.clientId;
    await seed(address(c, '2025-08-01', '2025-08-30'), instance(c, '2025-08-01', '2025-08-30'));
    const august = await recompute();
    assert.ok(august.reopened >= 1);

    const eip = await find('aws.ec2.idle_elastic_ip', 'eip-idle');
    assert.equal(eip.status, 'open');
    const detail = (await call('GET', `/api/v1/findings/${eip.id}`, a.members.viewer.token)).json();
    assert.deepEqual(
      detail.history.map((h: { type: string; from_status: string | null; to_status: string }) => [
        h.type,
        h.from_status,
        h.to_status,
      ]),
      [
        ['opened', null, 'open'],
        ['resolved', 'open', 'resolved'],
        ['reopened', 'resolved', 'open'],
      ],
    );
    assert.equal(detail.ledger.length, 1, 'the earlier resolution stays in the ledger');

    // Realized totals count only resolutions that still hold.
    const totals = (await call('GET', '/api/v1/findings/savings-ledger', a.members.viewer.token))
      .json().totals;
    assert.deepEqual(totals, [{ currency: 'USD', amount: '45.00' }]);

    // Reopening by hand works too, and is recorded with its author.
    const vol = await find('aws.ebs.gp2_to_gp3', 'vol-600');
    const reopened = await call('PATCH', `/api/v1/findings/${vol.id}`, a.members.owner.token, {
      status: 'open',
      reason: 'Rolled back',
    });
    assert.equal(reopened.statusCode, 200, reopened.body);
    const last = reopened.json().history.at(-1);
    assert.deepEqual(
      [last.type, last.actor_user_id, last.reason],
      ['reopened', a.members.owner.id, 'Rolled back'],
    );
  });

  it('the ingestion hook recomputes with a system context; old periods skip', async () => {
    const { systemContext } = await import('../../src/http/context.js');
    const ctx = systemContext('test-ingestion');
    const old = await t.services.findings.recompute(ctx, a.clientId, { periods: ['2025-05'] });
    assert.equal(old.skipped, 'periods outside the current window');
    const current = await t.services.findings.recompute(ctx, a.clientId, { periods: ['2025-08'] });
    assert.equal(current.skipped, null);
    assert.deepEqual(current.window, { from: '2025-08-01', to: '2025-08-30' });

    const report = await t.services.findings.forReport(ctx, a.clientId, { limit: 2 });
    assert.equal(report.top.length, 2);
    assert.ok(Number(report.top[0]!.monthlySavings) >= Number(report.top[1]!.monthlySavings));
    assert.ok(report.top.every((f) => typeof f.title === 'string' && f.title.length > 0));
    assert.deepEqual(report.realizedSavings, [{ currency: 'USD', amount: '45.00' }]);
    assert.equal(report.potentialMonthlySavings.length, 1);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { eq } from 'drizzle-orm';

import { subscriptions } from '../../src/db/schema.js';
import { findRule } from '../../src/modules/findings/rules/index.js';
import type { TestApp } from '../support/app.js';
import { testEngine } from '../support/db.js';
import { makeUser } from '../support/factories.js';
import { month } from '../findings/helpers.js';
import { insertFacts } from '../support/facts.js';
import { caller, login, makeTenant, startApp, type TenantFixture } from './support.js';

const EC2 = {
  serviceCode: 'AmazonEC2',
  serviceName: 'Amazon Elastic Compute Cloud',
  operation: 'RunInstances',
  lineItemType: 'Usage',
  regionId: 'us-east-1',
};

/** June 2025: a gp2 volume, an m4 instance (two rules), idle addresses in a second account. */
function june(c: string) {
  return [
    ...month(c, {
      resourceId: 'vol-600',
      serviceCode: 'AmazonEC2',
      usageType: 'EBS:VolumeUsage.gp2',
      usageQuantity: '20',
      cost: '2',
    }),
    ...month(c, { resourceId: 'i-m4', ...EC2, usageType: 'BoxUsage:m4.large', cost: '3' }),
    ...['eip-1', 'eip-2', 'eip-3'].flatMap((resourceId) =>
      month(c, {
        resourceId,
        billingAccountId: '222222222222',
        regionId: 'sa-east-1',
        usageType: 'USE1-ElasticIP:IdleAddress',
        cost: '0.12',
      }),
    ),
  ];
}

interface Item {
  id: string;
  rule_id: string;
  resource_id: string;
  category: string;
  title: string;
  status: string;
  monthly_savings: string;
  billing_account_id: string;
}

describe(`findings API on ${testEngine()}`, () => {
  let t: TestApp;
  let a: TenantFixture;
  let b: TenantFixture;
  let call: ReturnType<typeof caller>;
  const list = async (query: string, token = a.members.viewer.token): Promise<Item[]> => {
    const res = await call('GET', `/api/v1/findings?${query}`, token);
    assert.equal(res.statusCode, 200, res.body);
    return res.json().items;
  };
  const recompute = async (token = a.members.owner.token) => {
    const res = await call('POST', '/api/v1/findings/recompute', token, {});
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };

  before(async () => {
    t = await startApp();
    call = caller(t);
    a = await makeTenant(t, { locales: { owner: 'en', finops_admin: 'es', viewer: 'pt-BR' } });
    b = await makeTenant(t);
    await insertFacts(t.database.db, [...june(a.clientId), ...june(b.clientId)]);
    await recompute();
    await recompute(b.members.owner.token);
  });
  after(() => t.close());

  it('lists by savings, largest first, across pages', async () => {
    const all = await list('limit=200');
    const savings = all.map((i) => Number(i.monthly_savings));
    assert.deepEqual(savings, [...savings].sort((x, y) => y - x));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/findings?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await call('GET', url, a.members.viewer.token);
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(res.json().items.length <= 2);
      seen.push(...res.json().items.map((i: Item) => i.id));
      cursor = res.json().next_cursor;
    } while (cursor);
    assert.deepEqual(seen, all.map((i) => i.id));

    const bad = await call('GET', '/api/v1/findings?cursor=bm9wZQ', a.members.viewer.token);
    assert.equal(bad.statusCode, 400);
  });

  it('filters by status, category, rule, account, service, region and minimum saving', async () => {
    const ids = (items: Item[]) => items.map((i) => `${i.rule_id} ${i.resource_id}`).sort();
    assert.deepEqual(ids(await list('account=222222222222')), [
      'aws.ec2.idle_elastic_ip eip-1',
      'aws.ec2.idle_elastic_ip eip-2',
      'aws.ec2.idle_elastic_ip eip-3',
    ]);
    assert.equal((await list('region=sa-east-1')).length, 3);
    assert.deepEqual(ids(await list('category=compute')), [
      'aws.ec2.graviton i-m4',
      'aws.ec2.previous_generation i-m4',
    ]);
    assert.deepEqual(ids(await list('rule=aws.ebs.gp2_to_gp3&rule=aws.ec2.graviton')), [
      'aws.ebs.gp2_to_gp3 vol-600',
      'aws.ec2.graviton i-m4',
    ]);
    const ec2 = await list(`service=${encodeURIComponent(EC2.serviceName)}&category=compute`);
    assert.equal(ec2.length, 2);
    const big = await list('min_savings=7');
    assert.ok(big.length > 0 && big.every((i) => Number(i.monthly_savings) >= 7));
    assert.ok(big.some((i) => i.resource_id === 'vol-600'));
    assert.equal((await list('status=dismissed')).length, 0);
    const wrong = await call('GET', '/api/v1/findings?status=closed', a.members.viewer.token);
    assert.equal(wrong.statusCode, 400);
  });

  it('details a finding in the reader’s language, with evidence and remediation', async () => {
    const [vol] = await list('rule=aws.ebs.gp2_to_gp3');
    const rule = findRule('aws.ebs.gp2_to_gp3')!;
    const readers = [
      ['en', a.members.owner.token],
      ['es', a.members.finops_admin.token],
      ['pt-BR', a.members.viewer.token],
    ] as const;
    for (const [locale, token] of readers) {
      const res = await call('GET', `/api/v1/findings/${vol!.id}`, token);
      assert.equal(res.statusCode, 200, res.body);
      const d = res.json();
      assert.equal(d.title, rule.text[locale].title);
      assert.equal(d.remediation, rule.text[locale].remediation);
      assert.match(d.reasoning, /vol-600/);
      assert.doesNotMatch(d.reasoning, /\{\w+\}/);
      assert.equal(d.evidence.length, 1);
      assert.equal(d.evidence[0].daysObserved, 30);
      assert.deepEqual(d.history.map((h: { type: string }) => h.type), ['opened']);
    }
    const es = (await call('GET', `/api/v1/findings/${vol!.id}`, a.members.finops_admin.token))
      .json();
    const en = (await call('GET', `/api/v1/findings/${vol!.id}`, a.members.owner.token)).json();
    assert.notEqual(es.reasoning, en.reasoning);
  });

  it('another client’s finding is 404, for reading and for changing', async () => {
    const [theirs] = await list('rule=aws.ebs.gp2_to_gp3', b.members.viewer.token);
    const get = await call('GET', `/api/v1/findings/${theirs!.id}`, a.members.owner.token);
    assert.equal(get.statusCode, 404);
    const patch = await call('PATCH', `/api/v1/findings/${theirs!.id}`, a.members.owner.token, {
      status: 'resolved',
    });
    assert.equal(patch.statusCode, 404);
    const mine = await list('limit=200', a.members.owner.token);
    assert.ok(!mine.some((i) => i.id === theirs!.id));
  });

  it('rule settings change what recompute finds; a switched-off rule is hidden', async () => {
    const rules = await call('GET', '/api/v1/rules', a.members.viewer.token);
    assert.equal(rules.statusCode, 200, rules.body);
    const graviton = rules.json().items.find((r: { id: string }) => r.id === 'aws.ec2.graviton');
    assert.equal(graviton.title, findRule('aws.ec2.graviton')!.text['pt-BR'].title);
    assert.deepEqual([graviton.enabled, graviton.thresholds.intelRate], [true, 0.2]);

    const url = '/api/v1/rules/aws.ec2.graviton';
    const viewer = await call('PUT', url, a.members.viewer.token, { thresholds: {} });
    assert.equal(viewer.statusCode, 403);
    const bad = await call('PUT', url, a.members.owner.token, { thresholds: { intelRate: 2 } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /at most 1/);
    const unknownKey = await call('PUT', url, a.members.owner.token, { thresholds: { x: 1 } });
    assert.equal(unknownKey.statusCode, 400);
    const missing = await call('PUT', '/api/v1/rules/aws.nope', a.members.owner.token, {});
    assert.equal(missing.statusCode, 404);

    const set = await call('PUT', url, a.members.finops_admin.token, {
      thresholds: { intelRate: 0.1 },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(
      [set.json().thresholds.intelRate, set.json().overrides],
      [0.1, { intelRate: 0.1 }],
    );
    await recompute();
    const [g] = await list('rule=aws.ec2.graviton');
    assert.equal(g!.monthly_savings, '9.00', '90 × 10 %');

    const oldGen = '/api/v1/rules/aws.ec2.previous_generation';
    const off = await call('PUT', oldGen, a.members.owner.token, { enabled: false });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(off.json().enabled, false);
    await recompute();
    assert.equal((await list('rule=aws.ec2.previous_generation')).length, 0);
    const summary = (await call('GET', '/api/v1/findings/summary', a.members.viewer.token)).json();
    const ruleKeys = summary.by_rule.map((r: { key: string }) => r.key);
    assert.ok(!ruleKeys.includes('aws.ec2.previous_generation'));

    // Back on: the finding it kept reappears, still open (it was never resolved).
    await call('PUT', oldGen, a.members.owner.token, { enabled: null });
    await recompute();
    const [back] = await list('rule=aws.ec2.previous_generation');
    assert.equal(back!.status, 'open');
  });

  it('a viewer reads but cannot change or recompute', async () => {
    const [any] = await list('limit=1');
    const token = a.members.viewer.token;
    assert.equal((await call('PATCH', `/api/v1/findings/${any!.id}`, token, {
      status: 'resolved',
    })).statusCode, 403);
    assert.equal((await call('POST', '/api/v1/findings/recompute', token, {})).statusCode, 403);
    assert.equal((await call('GET', '/api/v1/findings/savings-ledger', token)).statusCode, 200);
    assert.equal((await call('GET', '/api/v1/findings/summary', token)).statusCode, 200);
  });

  it('admin stats show open potential savings and the clients with most', async () => {
    const root = await makeUser(t.database.db, { globalRole: 'root' });
    const res = await call('GET', '/api/admin/stats', await login(t, root));
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    const summaries = await Promise.all(
      [a, b].map(async (x) =>
        (await call('GET', '/api/v1/findings/summary', x.members.viewer.token)).json(),
      ),
    );
    const expected = summaries
      .map((s) => Number(s.potential_monthly_savings[0].amount))
      .reduce((x, y) => x + y, 0);
    assert.deepEqual(body.potential_savings, [{ currency: 'USD', amount: expected.toFixed(2) }]);
    const slugs = body.top_clients_by_savings.map((r: { slug: string }) => r.slug);
    assert.deepEqual(slugs.sort(), [a.slug, b.slug].sort());
  });

  it('a canceled subscription is read-only; a plan without findings is refused', async () => {
    await t.database.db
      .update(subscriptions)
      .set({ status: 'canceled' })
      .where(eq(subscriptions.clientId, b.clientId));
    const token = b.members.owner.token;
    const [item] = await list('limit=1', token);
    const writes = [
      await call('PATCH', `/api/v1/findings/${item!.id}`, token, { status: 'resolved' }),
      await call('PUT', '/api/v1/rules/aws.ec2.graviton', token, { enabled: false }),
      await call('POST', '/api/v1/findings/recompute', token, {}),
    ];
    for (const res of writes) {
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().error.code, 'subscription_inactive');
    }

    const c = await makeTenant(t, { features: ['costs'] });
    const refused = await call('GET', '/api/v1/findings', c.members.viewer.token);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'feature_not_in_plan');
    const costs = await call(
      'GET',
      '/api/v1/costs/summary?from=2025-06-01&to=2025-06-30',
      c.members.viewer.token,
    );
    assert.equal(costs.json().findings, null);
  });
});

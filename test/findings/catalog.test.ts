import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { withTenant } from '../../src/db/tenant.js';
import {
  countedCandidates,
  dedupedMonthlySavings,
  evaluateRules,
  ruleCatalog,
  sumDecimals,
  thresholdErrors,
  type Candidate,
} from '../../src/modules/findings/rules/index.js';
import { rejectsMatching } from '../support/assert.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createClient } from '../support/facts.js';
import { evaluate, month, resources, seed, single, WINDOW } from './helpers.js';

const LOCALES = ['es', 'en', 'pt-BR'] as const;

describe('rule catalog', () => {
  it('has at least 25 rules with unique ids in every category', () => {
    assert.ok(ruleCatalog.length >= 25, `${ruleCatalog.length} rules`);
    const ids = ruleCatalog.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    const shape = /^(aws|azure|gcp|oci|multi)\.[a-z0-9_]+(\.[a-z0-9_]+)?$/;
    for (const id of ids) assert.match(id, shape);
    const categories = new Set(ruleCatalog.map((r) => r.category));
    for (const c of ['commitments', 'compute', 'storage', 'network', 'idle', 'governance']) {
      assert.ok(categories.has(c as never), c);
    }
  });

  it('words every rule in es, en and pt-BR with the same reason placeholders', () => {
    for (const rule of ruleCatalog) {
      const placeholders = new Set<string>();
      for (const locale of LOCALES) {
        const text = rule.text[locale];
        for (const field of ['title', 'description', 'remediation', 'reason'] as const) {
          assert.ok(text[field].trim().length > 10, `${rule.id} ${locale} ${field}`);
        }
        for (const m of text.reason.matchAll(/\{(\w+)\}/g)) placeholders.add(`${locale}:${m[1]}`);
      }
      // The three languages use the same placeholders.
      const names = (l: string) =>
        [...placeholders].filter((p) => p.startsWith(`${l}:`)).map((p) => p.slice(l.length + 1));
      assert.deepEqual(names('es').sort(), names('en').sort(), rule.id);
      assert.deepEqual(names('pt-BR').sort(), names('en').sort(), rule.id);
    }
  });

  it('gives every rule a typed minimum saving, a savings formula and valid defaults', () => {
    for (const rule of ruleCatalog) {
      assert.deepEqual(thresholdErrors(rule, { ...rule.defaults }), [], rule.id);
      assert.equal(typeof rule.defaults.minMonthlySavings, 'number', rule.id);
      assert.ok(rule.savingsFormula.length > 10, rule.id);
      assert.ok(rule.providers.length > 0, rule.id);
    }
  });

  it('validates threshold overrides against the defaults', () => {
    const rule = ruleCatalog.find((r) => r.id === 'aws.ec2.spot_candidates')!;
    assert.deepEqual(thresholdErrors(rule, { savingsRate: 0.5, fleetTagKeys: ['team'] }), []);
    assert.equal(thresholdErrors(rule, { savingsRate: '0.5' }).length, 1);
    assert.equal(thresholdErrors(rule, { savingsRate: -1 }).length, 1);
    assert.equal(thresholdErrors(rule, { fleetTagKeys: 'team' }).length, 1);
    assert.equal(thresholdErrors(rule, { nope: 1 }).length, 1);
    assert.match(thresholdErrors(rule, { savingsRate: 1.5 })[0]!, /at most 1/);
  });
});

function candidate(over: Partial<Candidate>): Candidate {
  return {
    ruleId: 'r',
    category: 'compute',
    provider: 'aws',
    billingAccountId: '1',
    subAccountId: null,
    resourceId: 'i-1',
    serviceName: null,
    regionId: null,
    currency: 'USD',
    monthlyCost: '100.00',
    monthlySavings: '0.00',
    confidence: 'high',
    effort: 'low',
    evidence: [],
    facts: {},
    reasoning: { es: '', en: '', 'pt-BR': '' },
    ...over,
  };
}

describe('deduplicated savings', () => {
  it('counts only the largest saving per resource, per currency', () => {
    const list = [
      candidate({ ruleId: 'aws.ec2.previous_generation', monthlySavings: '4.50' }),
      candidate({ ruleId: 'aws.ec2.graviton', monthlySavings: '18.00' }),
      candidate({ resourceId: 'i-2', monthlySavings: '1.25' }),
      candidate({ resourceId: 'i-3', currency: 'BRL', monthlySavings: '7.10' }),
      candidate({
        resourceId: 'i-3', billingAccountId: '2', currency: 'BRL', monthlySavings: '0.90',
      }),
    ];
    assert.deepEqual(dedupedMonthlySavings(list), { USD: '19.25', BRL: '8.00' });
    const counted = countedCandidates(list);
    assert.equal(counted.has(list[1]!), true);
    assert.equal(counted.has(list[0]!), false);
  });

  it('sums decimal strings without floating-point drift', () => {
    assert.equal(sumDecimals(['0.10', '0.20', '0.30']), '0.60');
    assert.equal(sumDecimals(['1000000000.01', '-0.01']), '1000000000.00');
  });
});

describe('rule evaluation', () => {
  let t: TestDatabase;

  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.dispose());

  it('runs every rule of the catalog on an empty client and finds nothing', async () => {
    const clientId = await createClient(t.database.db);
    const found = await withTenant(t.database.db, clientId, (tx) =>
      evaluateRules(tx, { clientId, ...WINDOW }),
    );
    assert.deepEqual(found, []);
  });

  it('never turns another tenant\'s facts into findings', async () => {
    const { db } = t.database;
    const owner = await createClient(db);
    const other = await createClient(db);
    const idle = { usageType: 'ElasticIP:IdleAddress', cost: '0.12' };
    await seed(db, month(owner, { resourceId: 'eip-owner', ...idle }));

    const mine = await evaluate(db, owner, ['aws.ec2.idle_elastic_ip']);
    assert.deepEqual(resources(mine), ['eip-owner']);
    assert.deepEqual(await evaluate(db, other, ['aws.ec2.idle_elastic_ip']), []);

    // Even asked for the owner's id, a tenant transaction of another client sees no rows.
    const crossed = await withTenant(db, other, (tx) =>
      evaluateRules(tx, { clientId: owner, ...WINDOW, ruleIds: ['aws.ec2.idle_elastic_ip'] }),
    );
    assert.deepEqual(crossed, []);
  });

  it('honours the disable switch and a raised minimum saving', async () => {
    const { db } = t.database;
    const clientId = await createClient(db);
    const idle = { usageType: 'ElasticIP:IdleAddress', cost: '0.12' };
    await seed(db, month(clientId, { resourceId: 'eip-1', ...idle }));
    const id = 'aws.ec2.idle_elastic_ip';

    assert.equal((await evaluate(db, clientId, [id])).length, 1);
    assert.deepEqual(await evaluate(db, clientId, [id], { [id]: { enabled: false } }), []);
    assert.deepEqual(
      await evaluate(db, clientId, [id], { [id]: { thresholds: { minMonthlySavings: 3.61 } } }),
      [],
    );
    const atFloor = await evaluate(db, clientId, [id], {
      [id]: { enabled: true, thresholds: { minMonthlySavings: 3.6 } },
    });
    assert.equal(single(atFloor, 'eip-1').monthlySavings, '3.60');
  });

  it('refuses bad overrides, unknown rule ids and backwards windows', async () => {
    const { db } = t.database;
    const clientId = await createClient(db);
    const id = 'aws.ec2.idle_elastic_ip';
    await rejectsMatching(
      evaluate(db, clientId, [id], { [id]: { thresholds: { minMonthlySavings: 'lots' } } }),
      /must be a non-negative number/,
    );
    await rejectsMatching(evaluate(db, clientId, ['aws.nope']), /unknown rule ids: aws.nope/);
    await rejectsMatching(
      withTenant(db, clientId, (tx) =>
        evaluateRules(tx, { clientId, windowStart: '2025-06-30', windowEnd: '2025-06-01' }),
      ),
      /must run forward/,
    );
  });

  it('renders the reasoning in three languages and keeps evidence rows', async () => {
    const { db } = t.database;
    const clientId = await createClient(db);
    await seed(
      db,
      month(clientId, {
        resourceId: 'eipalloc-9',
        subAccountId: '222222222222',
        usageType: 'USE1-ElasticIP:IdleAddress',
        operation: 'AssociateAddressVPC',
        serviceName: 'Amazon Elastic Compute Cloud',
        regionId: 'us-east-1',
        usageQuantity: '24',
        usageUnit: 'Hrs',
        cost: '0.12',
      }),
    );
    const c = single(await evaluate(db, clientId, ['aws.ec2.idle_elastic_ip']), 'eipalloc-9');
    assert.equal(c.monthlyCost, '3.60');
    assert.equal(c.subAccountId, '222222222222');
    assert.equal(c.serviceName, 'Amazon Elastic Compute Cloud');
    assert.equal(c.regionId, 'us-east-1');
    assert.equal(
      c.reasoning.en,
      'eipalloc-9 was billed as idle on 30 days of the window: 3.60 USD a month.',
    );
    assert.match(c.reasoning.es, /30 días de la ventana: 3\.60 USD al mes/);
    assert.match(c.reasoning['pt-BR'], /30 dias da janela: 3\.60 USD por mês/);
    assert.deepEqual(c.evidence, [
      {
        resourceId: 'eipalloc-9',
        subAccountId: '222222222222',
        usageType: 'USE1-ElasticIP:IdleAddress',
        operation: 'AssociateAddressVPC',
        daysObserved: 30,
        firstSeen: '2025-06-01',
        lastSeen: '2025-06-30',
        cost: '3.60',
        usageQuantity: '720.0000',
        usageUnit: 'Hrs',
      },
    ]);
  });
});

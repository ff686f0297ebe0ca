import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { eq } from 'drizzle-orm';

import { cloudAccounts, subscriptions } from '../../src/db/schema.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { testEngine } from '../support/db.js';
import { caller, clientWithRoles } from './support.js';

describe(`cloud accounts on ${testEngine()}`, () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof clientWithRoles>>;
  let b: Awaited<ReturnType<typeof clientWithRoles>>;
  let call: ReturnType<typeof caller>;
  const base = '/api/v1/cloud-accounts';

  before(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
    call = caller(t);
    a = await clientWithRoles(t, { cloud_accounts: 2 });
    b = await clientWithRoles(t);
  });
  after(async () => {
    await t.close();
  });

  it('creates, lists, renames and archives within the plan limit (402 past it)', async () => {
    const one = await call('POST', base, a.admin, {
      provider: 'aws',
      billing_account_id: '000123456789',
      name: 'Payer',
    });
    assert.equal(one.statusCode, 201, one.body);
    assert.equal(one.json().billing_account_id, '000123456789');
    assert.equal(one.json().origin, 'manual');
    assert.equal(one.json().kind, 'billing');

    const dup = await call('POST', base, a.admin, {
      provider: 'aws',
      billing_account_id: '000123456789',
      name: 'Again',
    });
    assert.equal(dup.statusCode, 409);

    const two = await call('POST', base, a.owner, {
      provider: 'azure',
      billing_account_id: 'ea-8412',
      name: 'EA',
    });
    assert.equal(two.statusCode, 201, two.body);
    const three = await call('POST', base, a.owner, {
      provider: 'gcp',
      billing_account_id: '01ABCD-234567-89EFGH',
      name: 'GCP',
    });
    assert.equal(three.statusCode, 402);
    assert.equal(three.json().error.code, 'plan_limit_reached');

    const renamed = await call('PATCH', `${base}/${one.json().id}`, a.admin, {
      name: 'Main payer',
    });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().name, 'Main payer');

    const archived = await call('POST', `${base}/${two.json().id}/archive`, a.admin);
    assert.equal(archived.statusCode, 200, archived.body);
    assert.equal(archived.json().archived, true);
    // Archiving freed a place.
    assert.equal((await call('POST', base, a.owner, {
      provider: 'gcp',
      billing_account_id: '01ABCD-234567-89EFGH',
      name: 'GCP',
    })).statusCode, 201);

    const list = await call('GET', base, a.viewer);
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      list.json().items.map((x: { name: string }) => x.name).sort(),
      ['GCP', 'Main payer'],
    );
    const all = await call('GET', `${base}?include_archived=true`, a.viewer);
    assert.equal(all.json().items.length, 3);

    const usage = await call('GET', '/api/v1/subscription', a.owner);
    assert.equal(usage.json().usage.cloud_accounts, 2);
  });

  it('validates input, checks roles and hides other tenants', async () => {
    const bad = await call('POST', base, a.admin, {
      provider: 'ibm',
      billing_account_id: 'x',
      name: 'n',
    });
    assert.equal(bad.statusCode, 400);
    const spaces = await call('POST', base, a.admin, {
      provider: 'aws',
      billing_account_id: 'has space',
      name: 'n',
    });
    assert.equal(spaces.statusCode, 400);

    const viewer = await call('POST', base, a.viewer, {
      provider: 'aws',
      billing_account_id: '111',
      name: 'n',
    });
    assert.equal(viewer.statusCode, 403);

    const mine = (await call('GET', base, a.viewer)).json().items[0].id;
    assert.equal((await call('PATCH', `${base}/${mine}`, b.owner, { name: 'x' })).statusCode, 404);
    assert.equal((await call('POST', `${base}/${mine}/archive`, b.owner)).statusCode, 404);
    assert.equal((await call('POST', `${base}/${randomUUID()}/archive`, a.owner)).statusCode, 404);
    assert.equal((await call('GET', base, b.owner)).json().items.length, 0);
  });

  it('a canceled subscription makes the accounts read-only', async () => {
    await t.database.db
      .update(subscriptions)
      .set({ status: 'canceled' })
      .where(eq(subscriptions.clientId, b.clientId));
    const res = await call('POST', base, b.owner, {
      provider: 'oci',
      billing_account_id: 'ocid1.tenancy',
      name: 'OCI',
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'subscription_inactive');
    assert.equal((await call('GET', base, b.viewer)).statusCode, 200);
    const rows = await t.database.db
      .select()
      .from(cloudAccounts)
      .where(eq(cloudAccounts.clientId, b.clientId));
    assert.equal(rows.length, 0);
  });
});

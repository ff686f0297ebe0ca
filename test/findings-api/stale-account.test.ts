import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { TestApp } from '../support/app.js';
import { daily } from '../findings/helpers.js';
import { insertFacts } from '../support/facts.js';
import { caller, makeTenant, startApp, type TenantFixture } from './support.js';

/**
 * An account whose billing data simply stops (the client uploads another account's files, or
 * a later period of a different source) tells nothing about its findings: they stay open and
 * no savings are booked for them.
 */
describe('findings of an account that stops reporting', () => {
  let t: TestApp;
  let a: TenantFixture;
  let call: ReturnType<typeof caller>;

  before(async () => {
    t = await startApp();
    call = caller(t);
    a = await makeTenant(t);
  });
  after(() => t.close());

  it('stay open, nothing realized, when their account has no data in the window', async () => {
    const c = a.clientId;
    const recompute = async () =>
      (await call('POST', '/api/v1/findings/recompute', a.members.finops_admin.token, {})).json();

    await insertFacts(t.database.db, [
      ...daily(c, '2018-10-01', '2018-10-31', {
        resourceId: 'eip-old',
        billingAccountId: '333333333333',
        regionId: 'us-east-1',
        usageType: 'USE1-ElasticIP:IdleAddress',
        cost: '0.12',
      }),
    ]);
    await recompute();
    const before = (await call('GET', '/api/v1/findings/summary', a.members.viewer.token)).json();
    assert.equal(before.open, 1);

    // Years later, data of another account only.
    await insertFacts(t.database.db, [
      ...daily(c, '2024-09-01', '2024-09-30', {
        resourceId: 'bucket-new',
        billingAccountId: '444444444444',
        serviceCode: 'AmazonS3',
        usageType: 'Requests-Tier1',
        cost: '0.5',
      }),
    ]);
    const result = await recompute();
    assert.equal(result.resolved, 0);

    const after = (await call('GET', '/api/v1/findings/summary', a.members.viewer.token)).json();
    assert.equal(after.open, 1);
    assert.equal(after.resolved, 0);
    assert.deepEqual(after.realized_monthly_savings, []);
  });

  it('the window takes in the 1st of a 31-day month (fees are dated the 1st)', async () => {
    await insertFacts(t.database.db, [
      ...daily(a.clientId, '2024-10-01', '2024-10-31', {
        resourceId: 'bucket-new',
        billingAccountId: '444444444444',
        serviceCode: 'AmazonS3',
        usageType: 'Requests-Tier1',
        cost: '0.5',
      }),
    ]);
    const res = await call('POST', '/api/v1/findings/recompute', a.members.finops_admin.token, {});
    // The last billed day is 2024-10-31: 30 days back would start on the 2nd.
    assert.deepEqual(res.json().window, { from: '2024-10-01', to: '2024-10-31' });
  });
});

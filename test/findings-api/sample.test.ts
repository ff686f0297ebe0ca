import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { getTableColumns, sql } from 'drizzle-orm';

import { costDailyStaging } from '../../src/db/schema.js';

import { loadFacts } from '../../src/modules/ingestion/engine/load.js';
import type { TestApp } from '../support/app.js';
import { testEngine } from '../support/db.js';
import { duck, fixture, runEngine, scratchDir } from '../ingestion/support.js';
import { caller, makeTenant, startApp, type TenantFixture } from './support.js';

/*
 * A real Cost and Usage Report (AWS Well-Architected Labs, one day: 2019-11-26) through the
 * ingestion engine into the facts, then a recompute over HTTP. The expected findings come from
 * DuckDB over the raw file, written from the rules' public formulas, not from the rule SQL.
 */

const FILE = fixture('aws-well-architected-labs/200_Workload_Efficiency/Step1CUR.gz');
const RAW =
  `read_csv('${FILE}', delim = '\x01', quote = '', escape = '', nullstr = '\\N', ` +
  `header = true, all_varchar = true, compression = 'gzip')`;
const COST = 'cast(line_item_unblended_cost as decimal(38, 10))';

interface Item {
  rule_id: string;
  resource_id: string;
  monthly_savings: string;
  monthly_cost: string;
  billing_account_id: string;
  window: { from: string; to: string };
}

describe(`findings from a real CUR sample on ${testEngine()}`, () => {
  const scratch = scratchDir();
  let t: TestApp;
  let a: TenantFixture;
  let items: Item[];

  before(async () => {
    t = await startApp();
    a = await makeTenant(t);
    const run = await runEngine(scratch.dir, [FILE], {}, { clientId: a.clientId });
    await loadFacts(t.database, {
      clientId: a.clientId,
      ingestionId: run.ingestionId,
      file: run.result.copyFile,
    });
    // What the ingestion's swap does: staging rows become live facts.
    const names = Object.values(getTableColumns(costDailyStaging))
      .map((c) => c.name)
      .filter((n) => n !== 'id');
    const columns = sql.raw(names.join(', '));
    await t.database.db.execute(
      sql`insert into cost_daily (${columns}) select ${columns} from cost_daily_staging
          where client_id = ${a.clientId}`,
    );

    const call = caller(t);
    const res = await call('POST', '/api/v1/findings/recompute', a.members.owner.token, {});
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().window, { from: '2019-10-28', to: '2019-11-26' });
    const list = await call('GET', '/api/v1/findings?limit=200', a.members.viewer.token);
    items = list.json().items;
  });
  after(async () => {
    await t.close();
    scratch.dispose();
  });

  const of = (rule: string) =>
    items
      .filter((i) => i.rule_id === rule)
      .map((i) => [i.resource_id, i.monthly_savings])
      .sort();

  it('Linux x86 instances with a Graviton twin: 20 % of a month of their hours', async () => {
    // One day of data, so a month is the day × 30; findings under 1.00 a month are dropped.
    const want = await duck(`
      select line_item_resource_id as id,
             cast(round(sum(${COST}) * 30 * 0.20, 2) as decimal(18, 2))::varchar as saving
      from ${RAW}
      where line_item_product_code = 'AmazonEC2' and line_item_usage_type like '%BoxUsage:%'
        and line_item_operation = 'RunInstances' and line_item_line_item_type = 'Usage'
        and regexp_extract(line_item_usage_type, 'BoxUsage:([a-z0-9-]+)\\.', 1)
            in ('t2', 't3', 'm4', 'm5', 'c4', 'c5', 'r4', 'r5')
      group by 1 having round(sum(${COST}) * 30 * 0.20, 2) >= 1 order by 1`);
    assert.equal(want.length, 13);
    assert.deepEqual(of('aws.ec2.graviton'), want.map((r) => [r.id, r.saving]));
  });

  it('RDS on open engines and Intel classes: 10 % of the instance hours', async () => {
    const want = await duck(`
      select line_item_resource_id as id,
             cast(round(sum(${COST}) * 30 * 0.10, 2) as decimal(18, 2))::varchar as saving
      from ${RAW}
      where line_item_product_code = 'AmazonRDS'
        and line_item_usage_type like '%InstanceUsage:db.r5%'
      group by 1 order by 1`);
    assert.deepEqual(want.map((r) => r.saving), ['20.88', '20.88']);
    assert.deepEqual(of('aws.rds.graviton'), want.map((r) => [r.id, r.saving]));
  });

  it('no resource has an owner tag: all taggable usage of the account is untagged', async () => {
    const ownerColumns = await duck(`
      select column_name from (describe select * from ${RAW})
      where column_name like 'resource_tags_%owner%'`);
    assert.deepEqual(ownerColumns, []);
    const [usage] = await duck(`
      select cast(round(sum(${COST}) * 30, 2) as decimal(18, 2))::varchar as monthly
      from ${RAW}
      where line_item_line_item_type = 'Usage' and coalesce(line_item_resource_id, '') <> ''`);
    const untagged = items.filter((i) => i.rule_id === 'multi.tags.untagged_spend');
    assert.deepEqual(
      untagged.map((i) => [i.resource_id, i.monthly_savings]),
      [['untagged:836060457634', '0.00']],
    );
    // The rule counts only what it deems taggable usage; about 0.36 a day of the file's usage
    // lines stay outside that, so its cost is within 1 % of all usage with a resource id.
    const cost = Number(untagged[0]!.monthly_cost);
    const all = Number(usage!.monthly);
    assert.ok(cost <= all && cost > all * 0.99, `${cost} of ${all}`);
  });

  it('prices nothing above its cost and totals each resource once', async () => {
    for (const i of items) assert.ok(Number(i.monthly_savings) <= Number(i.monthly_cost));
    const summary = (
      await caller(t)('GET', '/api/v1/findings/summary', a.members.viewer.token)
    ).json();
    const graviton = of('aws.ec2.graviton').map(([, s]) => Number(s));
    const rds = of('aws.rds.graviton').map(([, s]) => Number(s));
    const expected = [...graviton, ...rds].reduce((x, y) => x + y, 0);
    // Data-transfer hot spots and untagged spend carry no saving of their own.
    assert.deepEqual(summary.potential_monthly_savings, [
      { currency: 'USD', amount: expected.toFixed(2) },
    ]);
  });
});

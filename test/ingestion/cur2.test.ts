import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { FACT_COLUMNS } from '../../src/modules/ingestion/engine/copy-file.js';
import { duck, duckOne, runEngine, scratchDir } from './support.js';

/**
 * AWS CUR 2.0 (Data Exports). No public sample exists, so this file builds one from the column
 * list in billing.md §3.1: snake_case columns plus the map columns `product`, `resource_tags`,
 * `cost_category` and `discount`, written once as Parquet (real MAPs) and once as CSV (maps as
 * JSON text, as Data Exports write them). Every expected figure is SQL over the generated table,
 * written from billing.md §3.2, never the engine's adapter.
 */

const scratch = scratchDir();
after(() => scratch.dispose());

const M = 'DECIMAL(38,10)';
const ROWS = 3000;
const PARQUET = join(scratch.dir, 'cur2-00001.snappy.parquet');
const CSV = join(scratch.dir, 'cur2-00001.csv');

/**
 * One month of hourly lines of 30 resources in 3 accounts. `kind` picks the line type; the
 * amounts are multiples of 0.0125 so every discount and amortization below is exact.
 */
const GENERATE = `
  CREATE OR REPLACE TABLE cur2 AS
  WITH base AS (
    SELECT i, i % 30 AS r, CASE WHEN i % 100 IN (4, 5, 6) THEN i % 100
      WHEN i % 10 IN (4, 5, 6) THEN 0 ELSE i % 10 END AS kind,
      CAST(((i % 97) + 1) * 0.0125 AS ${M}) AS c,
      TIMESTAMP '2024-09-01 00:00:00' + to_hours(CAST(i / 30 AS BIGINT) % 720) AS t0
    FROM range(${ROWS}) AS g(i)
  ), typed AS (
    SELECT *, CASE kind WHEN 1 THEN 'SavingsPlanCoveredUsage' WHEN 2 THEN 'SavingsPlanNegation'
      WHEN 3 THEN 'DiscountedUsage' WHEN 4 THEN 'RIFee' WHEN 5 THEN 'SavingsPlanRecurringFee'
      WHEN 6 THEN 'Fee' WHEN 7 THEN 'Tax' WHEN 8 THEN 'EdpDiscount' WHEN 9 THEN 'Credit'
      ELSE 'Usage' END AS t
    FROM base
  )
  SELECT
    'Anniversary' AS bill_bill_type,
    '012345678901' AS bill_payer_account_id,
    'Payer' AS bill_payer_account_name,
    TIMESTAMP '2024-09-01' AS bill_billing_period_start_date,
    TIMESTAMP '2024-10-01' AS bill_billing_period_end_date,
    'id-' || i AS identity_line_item_id,
    '00' || (111111111111 * (1 + r % 3))::VARCHAR AS line_item_usage_account_id,
    'Account ' || (r % 3) AS line_item_usage_account_name,
    t AS line_item_line_item_type,
    t0 AS line_item_usage_start_date,
    t0 + INTERVAL 1 HOUR AS line_item_usage_end_date,
    CASE WHEN kind = 5 THEN 'ComputeSavingsPlans' WHEN r % 2 = 0 THEN 'AmazonEC2'
      ELSE 'AmazonRDS' END AS line_item_product_code,
    CASE WHEN r % 2 = 0 THEN 'BoxUsage:m5.large' ELSE 'InstanceUsage:db.r5.large' END
      AS line_item_usage_type,
    'RunInstances' AS line_item_operation,
    'i-' || r AS line_item_resource_id,
    CAST(1 AS ${M}) AS line_item_usage_amount,
    'USD' AS line_item_currency_code,
    CASE kind WHEN 2 THEN -c WHEN 3 THEN 0 WHEN 4 THEN 50 WHEN 5 THEN 24 WHEN 6 THEN 1000
      WHEN 8 THEN -c / 10 WHEN 9 THEN -0.5 ELSE c END AS line_item_unblended_cost,
    CASE kind WHEN 2 THEN -c * 0.9 WHEN 3 THEN 0 WHEN 4 THEN 45 WHEN 5 THEN 21.6
      WHEN 6 THEN 900 WHEN 8 THEN NULL WHEN 9 THEN -0.5 ELSE c * 0.9 END
      AS line_item_net_unblended_cost,
    CASE WHEN kind IN (0, 1, 2, 3) THEN c * 1.2 END AS pricing_public_on_demand_cost,
    CASE WHEN kind IN (0, 1, 2, 3) THEN c * 1.2 END AS pricing_public_on_demand_rate,
    CASE WHEN kind = 3 THEN 'Reserved' ELSE 'OnDemand' END AS pricing_term,
    'Hrs' AS pricing_unit,
    CASE WHEN r % 2 = 0 THEN 'm5.large' END AS product_instance_type,
    MAP {'region': CASE WHEN r % 3 = 0 THEN 'us-east-1' ELSE 'sa-east-1' END,
      'product_name': CASE WHEN r % 2 = 0 THEN 'Amazon Elastic Compute Cloud'
        ELSE 'Amazon Relational Database Service' END,
      'product_family': 'Compute Instance', 'sku': 'SKU' || (r % 7)} AS product,
    MAP {'user_team': CASE r % 3 WHEN 0 THEN 'core' WHEN 1 THEN 'data' ELSE '' END,
      'user_env': CASE WHEN r % 2 = 0 THEN 'prod' ELSE 'dev' END} AS resource_tags,
    MAP {'BusinessUnit': CASE WHEN r < 15 THEN 'Retail' ELSE 'Wholesale' END} AS cost_category,
    MAP {'edp_discount': CAST(-c / 10 AS DOUBLE)} AS discount,
    CAST(-c / 10 AS ${M}) AS discount_total_discount,
    CASE WHEN kind IN (3, 4, 6) THEN 'arn:aws:ec2:us-east-1:012345678901:reserved-instances/ri-1'
      END AS reservation_reservation_a_r_n,
    CASE WHEN kind = 3 THEN c * 0.6 END AS reservation_effective_cost,
    CASE WHEN kind = 3 THEN c * 0.54 END AS reservation_net_effective_cost,
    CASE WHEN kind = 4 THEN 1.25 END
      AS reservation_unused_amortized_upfront_fee_for_billing_period,
    CASE WHEN kind = 4 THEN 1.125 END
      AS reservation_net_unused_amortized_upfront_fee_for_billing_period,
    CASE WHEN kind = 4 THEN 0.75 END AS reservation_unused_recurring_fee,
    CASE WHEN kind = 4 THEN 0.675 END AS reservation_net_unused_recurring_fee,
    CASE WHEN kind IN (1, 2, 5) THEN 'arn:aws:savingsplans::012345678901:savingsplan/sp-1'
      END AS savings_plan_savings_plan_a_r_n,
    CASE WHEN kind = 1 THEN c * 0.7 END AS savings_plan_savings_plan_effective_cost,
    CASE WHEN kind = 1 THEN c * 0.63 END AS savings_plan_net_savings_plan_effective_cost,
    CASE WHEN kind = 5 THEN 24 END AS savings_plan_total_commitment_to_date,
    CASE WHEN kind = 5 THEN 21.5 END AS savings_plan_used_commitment,
    CASE WHEN kind = 5 THEN 0 END
      AS savings_plan_amortized_upfront_commitment_for_billing_period,
    CASE WHEN kind = 5 THEN 24 END AS savings_plan_recurring_commitment_for_billing_period
  FROM typed`;

/** Money as the CUR writes it: DECIMAL in Parquet; in CSV the same digits as text. */
const num = (column: string) => `coalesce(CAST(${column} AS ${M}), 0)`;

/** billing.md §3.2, amortized (gross). */
const AMORTIZED = `CASE
  WHEN line_item_line_item_type = 'SavingsPlanCoveredUsage'
    THEN ${num('savings_plan_savings_plan_effective_cost')}
  WHEN line_item_line_item_type = 'SavingsPlanRecurringFee'
    THEN ${num('savings_plan_total_commitment_to_date')} - ${num('savings_plan_used_commitment')}
  WHEN line_item_line_item_type IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0
  WHEN line_item_line_item_type = 'DiscountedUsage' THEN ${num('reservation_effective_cost')}
  WHEN line_item_line_item_type = 'RIFee'
    THEN ${num('reservation_unused_amortized_upfront_fee_for_billing_period')}
      + ${num('reservation_unused_recurring_fee')}
  WHEN line_item_line_item_type = 'Fee' AND coalesce(reservation_reservation_a_r_n, '') <> ''
    THEN 0
  ELSE ${num('line_item_unblended_cost')}
END`;

/** billing.md §3.2, net amortized; the SP fee ratio is exact with this data (21.6 / 24). */
const NET_AMORTIZED = `CASE
  WHEN line_item_line_item_type LIKE '%Discount' THEN 0
  WHEN line_item_line_item_type = 'DiscountedUsage'
    THEN ${num('reservation_net_effective_cost')}
  WHEN line_item_line_item_type = 'SavingsPlanCoveredUsage'
    THEN ${num('savings_plan_net_savings_plan_effective_cost')}
  WHEN line_item_line_item_type = 'RIFee'
    THEN ${num('reservation_net_unused_amortized_upfront_fee_for_billing_period')}
      + ${num('reservation_net_unused_recurring_fee')}
  WHEN line_item_line_item_type = 'SavingsPlanRecurringFee'
    THEN (${num('savings_plan_amortized_upfront_commitment_for_billing_period')}
      + ${num('savings_plan_recurring_commitment_for_billing_period')}
      - ${num('savings_plan_used_commitment')})
      * (${num('line_item_net_unblended_cost')} / ${num('line_item_unblended_cost')})
  WHEN line_item_line_item_type IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0
  WHEN line_item_line_item_type = 'Fee' AND coalesce(reservation_reservation_a_r_n, '') <> ''
    THEN 0
  ELSE coalesce(CAST(line_item_net_unblended_cost AS ${M}),
    CAST(line_item_unblended_cost AS ${M}))
END`;

const NET_BILLED = `CASE WHEN line_item_line_item_type LIKE '%Discount' THEN 0
  ELSE coalesce(CAST(line_item_net_unblended_cost AS ${M}),
    CAST(line_item_unblended_cost AS ${M})) END`;

const LIST = `coalesce(CAST(pricing_public_on_demand_cost AS ${M}),
  CAST(pricing_public_on_demand_rate AS ${M}) * CAST(line_item_usage_amount AS ${M}), 0)`;

const text = (sql: string) => `CAST(CAST(${sql} AS ${M}) AS VARCHAR)`;

/** The facts the engine wrote (PostgreSQL COPY text), read back as a relation. */
function copyFile(path: string): string {
  const columns = FACT_COLUMNS.map((c) => `'${c}': 'VARCHAR'`).join(', ');
  return (
    `read_csv('${path}', header = false, delim = '\t', quote = '', escape = '', ` +
    `nullstr = '\\N', columns = {${columns}})`
  );
}

describe('AWS CUR 2.0 (Data Exports), built from the spec', () => {
  before(async () => {
    await duck(GENERATE);
    await duck(`COPY cur2 TO '${PARQUET}' (FORMAT parquet)`);
    // Data Exports write the map columns of a CSV export as JSON objects.
    await duck(
      `COPY (SELECT * REPLACE (CAST(to_json(product) AS VARCHAR) AS product, ` +
        `CAST(to_json(resource_tags) AS VARCHAR) AS resource_tags, ` +
        `CAST(to_json(cost_category) AS VARCHAR) AS cost_category, ` +
        `CAST(to_json(discount) AS VARCHAR) AS discount) FROM cur2) ` +
        `TO '${CSV}' (FORMAT csv, HEADER true)`,
    );
  });

  for (const [label, path] of [
    ['Parquet with MAP columns', PARQUET],
    ['CSV with JSON map columns', CSV],
  ] as const) {
    test(`${label}: detected, every line loaded, every metric equal to §3.2`, async () => {
      const { result, dir, ingestionId } = await runEngine(scratch.dir, [path]);
      const want = await duckOne(`
        SELECT count(*)::VARCHAR AS n,
          count(*) FILTER (WHERE line_item_line_item_type = 'SavingsPlanNegation')::VARCHAR AS neg,
          ${text('sum(CAST(line_item_unblended_cost AS DECIMAL(38,10)))')} AS billed,
          ${text(`sum(${NET_BILLED})`)} AS net_billed,
          ${text(`sum(${AMORTIZED})`)} AS amortized,
          ${text(`sum(${NET_AMORTIZED})`)} AS net_amortized,
          ${text(`sum(${LIST})`)} AS list
        FROM cur2`);

      assert.equal(result.format, 'aws-cur');
      assert.equal(result.formatVersion, '2.0');
      assert.equal(String(result.rowsRead), want.n);
      assert.equal(result.rowsRejected, 0, JSON.stringify(result.rejects.slice(0, 3)));
      assert.ok(Number(want.neg) > 0, 'the data has Savings Plan negation lines');
      assert.equal(result.totals.length, 1);
      const usd = result.totals[0]!;
      assert.equal(usd.currency, 'USD');
      assert.equal(usd.billedCost, want.billed);
      assert.equal(usd.netBilledCost, want.net_billed);
      assert.equal(usd.effectiveCost, want.amortized);
      assert.equal(usd.netEffectiveCost, want.net_amortized);
      assert.equal(usd.listCost, want.list);
      assert.equal(String(usd.lineCount), want.n);
      assert.notEqual(usd.effectiveCost, usd.billedCost, 'amortization moves cost');
      assert.deepEqual(result.periods, [
        { provider: 'aws', billingAccountId: '012345678901', billingPeriodStart: '2024-09-01' },
      ]);
      const subs = result.accounts.filter((a) => a.kind === 'sub').map((a) => a.accountId);
      assert.deepEqual(subs.sort(), ['00111111111111', '00222222222222', '00333333333333']);

      // Map values reach the facts: region and service name from `product`, tags from
      // `resource_tags` (user_ prefix dropped, empty values left out) and `cost_category`.
      const facts = copyFile(join(dir, `${ingestionId}.copy`));
      const byRegion = await duck(`
        SELECT region_id, ${text('sum(CAST(billed_cost AS DECIMAL(38,10)))')} AS billed
        FROM ${facts} GROUP BY 1 ORDER BY 1`);
      const wantRegion = await duck(`
        SELECT product['region'] AS region_id,
          ${text('sum(CAST(line_item_unblended_cost AS DECIMAL(38,10)))')} AS billed
        FROM cur2 GROUP BY 1 ORDER BY 1`);
      assert.deepEqual(byRegion, wantRegion);

      const byTag = await duck(`
        SELECT json_extract_string(tags, '$.team') AS team,
          json_extract_string(tags, '$."costCategory/BusinessUnit"') AS unit,
          ${text('sum(CAST(effective_cost AS DECIMAL(38,10)))')} AS effective,
          sum(CAST(line_count AS BIGINT))::VARCHAR AS n
        FROM ${facts} GROUP BY ALL ORDER BY ALL`);
      const wantTag = await duck(`
        SELECT nullif(resource_tags['user_team'], '') AS team,
          cost_category['BusinessUnit'] AS unit,
          ${text(`sum(${AMORTIZED})`)} AS effective, count(*)::VARCHAR AS n
        FROM cur2 GROUP BY ALL ORDER BY ALL`);
      assert.deepEqual(byTag, wantTag);

      const names = await duck(`SELECT DISTINCT service_name FROM ${facts} ORDER BY 1`);
      assert.deepEqual(
        names.map((r) => r.service_name),
        ['Amazon Elastic Compute Cloud', 'Amazon Relational Database Service'],
      );
      const usage = await duckOne(`
        SELECT ${text('sum(CAST(usage_quantity AS DECIMAL(38,10)))')} AS q FROM ${facts}`);
      const wantUsage = await duckOne(`
        SELECT ${text('sum(line_item_usage_amount)')} AS q FROM cur2`);
      assert.equal(usage.q, wantUsage.q);
    });
  }
});

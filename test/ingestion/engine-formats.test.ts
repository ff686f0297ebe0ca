import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { duck, duckOne, fixture, runEngine, scratchDir } from './support.js';

/**
 * Real public billing files through the whole engine (child process, DuckDB, COPY file). Every
 * expected figure is computed here by SQL over the raw file, written from billing.md §3.2,
 * never by calling the engine's adapters.
 */

const scratch = scratchDir();
after(() => scratch.dispose());

const M = 'DECIMAL(38,10)';

/** Column reference if the file has it, else NULL (CUR columns come and go by month). */
async function columnsOf(relation: string): Promise<(name: string) => string> {
  const names = new Set(
    (await duck(`DESCRIBE SELECT * FROM ${relation}`)).map((r) => String(r.column_name)),
  );
  return (name: string) => (names.has(name) ? `"${name}"` : 'NULL');
}

/** CID/FOCUS-converter amortized cost (billing.md §3.2), written against raw CUR columns. */
function amortizedCase(c: (legacy: string, snake: string) => string): string {
  const num = (legacy: string, snake: string) =>
    `coalesce(CAST(nullif(CAST(${c(legacy, snake)} AS VARCHAR), '') AS ${M}), 0)`;
  const t = c('lineItem/LineItemType', 'line_item_line_item_type');
  const arn = c('reservation/ReservationARN', 'reservation_reservation_a_r_n');
  return `CASE
    WHEN ${t} = 'SavingsPlanCoveredUsage'
      THEN ${num('savingsPlan/SavingsPlanEffectiveCost', 'savings_plan_savings_plan_effective_cost')}
    WHEN ${t} = 'SavingsPlanRecurringFee'
      THEN ${num('savingsPlan/TotalCommitmentToDate', 'savings_plan_total_commitment_to_date')}
         - ${num('savingsPlan/UsedCommitment', 'savings_plan_used_commitment')}
    WHEN ${t} = 'SavingsPlanNegation' THEN 0
    WHEN ${t} = 'SavingsPlanUpfrontFee' THEN 0
    WHEN ${t} = 'DiscountedUsage'
      THEN ${num('reservation/EffectiveCost', 'reservation_effective_cost')}
    WHEN ${t} = 'RIFee'
      THEN ${num('reservation/UnusedAmortizedUpfrontFeeForBillingPeriod', 'reservation_unused_amortized_upfront_fee_for_billing_period')}
         + ${num('reservation/UnusedRecurringFee', 'reservation_unused_recurring_fee')}
    WHEN ${t} = 'Fee' AND coalesce(CAST(${arn} AS VARCHAR), '') <> '' THEN 0
    ELSE ${num('lineItem/UnblendedCost', 'line_item_unblended_cost')}
  END`;
}

async function expectedCur(relation: string, snake: boolean) {
  const has = await columnsOf(relation);
  const c = (legacy: string, snakeName: string) => has(snake ? snakeName : legacy);
  const unblended = c('lineItem/UnblendedCost', 'line_item_unblended_cost');
  const pod = c('pricing/publicOnDemandCost', 'pricing_public_on_demand_cost');
  return duckOne(`
    SELECT count(*)::VARCHAR AS n,
      CAST(sum(CAST(nullif(CAST(${unblended} AS VARCHAR), '') AS ${M})) AS VARCHAR) AS billed,
      CAST(sum(${amortizedCase(c)}) AS VARCHAR) AS amortized,
      CAST(sum(coalesce(CAST(nullif(CAST(${pod} AS VARCHAR), '') AS ${M}), 0)) AS VARCHAR) AS list
    FROM ${relation}`);
}

describe('AWS CUR', () => {
  test('legacy CSV with 1.81E-8 amounts: unblended, amortized and list match', async () => {
    const file = fixture('focus-converters/aws/sample-anonymous-aws-export-dataset.csv');
    const { result } = await runEngine(scratch.dir, [file]);
    const want = await expectedCur(`read_csv('${file}', all_varchar = true)`, false);

    assert.equal(result.format, 'aws-cur');
    assert.equal(result.formatVersion, 'legacy');
    assert.equal(result.rowsRead, 1281);
    assert.equal(String(result.rowsRead), want.n);
    assert.equal(result.rowsRejected, 0);
    assert.equal(result.totals.length, 1);
    const usd = result.totals[0]!;
    assert.equal(usd.currency, 'USD');
    assert.equal(usd.billedCost, want.billed);
    assert.equal(usd.netBilledCost, want.billed);
    assert.equal(usd.effectiveCost, want.amortized);
    assert.equal(usd.netEffectiveCost, want.amortized);
    assert.equal(usd.listCost, want.list);
    assert.equal(usd.lineCount, 1281);
    assert.deepEqual(result.periods, [
      { provider: 'aws', billingAccountId: '123412340534', billingPeriodStart: '2023-11-01' },
    ]);
  });

  test('Athena Parquet (DOUBLE money, RIFee and DiscountedUsage lines)', async () => {
    const file = fixture(
      'aws-well-architected-labs/200_4_Cost_and_Usage_Analysis/Oct2018-WorkshopCUR-00001.snappy.parquet',
    );
    const { result } = await runEngine(scratch.dir, [file]);
    const want = await expectedCur(`read_parquet('${file}')`, true);

    assert.equal(result.formatVersion, 'legacy-athena');
    assert.equal(result.rowsRead, 119307);
    assert.equal(String(result.rowsRead), want.n);
    const usd = result.totals[0]!;
    assert.equal(usd.billedCost, want.billed);
    assert.equal(usd.effectiveCost, want.amortized);
    assert.notEqual(usd.effectiveCost, usd.billedCost, 'RI amortization moves cost');
    assert.equal(usd.listCost, want.list);
    assert.ok(result.factCount < result.rowsRead / 5, 'hourly lines aggregate to days');

    const accounts = await duck(`
      SELECT DISTINCT line_item_usage_account_id AS id FROM read_parquet('${file}')`);
    const subs = result.accounts.filter((a) => a.kind === 'sub').map((a) => a.accountId);
    assert.deepEqual(subs.sort(), accounts.map((a) => a.id).sort());
  });

  test('Hive text export (gzip, \\x01 separators, \\N nulls)', async () => {
    const file = fixture('aws-well-architected-labs/200_Workload_Efficiency/Step1CUR.gz');
    const { result } = await runEngine(scratch.dir, [file]);
    const relation =
      `read_csv('${file}', delim = '\x01', quote = '', escape = '', nullstr = '\\N', ` +
      `header = true, all_varchar = true, compression = 'gzip')`;
    const want = await expectedCur(relation, true);

    assert.equal(result.format, 'aws-cur');
    assert.equal(result.rowsRead, 7850);
    assert.equal(String(result.rowsRead), want.n);
    assert.equal(result.totals[0]!.billedCost, want.billed);
    assert.equal(result.totals[0]!.effectiveCost, want.amortized);
    assert.equal(result.totals[0]!.listCost, want.list);
  });

  test('gzip legacy CSV whose rows are one field short of the header', async () => {
    const file = fixture('koku/aws/test_cur.csv.gz');
    const { result } = await runEngine(scratch.dir, [file]);
    const want = await expectedCur(
      `read_csv('${file}', all_varchar = true, null_padding = true)`,
      false,
    );
    assert.equal(result.rowsRead, 19);
    assert.equal(result.rowsRejected, 0);
    assert.equal(result.totals[0]!.billedCost, want.billed);
    // 13-digit payer id keeps its digits as text.
    assert.equal(result.periods[0]!.billingAccountId, '6838635603105');
  });

  test('Savings Plan covered usage and negation (NOK, alphabetical columns)', async () => {
    const file = fixture('koku/aws/2023-06-01.csv');
    const { result } = await runEngine(scratch.dir, [file]);
    const want = await expectedCur(`read_csv('${file}', all_varchar = true)`, false);
    const types = await duck(
      `SELECT "lineItem/LineItemType" AS t FROM read_csv('${file}', all_varchar = true)`,
    );

    assert.ok(types.some((r) => r.t === 'SavingsPlanCoveredUsage'));
    assert.equal(result.totals[0]!.currency, 'NOK');
    assert.equal(result.totals[0]!.billedCost, want.billed);
    assert.equal(result.totals[0]!.effectiveCost, want.amortized);
    assert.equal(result.periods[0]!.billingAccountId, '0099999999999', 'leading zeros kept');
  });

  test('snake_case CUR in a CSV', async () => {
    const file = fixture('koku/aws/2022-07-01-alt-columns.csv');
    const { result } = await runEngine(scratch.dir, [file]);
    const want = await expectedCur(`read_csv('${file}', all_varchar = true)`, true);
    assert.equal(result.formatVersion, 'legacy-athena');
    assert.equal(String(result.rowsRead), want.n);
    assert.equal(result.totals[0]!.billedCost, want.billed);
  });
});

describe('FOCUS', () => {
  test('FOCUS 1.0 sample: NULL literals, datetimes without T/Z, three providers', async () => {
    const file = fixture('focus-sample-data/FOCUS-1.0/focus_sample.csv');
    const { result } = await runEngine(scratch.dir, [file]);
    const rel = `read_csv('${file}', all_varchar = true, nullstr = 'NULL')`;
    const want = await duckOne(`
      SELECT count(*)::VARCHAR AS n,
        CAST(sum(CAST(BilledCost AS ${M})) AS VARCHAR) AS billed,
        CAST(sum(CAST(EffectiveCost AS ${M})) AS VARCHAR) AS effective,
        CAST(sum(CAST(ListCost AS ${M})) AS VARCHAR) AS list,
        count(DISTINCT (BillingAccountId, BillingPeriodStart[1:7]))::VARCHAR AS periods
      FROM ${rel}`);

    assert.equal(result.format, 'focus');
    assert.equal(result.formatVersion, '1.0');
    assert.equal(result.rowsRead, 1000);
    const usd = result.totals[0]!;
    assert.equal(usd.billedCost, want.billed);
    assert.equal(usd.netBilledCost, want.billed);
    assert.equal(usd.effectiveCost, want.effective);
    assert.equal(usd.netEffectiveCost, want.effective);
    assert.equal(usd.listCost, want.list);
    assert.equal(String(result.periods.length), want.periods);
    assert.deepEqual([...new Set(result.periods.map((p) => p.provider))].sort(), [
      'aws',
      'azure',
      'oci',
    ]);
  });

  test('a FOCUS example without mandatory columns is refused with their names', async () => {
    const file = fixture(
      'focus-spec/commitment_discount_scenarios/commitment_discount_usage_scenario_2.csv',
    );
    await assert.rejects(runEngine(scratch.dir, [file]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'bad_header');
      assert.match(err.message, /BillingAccountId/);
      assert.match(err.message, /ProviderName/);
      return true;
    });
  });
});

describe('Azure cost details', () => {
  const cases = [
    [
      'focus-converters/azure/sample-anonymous-ea-export-dataset.csv',
      'CostInBillingCurrency',
      'ea',
      27,
    ],
    ['finops-toolkit/EA_ActualCost_Small.csv', 'Cost', 'ea', 11],
    ['koku/azure/costreport_a243c6f2-199f-4074-9a2c-40e671cf1584.csv', 'PreTaxCost', 'payg-v1', 3],
    ['koku/azure/azure_camelCased.csv', 'preTaxCost', 'payg-v1', 3],
    ['koku/azure/camel_azure_version_2.csv', 'costInBillingCurrency', 'mca', 4],
    ['opencost/headersets/PayAsYouGo.csv', 'PreTaxCost', 'payg-v1', 1],
  ] as const;

  for (const [path, costColumn, version, rows] of cases) {
    test(`${path}: cost in billing currency`, async () => {
      const file = fixture(path);
      const { result } = await runEngine(scratch.dir, [file]);
      const want = await duckOne(`
        SELECT count(*)::VARCHAR AS n,
          CAST(sum(CAST("${costColumn}" AS ${M})) AS VARCHAR) AS cost
        FROM read_csv('${file}', all_varchar = true, header = true, delim = ',', quote = '"',
          strict_mode = false, skip = 0)`);

      assert.equal(result.format, 'azure-cost-details');
      assert.equal(result.formatVersion, version);
      assert.equal(result.rowsRead, rows);
      assert.equal(String(result.rowsRead), want.n);
      assert.equal(result.totals[0]!.billedCost, want.cost);
      assert.equal(result.totals[0]!.effectiveCost, want.cost);
    });
  }

  test('EA list cost is PayGPrice × Quantity', async () => {
    const file = fixture('focus-converters/azure/sample-anonymous-ea-export-dataset.csv');
    const { result } = await runEngine(scratch.dir, [file]);
    const want = await duckOne(`
      SELECT CAST(sum(CASE WHEN PayGPrice IS NOT NULL AND Quantity IS NOT NULL
        THEN CAST(round(CAST(PayGPrice AS DOUBLE) * CAST(Quantity AS DOUBLE), 10) AS ${M})
        ELSE CAST(CostInBillingCurrency AS ${M}) END) AS VARCHAR) AS list
      FROM read_csv('${file}', all_varchar = true)`);
    assert.equal(result.totals[0]!.currency, 'CAD');
    assert.equal(result.totals[0]!.listCost, want.list);
  });

  test('header-only export is empty_file', async () => {
    await assert.rejects(runEngine(scratch.dir, [fixture('finops-toolkit/EA_NoRows.csv')]), {
      code: 'empty_file',
    });
  });
});

describe('GCP', () => {
  test('BigQuery export flattened to CSV, costs in scientific notation', async () => {
    const file = fixture('koku/gcp/2022-08-01_5.csv');
    const { result } = await runEngine(scratch.dir, [file]);
    const want = await duckOne(`
      SELECT count(*)::VARCHAR AS n, CAST(sum(CAST(cost AS ${M})) AS VARCHAR) AS cost
      FROM read_csv('${file}', all_varchar = true)`);
    assert.equal(result.format, 'gcp-billing-export');
    assert.equal(String(result.rowsRead), want.n);
    assert.equal(result.totals[0]!.billedCost, want.cost);
    assert.equal(result.periods[0]!.billingPeriodStart, '2022-08-01');
  });
});

/**
 * Ingestion engine benchmark: generates a realistic legacy CUR CSV.gz (~120 columns, several
 * accounts, services, regions and tags, Savings Plan and RI lines) of N rows, then measures
 *   1. the engine (child process: validate, normalize, aggregate, write the COPY file), and
 *   2. DuckDB alone doing a typed scan + GROUP BY of the same file (the floor),
 * each with its peak RSS. Usage: npm run bench:ingest -- [rows=200000]
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

import { DuckDBInstance } from '@duckdb/node-api';

import { runIngestionEngine } from '../src/modules/ingestion/engine/run.js';

const KEY_COLUMNS = [
  'identity/LineItemId',
  'identity/TimeInterval',
  'bill/InvoiceId',
  'bill/BillingEntity',
  'bill/BillType',
  'bill/PayerAccountId',
  'bill/BillingPeriodStartDate',
  'bill/BillingPeriodEndDate',
  'lineItem/UsageAccountId',
  'lineItem/LineItemType',
  'lineItem/UsageStartDate',
  'lineItem/UsageEndDate',
  'lineItem/ProductCode',
  'lineItem/UsageType',
  'lineItem/Operation',
  'lineItem/AvailabilityZone',
  'lineItem/ResourceId',
  'lineItem/UsageAmount',
  'lineItem/CurrencyCode',
  'lineItem/UnblendedRate',
  'lineItem/UnblendedCost',
  'lineItem/BlendedCost',
  'lineItem/LineItemDescription',
  'product/ProductName',
  'product/instanceType',
  'product/productFamily',
  'product/region',
  'product/sku',
  'product/volumeApiName',
  'pricing/publicOnDemandCost',
  'pricing/publicOnDemandRate',
  'pricing/term',
  'pricing/unit',
  'reservation/ReservationARN',
  'reservation/EffectiveCost',
  'reservation/EndTime',
  'reservation/UnusedAmortizedUpfrontFeeForBillingPeriod',
  'reservation/UnusedRecurringFee',
  'savingsPlan/SavingsPlanARN',
  'savingsPlan/SavingsPlanEffectiveCost',
  'savingsPlan/TotalCommitmentToDate',
  'savingsPlan/UsedCommitment',
  'savingsPlan/EndTime',
  'resourceTags/user:Team',
  'resourceTags/user:Environment',
  'resourceTags/user:CostCenter',
  'resourceTags/aws:createdBy',
  'costCategory/BusinessUnit',
];
const FILLER = Array.from({ length: 120 - KEY_COLUMNS.length }, (_, i) => `product/attr${i}`);
const HEADER = [...KEY_COLUMNS, ...FILLER];

const ACCOUNTS = ['011111111111', '022222222222', '033333333333', '044444444444'];
const REGIONS = ['us-east-1', 'us-west-2', 'sa-east-1', 'eu-west-1'];
const SERVICES: [string, string, string, string][] = [
  ['AmazonEC2', 'BoxUsage:m5.large', 'RunInstances', 'Hrs'],
  ['AmazonEC2', 'EBS:VolumeUsage.gp2', 'CreateVolume-Gp2', 'GB-Mo'],
  ['AmazonS3', 'TimedStorage-ByteHrs', 'StandardStorage', 'GB-Mo'],
  ['AmazonRDS', 'InstanceUsage:db.r5.large', 'CreateDBInstance:0014', 'Hrs'],
  ['AWSLambda', 'Lambda-GB-Second', 'Invoke', 'Lambda-GB-Second'],
  ['AmazonVPC', 'NatGateway-Hours', 'NatGateway', 'Hrs'],
];
const TEAMS = ['core', 'data', 'web', 'ml', ''];

/** Hourly lines of 500 resources: each resource keeps its account, service, region and tags. */
const RESOURCES = 500;

function row(i: number): string {
  const r = i % RESOURCES;
  const [code, usageType, operation, unit] = SERVICES[r % SERVICES.length]!;
  const hour = Math.floor(i / RESOURCES) % 720;
  const day = String(1 + Math.floor(hour / 24)).padStart(2, '0');
  const hh = String(hour % 24).padStart(2, '0');
  const start = `2024-09-${day}T${hh}:00:00Z`;
  const end = `2024-09-${day}T${hh}:59:59Z`;
  const account = ACCOUNTS[r % ACCOUNTS.length]!;
  const resource = `${code === 'AmazonS3' ? 'bucket' : 'i'}-${r.toString(16)}`;
  const cost = ((i % 1000) / 997).toFixed(10);
  const kind = r % 50;
  let type = 'Usage';
  let ri = '',
    riEff = '',
    riUnusedUp = '',
    riUnusedRec = '',
    sp = '',
    spEff = '',
    spTot = '',
    spUsed = '';
  if (kind === 1) {
    type = 'SavingsPlanCoveredUsage';
    sp = `arn:aws:savingsplans::${account}:savingsplan/sp-1`;
    spEff = (Number(cost) * 0.7).toFixed(10);
  } else if (kind === 2) {
    type = 'SavingsPlanNegation';
    sp = `arn:aws:savingsplans::${account}:savingsplan/sp-1`;
  } else if (kind === 3) {
    type = 'DiscountedUsage';
    ri = `arn:aws:ec2:us-east-1:${account}:reserved-instances/ri-1`;
    riEff = (Number(cost) * 0.6).toFixed(10);
  } else if (kind === 4 && hour === 0) {
    type = 'RIFee';
    ri = `arn:aws:ec2:us-east-1:${account}:reserved-instances/ri-1`;
    riUnusedUp = '1.2500000000';
    riUnusedRec = '0.7500000000';
  } else if (kind === 5 && hour % 24 === 0) {
    type = 'SavingsPlanRecurringFee';
    sp = `arn:aws:savingsplans::${account}:savingsplan/sp-1`;
    spTot = '24.0000000000';
    spUsed = '21.5000000000';
  } else if (kind === 6) {
    type = 'Tax';
  }
  const signed = type === 'SavingsPlanNegation' ? `-${cost}` : cost;
  const values = [
    `line-${i}`,
    `${start}/${end}`,
    '',
    'AWS',
    'Anniversary',
    '099999999999',
    '2024-09-01T00:00:00Z',
    '2024-10-01T00:00:00Z',
    account,
    type,
    start,
    end,
    code,
    usageType,
    operation,
    `${REGIONS[r % 4]}a`,
    resource,
    '1.0000000000',
    'USD',
    cost,
    signed,
    signed,
    `"${code} usage, hourly"`,
    code,
    usageType.includes('m5') ? 'm5.large' : '',
    'Compute Instance',
    REGIONS[r % 4],
    `SKU${r % 53}`,
    usageType.includes('gp2') ? 'gp2' : '',
    (Number(cost) * 1.3).toFixed(10),
    cost,
    'OnDemand',
    unit,
    ri,
    riEff,
    ri ? '2025-09-01T00:00:00Z' : '',
    riUnusedUp,
    riUnusedRec,
    sp,
    spEff,
    spTot,
    spUsed,
    sp ? '2026-09-01T00:00:00Z' : '',
    TEAMS[r % 5],
    r % 3 ? 'prod' : 'dev',
    `cc-${r % 7}`,
    'AROAEXAMPLE:someone',
    r % 2 ? 'Retail' : 'Wholesale',
    ...FILLER.map((_, j) => (j % 4 === 0 ? `value-${j}` : '')),
  ];
  return values.join(',');
}

async function generate(path: string, rows: number): Promise<void> {
  const gzip = createGzip({ level: 6 });
  const out = gzip.pipe(createWriteStream(path));
  let chunk: string[] = [HEADER.join(',')];
  let size = 0;
  for (let i = 0; i < rows; i += 1) {
    const line = row(i);
    chunk.push(line);
    size += line.length;
    // Tiny writes into zlib are slow (stack.md §9); coalesce into ~256 KB pieces.
    if (size > 256 * 1024) {
      if (!gzip.write(`${chunk.join('\n')}\n`)) await once(gzip, 'drain');
      chunk = [];
      size = 0;
    }
  }
  gzip.end(chunk.length > 0 ? `${chunk.join('\n')}\n` : '');
  await once(out, 'finish');
}

/** DuckDB alone: typed scan (money DECIMAL, ids VARCHAR) + GROUP BY day and dimensions. */
async function baseline(path: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
  const con = await instance.connect();
  const started = performance.now();
  const types =
    `{'bill/PayerAccountId': 'VARCHAR', 'lineItem/UsageAccountId': 'VARCHAR', ` +
    `'lineItem/UnblendedCost': 'DECIMAL(38,10)', 'pricing/publicOnDemandCost': 'DECIMAL(38,10)', ` +
    `'lineItem/UsageStartDate': 'TIMESTAMPTZ'}`;
  const result = await con.runAndReadAll(`
    SELECT count(*) AS groups, sum(n) AS n FROM (
      SELECT CAST("lineItem/UsageStartDate" AS DATE) AS d, "bill/PayerAccountId",
        "lineItem/UsageAccountId", "lineItem/ProductCode", "lineItem/UsageType",
        "lineItem/ResourceId", "lineItem/LineItemType", sum("lineItem/UnblendedCost") AS cost,
        sum("pricing/publicOnDemandCost") AS list, count(*) AS n
      FROM read_csv('${path}', header = true, types = ${types})
      GROUP BY ALL)`);
  const ms = performance.now() - started;
  const [groups, n] = result.getRows()[0]!;
  console.log(
    JSON.stringify({
      ms,
      groups: String(groups),
      n: String(n),
      maxRss: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--baseline') return baseline(process.argv[3]!);
  if (process.argv[2] === '--generate') return generate(process.argv[3]!, Number(process.argv[4]));

  const rows = Number(process.argv[2] ?? 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'finops-bench-ingest-'));
  try {
    const file = join(dir, 'cur-00001.csv.gz');
    let started = performance.now();
    await generate(file, rows);
    const mb = (statSync(file).size / 1024 ** 2).toFixed(1);
    const genMs = Math.round(performance.now() - started);
    console.log(`generated ${rows} rows × ${HEADER.length} columns, ${mb} MB gzip in ${genMs} ms`);

    started = performance.now();
    const result = await runIngestionEngine({
      clientId: randomUUID(),
      ingestionId: randomUUID(),
      files: [{ path: file, name: 'cur-00001.csv.gz' }],
      outputPath: join(dir, 'facts.copy'),
      workDir: dir,
      limits: { threads: 2 },
    });
    const wall = performance.now() - started;
    const rate = Math.round(result.rowsRead / (wall / 1000));
    const rss = Math.round(result.peakRssBytes / 1024 ** 2);
    console.log(
      `engine: ${result.rowsRead} rows → ${result.factCount} facts in ${Math.round(wall)} ms ` +
        `wall (${Math.round(result.durationMs)} ms in child) = ${rate} rows/s; ` +
        `peak RSS ${rss} MB; rejects ${result.rowsRejected}`,
    );

    const self = fileURLToPath(import.meta.url);
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--baseline', file], {
      encoding: 'utf8',
    });
    const base = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
      ms: number;
      groups: string;
      n: string;
      maxRss: number;
    };
    const baseRate = Math.round(Number(base.n) / (base.ms / 1000));
    const baseRss = Math.round(base.maxRss / 1024 ** 2);
    console.log(
      `duckdb typed scan + group by: ${base.n} rows → ${base.groups} groups in ` +
        `${Math.round(base.ms)} ms = ${baseRate} rows/s; peak RSS ${baseRss} MB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

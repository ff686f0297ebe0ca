/**
 * Ingestion benchmark: generates a realistic legacy CUR CSV.gz (~120 columns, several
 * accounts, services, regions and tags, Savings Plan and RI lines) of N rows, then measures
 *   1. the engine alone (child process: validate, normalize, aggregate, write the COPY file),
 *   2. end to end on PostgreSQL: the `finops ingest` service path (hash, engine, COPY into
 *      staging, swap into cost_daily) until the facts are queryable, with the peak RSS of the
 *      engine child and of the parent process, in a throw-away database,
 *   3. DuckDB alone doing a typed scan + GROUP BY of the same file (the floor),
 * each with its peak RSS.
 *
 *   npm run bench:ingest -- [rows=200000] [--no-e2e] [--admin-url postgres://…/postgres]
 *
 * The end-to-end run needs a PostgreSQL server (BENCH_DATABASE_URL or the admin URL, default
 * postgres://postgres@127.0.0.1:5432/postgres); it creates and drops `finops_bench_ingest_…`.
 * The last stdout line is `BENCH_JSON {…}` with every figure.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';

import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';

import { infraFor, openReady } from '../src/cli/ingest.js';
import { loadConfig } from '../src/config/config.js';
import { createServices } from '../src/container.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { createLogger } from '../src/lib/logger.js';
import { runIngestionEngine } from '../src/modules/ingestion/engine/run.js';
import type { IngestPhase } from '../src/modules/ingestions/ingestions.service.js';

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

interface EndToEnd {
  ms: number;
  queryableMs: number;
  phases: Record<string, number>;
  status: string;
  rows: number;
  facts: number;
  factsInCostDaily: number;
  lineItemsInCostDaily: number;
  engineRss: number;
  parentRss: number;
}

/**
 * Child process of the bench: the `finops ingest` service path on `url`, so its peak RSS is
 * the parent's (API or worker) side of an ingestion and nothing of the generator.
 */
async function endToEnd(url: string, slug: string, file: string, dataDir: string) {
  const config = loadConfig(
    {
      DATABASE_URL: url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
    false,
  );
  const logger = createLogger(config);
  const opened = await openReady(config, logger);
  const { infra, mailer } = infraFor(config, logger, opened, false);
  const phases: Record<string, number> = {};
  try {
    const services = createServices(infra);
    const started = performance.now();
    let last = started;
    let lastPhase: IngestPhase = 'parsing';
    let queryable = 0;
    const result = await services.ingestions.ingestLocal(slug, [file], (phase) => {
      const now = performance.now();
      phases[lastPhase] = Math.round(now - last);
      last = now;
      lastPhase = phase;
      if (phase === 'done') queryable = now - started;
    });
    const ms = performance.now() - started;
    phases.after = Math.round(performance.now() - last);

    const id = result.ingestion.id;
    const { rows } = await opened.database.pool!.query(
      'SELECT (SELECT count(*) FROM cost_daily WHERE ingestion_id = $1)::int AS facts, ' +
        '(SELECT sum(line_count) FROM cost_daily WHERE ingestion_id = $1)::bigint AS lines, ' +
        "(SELECT (progress->>'peakRssBytes')::bigint FROM ingestions WHERE id = $1) AS rss",
      [id],
    );
    const out: EndToEnd = {
      ms,
      queryableMs: queryable,
      phases,
      status: result.ingestion.status,
      rows: result.ingestion.rows_read,
      facts: result.ingestion.facts ?? 0,
      factsInCostDaily: Number(rows[0].facts),
      lineItemsInCostDaily: Number(rows[0].lines ?? 0),
      engineRss: Number(rows[0].rss ?? 0),
      parentRss: process.resourceUsage().maxRSS * 1024,
    };
    console.log(JSON.stringify(out));
  } finally {
    mailer.close();
    await opened.release();
  }
}

/** A migrated throw-away database with one client; returns its URL, slug and a drop(). */
async function benchDatabase(adminUrl: string) {
  const name = `finops_bench_ingest_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;

  const database = await openDatabase({ url: url.toString(), poolMax: 2 });
  const slug = 'bench-ingest';
  try {
    await runMigrations(database);
    await database.pool!.query(
      "INSERT INTO clients (slug, name, country, currency) VALUES ($1, 'Bench', 'CL', 'USD')",
      [slug],
    );
  } finally {
    await database.close();
  }
  return {
    url: url.toString(),
    slug,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

function runSelf(args: string[]): string {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--import', 'tsx', self, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench child failed:\n${child.stderr}`);
  return child.stdout.trim().split('\n').pop()!;
}

const mb = (bytes: number) => Math.round(bytes / 1024 ** 2);

async function main(): Promise<void> {
  if (process.argv[2] === '--baseline') return baseline(process.argv[3]!);
  if (process.argv[2] === '--generate') return generate(process.argv[3]!, Number(process.argv[4]));
  if (process.argv[2] === '--e2e') {
    const [url, slug, file, dataDir] = process.argv.slice(3);
    return endToEnd(url!, slug!, file!, dataDir!);
  }

  const { values, positionals } = parseArgs({
    options: {
      e2e: { type: 'boolean', default: true },
      'admin-url': {
        type: 'string',
        default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      },
    },
    allowNegative: true,
    allowPositionals: true,
  });
  const rows = Number(positionals[0] ?? 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'finops-bench-ingest-'));
  const report: Record<string, unknown> = { bench: 'ingest', rows };
  try {
    const file = join(dir, 'cur-00001.csv.gz');
    let started = performance.now();
    await generate(file, rows);
    const size = statSync(file).size;
    const genMs = Math.round(performance.now() - started);
    console.log(
      `generated ${rows} rows × ${HEADER.length} columns, ${(size / 1024 ** 2).toFixed(1)} MB ` +
        `gzip in ${genMs} ms`,
    );
    report.gzipBytes = size;

    started = performance.now();
    const result = await runIngestionEngine({
      clientId: randomUUID(),
      ingestionId: randomUUID(),
      files: [{ path: file, name: 'cur-00001.csv.gz' }],
      outputPath: join(dir, 'facts.copy'),
      workDir: dir,
      limits: { threads: 2 },
    });
    rmSync(join(dir, 'facts.copy'), { force: true });
    const wall = performance.now() - started;
    const rate = Math.round(result.rowsRead / (wall / 1000));
    const cpu = result.phases.reduce((sum, p) => sum + p.cpuMs, 0);
    console.log(
      `engine: ${result.rowsRead} rows → ${result.factCount} facts in ${Math.round(wall)} ms ` +
        `wall (${Math.round(result.durationMs)} ms in child, ${cpu} ms CPU) = ${rate} rows/s; ` +
        `peak RSS ${mb(result.peakRssBytes)} MB; rejects ${result.rowsRejected}`,
    );
    console.log(
      `  engine steps (wall/CPU ms): ` +
        result.phases.map((p) => `${p.name} ${p.ms}/${p.cpuMs}`).join(', '),
    );
    report.engine = { ms: Math.round(wall), rate, cpuMs: cpu, rss: result.peakRssBytes };

    let e2e: EndToEnd | null = null;
    if (values.e2e) {
      const target = await benchDatabase(values['admin-url']);
      try {
        const dataDir = join(dir, 'data');
        e2e = JSON.parse(runSelf(['--e2e', target.url, target.slug, file, dataDir])) as EndToEnd;
      } finally {
        await target.drop();
      }
      const e2eRate = Math.round(e2e.rows / (e2e.queryableMs / 1000));
      console.log(
        `end to end on PostgreSQL (finops ingest path): ${e2e.rows} rows → ` +
          `${e2e.factsInCostDaily} facts queryable in cost_daily after ` +
          `${Math.round(e2e.queryableMs)} ms = ${e2e.rows > 0 ? e2eRate : 0} line items/s ` +
          `(${Math.round(e2e.ms)} ms with the after-ingestion hooks); peak RSS engine ` +
          `${mb(e2e.engineRss)} MB, parent ${mb(e2e.parentRss)} MB; status ${e2e.status}`,
      );
      console.log(
        '  phases (ms): ' +
          Object.entries(e2e.phases)
            .map(([name, ms]) => `${name} ${ms}`)
            .join(', '),
      );
      if (e2e.lineItemsInCostDaily !== e2e.rows) {
        throw new Error(`cost_daily holds ${e2e.lineItemsInCostDaily} line items, not ${e2e.rows}`);
      }
      report.endToEnd = { ...e2e, rate: e2eRate };
    }

    const base = JSON.parse(runSelf(['--baseline', file])) as {
      ms: number;
      groups: string;
      n: string;
      maxRss: number;
    };
    const baseRate = Math.round(Number(base.n) / (base.ms / 1000));
    console.log(
      `duckdb typed scan + group by: ${base.n} rows → ${base.groups} groups in ` +
        `${Math.round(base.ms)} ms = ${baseRate} rows/s; peak RSS ${mb(base.maxRss)} MB`,
    );
    const ratio = (e2e ? e2e.queryableMs : wall) / base.ms;
    console.log(
      `${e2e ? 'end to end' : 'engine'} / duckdb scan: ${ratio.toFixed(2)}× the scan's time`,
    );
    report.duckdb = { ms: Math.round(base.ms), rate: baseRate, rss: base.maxRss };
    report.ratioToScan = Number(ratio.toFixed(2));
    console.log(`BENCH_JSON ${JSON.stringify(report)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

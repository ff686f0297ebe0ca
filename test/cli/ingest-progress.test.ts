import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { sql } from 'drizzle-orm';

import { progressPrinter } from '../../src/cli/ingest.js';
import { loadConfig } from '../../src/config/config.js';
import { runMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/logger.js';
import { openConfiguredDatabase } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const BIN = join(process.cwd(), 'bin', 'finops.js');
const MiB = 1024 ** 2;

/** A progress printer on a plain (non-terminal) output, with a clock the test moves. */
function plainPrinter(totalBytes: number) {
  const lines: string[] = [];
  let now = 0;
  const printer = progressPrinter(
    totalBytes,
    { isTTY: false, write: (text: string) => lines.push(text) },
    () => now,
  );
  return { printer, lines, at: (ms: number) => (now = ms) };
}

describe('finops ingest progress without a terminal', () => {
  test('one plain line per phase and per tenth of the work, with rows, MB/s and ETA', () => {
    const { printer, lines, at } = plainPrinter(10 * MiB);
    printer.phase('parsing');
    at(2000);
    printer.progress({
      step: 'reading',
      bytesRead: 2 * MiB,
      bytesTotal: 10 * MiB,
      rows: 1_234_567,
      fraction: 0.2,
    });
    at(2500);
    // Same tenth: nothing new is printed.
    printer.progress({
      step: 'reading',
      bytesRead: 2.5 * MiB,
      bytesTotal: 10 * MiB,
      rows: 1_300_000,
      fraction: 0.25,
    });
    at(9500);
    printer.progress({
      step: 'writing',
      bytesRead: 10 * MiB,
      bytesTotal: 10 * MiB,
      rows: 2_000_000,
      fraction: 0.95,
    });
    at(10_000);
    printer.phase('loading');
    printer.phase('done');
    const seconds = printer.stop();

    assert.deepEqual(lines, [
      'reading and aggregating (DuckDB) (after 0.0 s)\n',
      '  20% reading: 1,234,567 rows, 1.0 MB/s, ETA 8 s\n',
      '  95% writing: 2,000,000 rows, 1.0 MB/s, ETA 1 s\n',
      'loading facts into staging (after 10.0 s)\n',
    ]);
    assert.equal(seconds, 10);
  });
});

/** A small legacy CUR CSV: hourly lines of 20 resources. */
function curCsv(rows: number): string {
  const header =
    'identity/LineItemId,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,' +
    'lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,' +
    'lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedCost,product/region';
  const lines = [header];
  for (let i = 0; i < rows; i += 1) {
    const hour = Math.floor(i / 20) % 720;
    const day = String(1 + Math.floor(hour / 24)).padStart(2, '0');
    const hh = String(hour % 24).padStart(2, '0');
    lines.push(
      `line-${i},012345678901,0987654321${i % 3},Usage,2024-09-${day}T${hh}:00:00Z,` +
        `2024-09-${day}T${hh}:59:59Z,AmazonEC2,BoxUsage:m5.large,1,USD,0.${i % 97},us-east-1`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('finops ingest (CLI) without a terminal', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'finops-cli-ingest-'));
  let testDb: TestDatabase | null = null;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: dataDir,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
  };

  before(async () => {
    if (process.env.TEST_DATABASE_URL) {
      testDb = await createTestDatabase();
      env.DATABASE_URL = testDb.url!;
      env.JWT_SECRET = 'x'.repeat(48);
    }
    // The same database the CLI will open: the embedded one in DATA_DIR, or the test server's.
    const config = loadConfig(env, false);
    const opened = await openConfiguredDatabase(config, createLogger(config));
    try {
      await runMigrations(opened.database);
      await opened.database.db.execute(
        sql`insert into clients (slug, name, country, currency)
            values ('cli-progress', 'CLI progress', 'CL', 'USD')`,
      );
    } finally {
      await opened.release();
    }
  });

  after(async () => {
    await testDb?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('prints phase and progress lines on stderr, no terminal codes, then the summary', () => {
    const rows = 3000;
    const file = join(dataDir, 'cur.csv');
    writeFileSync(file, curCsv(rows));

    const res = spawnSync(process.execPath, [BIN, 'ingest', '--client', 'cli-progress', file], {
      encoding: 'utf8',
      env,
      timeout: 120_000,
    });
    assert.equal(res.status, 0, res.stderr);

    const err = res.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
    assert.doesNotMatch(res.stderr, /\r|\u001b\[/, 'no carriage returns or escape codes');
    assert.match(err[0]!, /^reading and aggregating \(DuckDB\) \(after \d+\.\d s\)$/);
    const progress = err.filter((l) => /^ +\d+% /.test(l));
    assert.ok(progress.length >= 2, err.join('\n'));
    const shape = new RegExp(
      '^ +\\d{1,3}% (reading|aggregating|writing): [\\d,]+ rows, \\d+\\.\\d MB/s, ' +
        'ETA (--|\\d+ s|\\d+ min \\d\\d s)$',
    );
    for (const line of progress) assert.match(line, shape);
    // The engine's last word before loading counts every data row.
    assert.ok(progress.some((l) => l.includes(`${rows.toLocaleString('en-US')} rows`)));
    assert.ok(err.some((l) => l.startsWith('loading facts into staging (after ')));
    assert.ok(err.some((l) => l.startsWith('replacing the periods (after ')));

    assert.match(res.stdout, /: succeeded in \d+\.\d s/);
    assert.match(res.stdout, new RegExp(`rows: +${rows} read, ${rows} loaded, 0 rejected`));
  });
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { fixture, runEngine, scratchDir } from './support.js';

/**
 * Hostile and malformed uploads, generated on the fly: each must end in one
 * IngestionEngineError with a specific code, and the test process (the parent) keeps running.
 */

const scratch = scratchDir();
after(() => scratch.dispose());

let counter = 0;
function write(name: string, content: string | Buffer): string {
  counter += 1;
  const path = join(scratch.dir, `${counter}-${name}`);
  writeFileSync(path, content);
  return path;
}

async function rejectsWith(paths: string[], code: string, message?: RegExp, limits = {}) {
  await assert.rejects(runEngine(scratch.dir, paths, limits), (err: Error & { code?: string }) => {
    assert.equal(err.name, 'IngestionEngineError');
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const FOCUS_HEADER =
  'ProviderName,BillingAccountId,BillingAccountName,SubAccountId,BillingCurrency,' +
  'BillingPeriodStart,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ServiceName,' +
  'ResourceId,BilledCost,EffectiveCost,ListCost,Tags';

function focusRow(cost: string, options: { start?: string; end?: string } = {}): string {
  const start = options.start ?? '2024-09-01T00:00:00Z';
  const end = options.end ?? '2024-09-01T01:00:00Z';
  return (
    `AWS,000123456789,Payer,000999999999,USD,2024-09-01T00:00:00Z,${start},${end},Usage,` +
    `Amazon EC2,i-1,${cost},${cost},${cost},"{""team"":""core""}"`
  );
}

function focusFile(rows: string[]): string {
  return [FOCUS_HEADER, ...rows].join('\n') + '\n';
}

describe('content detection', () => {
  test('a PNG renamed .csv is unsupported_file', async () => {
    const png = Buffer.concat([
      Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
      Buffer.alloc(64),
    ]);
    await rejectsWith([write('costs.csv', png)], 'unsupported_file', /PNG/);
  });

  test('unknown CSV names the columns seen and the formats supported', async () => {
    await rejectsWith(
      [write('x.csv', 'date,amount,owner\n2024-01-01,1.00,me\n')],
      'unknown_format',
      /date, amount, owner.*Supported: AWS CUR/s,
    );
  });

  test('invalid UTF-8 is invalid_encoding', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${FOCUS_HEADER}\n`),
      Buffer.from([0xc3, 0x28, 0x0a]),
    ]);
    await rejectsWith([write('latin1.csv', bytes)], 'invalid_encoding', /UTF-8/);
  });

  test('empty file and header-only file are empty_file', async () => {
    await rejectsWith([write('empty.csv', '')], 'empty_file');
    await rejectsWith([write('header.csv', `${FOCUS_HEADER}\n`)], 'empty_file');
  });

  test('mixed formats across files are refused', async () => {
    const aws = fixture('koku/aws/2023-06-01.csv');
    await rejectsWith([aws, write('focus.csv', focusFile([focusRow('1.00')]))], 'mixed_formats');
  });

  test('a manifest JSON next to the data part is ignored', async () => {
    const manifest = write('report-Manifest.json', JSON.stringify({ reportKeys: ['part-1.csv'] }));
    const { result } = await runEngine(scratch.dir, [manifest, fixture('koku/aws/2023-06-01.csv')]);
    assert.deepEqual(
      result.files.map((f) => f.kind),
      ['ignored', 'csv'],
    );
    assert.equal(result.rowsRead, 3);
  });
});

describe('compression and size limits', () => {
  test('gzip bomb: a few MB of zeros stop at the decompressed cap', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    await rejectsWith([write('bomb.csv.gz', bomb)], 'decompressed_too_large', /Split/, {
      maxDecompressedBytes: 1024 * 1024,
    });
  });

  test('gzip ratio cap', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x41));
    await rejectsWith([write('ratio.csv.gz', bomb)], 'decompressed_too_large', undefined, {
      maxCompressionRatio: 100,
      ratioFloorBytes: 1024 * 1024,
    });
  });

  test('truncated gzip is corrupt_file', async () => {
    const full = readFileSync(fixture('koku/aws/test_cur.csv.gz'));
    await rejectsWith([write('cut.csv.gz', full.subarray(0, full.length / 2))], 'corrupt_file');
  });

  test('100 MB single line is line_too_long', async () => {
    const path = join(scratch.dir, 'long-line.csv');
    const out = createWriteStream(path);
    const block = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 100; i += 1) {
      if (!out.write(block)) await once(out, 'drain');
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
    await rejectsWith([path], 'line_too_long', /Line 1/);
  });
});

describe('Parquet', () => {
  test('PAR1PAR1 (footer length lies) is corrupt_file', async () => {
    await rejectsWith([write('tiny.parquet', 'PAR1PAR1')], 'corrupt_file');
  });

  test('footer length larger than the file is corrupt_file', async () => {
    const lying = Buffer.concat([
      Buffer.from('PAR1'),
      Buffer.alloc(16),
      Buffer.from([0xff, 0xff, 0xff, 0x7f]),
      Buffer.from('PAR1'),
    ]);
    await rejectsWith([write('lying.parquet', lying)], 'corrupt_file');
  });

  test('truncated Parquet is corrupt_file', async () => {
    const full = readFileSync(
      fixture(
        'aws-well-architected-labs/200_4_Cost_and_Usage_Analysis/Oct2018-WorkshopCUR-00001.snappy.parquet',
      ),
    );
    await rejectsWith([write('cut.parquet', full.subarray(0, 200_000))], 'corrupt_file');
  });

  test('Parquet whose footer is garbage is corrupt_file', async () => {
    const garbage = Buffer.concat([
      Buffer.from('PAR1'),
      Buffer.alloc(100, 0x07),
      Buffer.from([100, 0, 0, 0]),
      Buffer.from('PAR1'),
    ]);
    await rejectsWith([write('garbage.parquet', garbage)], 'corrupt_file');
  });
});

describe('headers', () => {
  test('duplicate column names are bad_header', async () => {
    const csv = `${FOCUS_HEADER},BilledCost\n${focusRow('1.00')},2.00\n`;
    await rejectsWith([write('dup.csv', csv)], 'bad_header', /BilledCost/);
  });

  test('__proto__ columns are bad_header and Object.prototype is untouched', async () => {
    await rejectsWith([write('proto.csv', '__proto__,__proto__\n1,2\n')], 'bad_header');
    await rejectsWith(
      [write('proto2.csv', `${FOCUS_HEADER},__proto__\n${focusRow('1')},x\n`)],
      'bad_header',
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('row validation (FOCUS: plain decimals, plausible dates)', () => {
  test('bad values are rejected with line and reason; -12.50 and exact sums accepted', async () => {
    const good = Array.from({ length: 996 }, (_, i) => focusRow(i % 2 === 0 ? '0.1' : '0.2'));
    const bad = [
      focusRow('1e308'),
      focusRow('NaN'),
      focusRow('Infinity'),
      focusRow('$12'),
      focusRow('"1,234.5"'),
      focusRow('+5'),
      focusRow('1.00', { start: '9999-12-31T00:00:00Z', end: '9999-12-31T01:00:00Z' }),
      focusRow('1.00', { start: '2024-09-02T00:00:00Z', end: '2024-09-01T00:00:00Z' }),
    ];
    const rows = [focusRow('-12.50'), ...good.slice(0, 10), ...bad, ...good.slice(10)];
    const { result } = await runEngine(scratch.dir, [write('mixed.csv', focusFile(rows))]);

    assert.equal(result.rowsRead, 1005);
    assert.equal(result.rowsRejected, 8);
    assert.deepEqual(
      result.rejects.map((r) => r.line),
      [13, 14, 15, 16, 17, 18, 19, 20],
    );
    const reasons = result.rejects.map((r) => r.reason).join('\n');
    for (const bit of ['"1e308"', '"NaN"', '"Infinity"', '"$12"', '"1,234.5"', '"+5"']) {
      assert.ok(reasons.includes(bit), `reason mentions ${bit}`);
    }
    assert.match(reasons, /ChargePeriodStart.*outside/);
    assert.match(reasons, /ChargePeriodEnd is before ChargePeriodStart/);
    // 498 × 0.1 + 498 × 0.2 − 12.50 exactly: no float drift.
    assert.equal(result.totals[0]!.billedCost, '136.9000000000');
  });

  test('more than 1% rejected rows fails with too_many_rejects', async () => {
    const rows = [
      ...Array.from({ length: 95 }, () => focusRow('1.00')),
      ...Array(5).fill(focusRow('abc')),
    ];
    await rejectsWith(
      [write('bad.csv', focusFile(rows))],
      'too_many_rejects',
      /5 of 100.*line \d+/s,
    );
  });

  test('a record with extra fields is a reject with its line', async () => {
    const rows = Array.from({ length: 200 }, () => focusRow('1.00'));
    rows[49] = `${rows[49]},surplus`;
    const { result } = await runEngine(scratch.dir, [write('ragged.csv', focusFile(rows))]);
    assert.equal(result.rowsRead, 200);
    assert.equal(result.rowsRejected, 1);
    assert.deepEqual(result.rejects[0], {
      file: result.files[0]!.name,
      line: 51,
      reason: 'the record has more fields than the header',
    });
  });

  test('scientific notation: rejected in FOCUS, accepted in GCP exports', async () => {
    const rows = [...Array.from({ length: 99 }, () => focusRow('1.00')), focusRow('5e-06')];
    const { result } = await runEngine(scratch.dir, [write('sci.csv', focusFile(rows))], {
      maxRejectRatio: 0.05,
    });
    assert.equal(result.rowsRejected, 1);
    assert.match(result.rejects[0]!.reason, /"5e-06" is not a plain decimal number/);
  });
});

describe('process limits', () => {
  test('wall-clock timeout kills the child and answers timeout', async () => {
    await rejectsWith([fixture('koku/aws/2023-06-01.csv')], 'timeout', /smaller files/, {
      timeoutMs: 50,
    });
  });
});

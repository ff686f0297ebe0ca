import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';

import { DEFAULT_LIMITS } from '../../src/modules/ingestion/engine/engine.types.js';
import { parseHeader, COMMA_DIALECT } from '../../src/modules/ingestion/engine/header.js';
import { runEngine, scratchDir } from '../ingestion/support.js';

/*
 * Property-based tests of billing-file parsing: header lines, money and dates. Each engine run
 * is a child process (seconds), so one run checks a whole file of generated rows.
 */

const scratch = scratchDir();
after(() => scratch.dispose());

const FOCUS_HEADER = (
  'ProviderName,BillingAccountId,BillingAccountName,SubAccountId,BillingCurrency,' +
  'BillingPeriodStart,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ServiceName,' +
  'ResourceId,BilledCost,EffectiveCost,ListCost,Tags'
).split(',');

/** A decimal string with at most 9 integer and 10 fraction digits, in any valid spelling. */
const decimal = fc
  .tuple(
    fc.boolean(),
    fc.bigInt({ min: 0n, max: 999_999_999n }),
    fc.integer({ min: 0, max: 10 }),
    fc.bigInt({ min: 0n, max: 9_999_999_999n }),
    fc.constantFrom('', '0', '00'),
  )
  .map(([negative, whole, scale, fraction, zeros]) => {
    const digits = scale === 0 ? '' : (fraction % 10n ** BigInt(scale)).toString();
    const frac = digits.padStart(scale, '0');
    const text = scale === 0 ? `${zeros}${whole}` : `${zeros}${whole}.${frac}`;
    return negative ? `-${text}` : text;
  });

/** Values no billing export writes as money: each must reject its row, never load it. */
const notMoney = fc.oneof(
  decimal.map((d) => `${d}x`),
  decimal.filter((d) => d.includes('.')).map((d) => d.replace('.', ',')),
  decimal.map((d) => `--${d}`),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '0x1F', '1 000', '１２', '١٢', '1.2.3', '$5'),
  fc.constantFrom('1e308', '9999999999999', '-1000000000000.5', '💸', 'null()', "1'; drop"),
);

/** A charge hour within September 2024 in the spellings FOCUS files use. */
const hour = fc
  .tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 22 }), fc.nat(2))
  .map(([day, h, style]) => {
    const d = `2024-09-${String(day).padStart(2, '0')}`;
    const t = `${String(h).padStart(2, '0')}:00:00`;
    return [`${d}T${t}Z`, `${d} ${t}`, `${d}T${t}.000+00:00`][style]!;
  });

const notDate = fc.oneof(
  fc.constantFrom('2024-02-30T00:00:00Z', '9999-12-31T00:00:00Z', '1899-01-01T00:00:00Z'),
  fc.constantFrom('yesterday', '2024-13-01', '2024-09-01T25:00:00Z', '0000-00-00', '2024/09/01'),
  // Random text, minus what could be a date (ISO or M/D/YYYY) or a null literal.
  fc
    .string({ minLength: 1, maxLength: 12 })
    .filter((s) => s.trim() !== '' && !/\d{4}|^null$/i.test(s.trim())),
);

let fileNo = 0;
function focusFile(rows: string[][]): string {
  fileNo += 1;
  const path = join(scratch.dir, `fuzz-${fileNo}.csv`);
  writeFileSync(path, stringify([FOCUS_HEADER, ...rows]));
  return path;
}

function row(cost: string, start: string): string[] {
  const end = start.replace(
    /([ T])(\d{2})/,
    (_, sep: string, h: string) => `${sep}${String(Number(h) + 1).padStart(2, '0')}`,
  );
  const account = ['AWS', '000123456789', 'Payer', '000999999999', 'USD', '2024-09-01T00:00:00Z'];
  return [...account, start, end, 'Usage', 'Amazon EC2', 'i-1', cost, cost, cost, '{}'];
}

/** The exact decimal sum, through BigInt at 10 decimal places. */
function exactSum(values: string[]): string {
  const total = values.reduce((acc, v) => {
    const [whole, fraction = ''] = v.replace('-', '').split('.');
    const scaled = BigInt(`${whole || '0'}${fraction.padEnd(10, '0')}`);
    return acc + (v.startsWith('-') ? -scaled : scaled);
  }, 0n);
  const digits = (total < 0n ? -total : total).toString().padStart(11, '0');
  return `${total < 0n ? '-' : ''}${digits.slice(0, -10)}.${digits.slice(-10)}`;
}

const canonical = (v: string) => {
  let s = v.includes('.') ? v.replace(/0+$/, '').replace(/\.$/, '') : v;
  s = s.replace(/^(-?)0+(\d)/, '$1$2');
  return s === '-0' ? '0' : s;
};

describe('billing file parsing, property-based', () => {
  it('header lines: names come back as written, or the file fails as bad_header', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 40 }),
        (names) => {
          const line = stringify([names]).replace(/\r?\n$/, '');
          try {
            const parsed = parseHeader('f.csv', line, COMMA_DIALECT, DEFAULT_LIMITS);
            assert.deepEqual(
              parsed,
              names.map((n) => n.trim()),
            );
          } catch (err) {
            assert.equal((err as { code?: string }).code, 'bad_header', String(err));
          }
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (line) => {
        try {
          parseHeader('f.csv', line, COMMA_DIALECT, DEFAULT_LIMITS);
        } catch (err) {
          assert.equal((err as { code?: string }).code, 'bad_header', String(err));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('money and dates: valid rows load exactly, hostile values only reject their row', async () => {
    await fc.assert(
      fc.asyncProperty(
        // The engine refuses a whole file past 1 % bad rows: at most 3 in 300 stay under it.
        fc.array(fc.tuple(decimal, hour), { minLength: 300, maxLength: 400 }),
        fc.array(fc.oneof(fc.tuple(notMoney, hour), fc.tuple(decimal, notDate)), {
          maxLength: 3,
        }),
        async (good, bad) => {
          const rows = [...good, ...bad].map(([cost, start]) => row(cost, start));
          const { result } = await runEngine(scratch.dir, [focusFile(rows)]);
          assert.equal(result.rowsRead, rows.length);
          assert.equal(result.rowsRejected, bad.length, JSON.stringify(result.rejects));
          const usd = result.totals.find((x) => x.currency === 'USD');
          assert.equal(canonical(usd!.billedCost), canonical(exactSum(good.map(([c]) => c))));
          assert.equal(usd!.lineCount, good.length);
        },
      ),
      { numRuns: 6 },
    );
  });

  it('past 1 % hostile rows the whole file fails as too_many_rejects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(decimal, hour), { minLength: 1, maxLength: 50 }),
        fc.array(fc.oneof(fc.tuple(notMoney, hour), fc.tuple(decimal, notDate)), {
          minLength: 1,
          maxLength: 20,
        }),
        async (good, bad) => {
          const rows = [...bad, ...good].map(([cost, start]) => row(cost, start));
          await assert.rejects(runEngine(scratch.dir, [focusFile(rows)]), (err: Error) => {
            assert.equal((err as { code?: string }).code, 'too_many_rejects', err.message);
            return true;
          });
        },
      ),
      { numRuns: 3 },
    );
  });
});

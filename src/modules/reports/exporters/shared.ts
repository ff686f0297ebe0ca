/** Plumbing shared by the exporters: streams, completion promises and small grouping helpers. */
import { once } from 'node:events';
import { Transform, type Readable, type Writable } from 'node:stream';

import type { AccountSpend, CurrencyCode, DailyDetailRow, RowSource } from '../report.types.js';

/** A promise whose rejection is observed, so an export nobody audits cannot crash the process. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * Waits while the stream's consumer is behind (a slow download), so rows are produced no faster
 * than they leave. Returns at once when the stream has room or is already gone.
 */
export async function waitForRoom(stream: Writable): Promise<void> {
  if (!stream.writableNeedDrain || stream.destroyed) return;
  const ac = new AbortController();
  try {
    await Promise.race([
      once(stream, 'drain', { signal: ac.signal }),
      once(stream, 'close', { signal: ac.signal }),
    ]);
  } finally {
    ac.abort();
  }
}

/** Lets zlib and the consumer run between batches of synchronous row writes. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Joins many small chunks into ~64 KiB ones: one write per CSV record would cost a syscall or
 * a zlib call each when the reply is compressed.
 */
export function coalesce(size = 64 * 1024): Transform {
  let parts: Buffer[] = [];
  let length = 0;
  return new Transform({
    transform(chunk: Buffer | string, _encoding, callback) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      parts.push(buffer);
      length += buffer.length;
      if (length >= size) {
        this.push(Buffer.concat(parts, length));
        parts = [];
        length = 0;
      }
      callback();
    },
    flush(callback) {
      if (length > 0) this.push(Buffer.concat(parts, length));
      callback();
    },
  });
}

export async function* iterate<T>(source: RowSource<T>): AsyncGenerator<T> {
  for await (const row of source as AsyncIterable<T>) yield row;
}

/** Currencies in the report's order: the given order first, then any other in appearance order. */
export function orderedCurrencies(
  preferred: readonly CurrencyCode[],
  rows: ReadonlyArray<{ currency: CurrencyCode }>,
): CurrencyCode[] {
  const seen = new Set(preferred);
  const out = [...preferred];
  for (const row of rows) {
    if (!seen.has(row.currency)) {
      seen.add(row.currency);
      out.push(row.currency);
    }
  }
  return out;
}

export function byCurrency<T extends { currency: CurrencyCode }>(
  rows: readonly T[],
  currency: CurrencyCode,
): T[] {
  return rows.filter((row) => row.currency === currency);
}

const digitsCache = new Map<CurrencyCode, number>();

/** Fraction digits a currency is shown with (2 for USD, 0 for CLP and COP in CLDR). */
export function currencyDigits(currency: CurrencyCode): number {
  // Building an Intl formatter costs more than writing a spreadsheet cell: once per currency.
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** Resolves when a readable has been fully consumed or fails; for exporters that own one. */
export function settleWith(stream: Readable, rows: () => number) {
  const done = deferred<{ rows: number }>();
  stream.once('end', () => done.resolve({ rows: rows() }));
  stream.once('error', (error) => done.reject(error));
  stream.once('close', () => {
    if (!stream.readableEnded) done.reject(new Error('report stream closed before its end'));
  });
  return done.promise;
}

/**
 * The daily detail's account name, resolved as the accounts table resolves it (cloud account
 * name, then the billing data's, then the id): a fact often carries no name of its own, and a
 * sheet where "Accounts" names an account that "Detail" leaves blank reads as missing data.
 */
export function accountNameResolver(accounts: readonly AccountSpend[]): {
  of(row: Pick<DailyDetailRow, 'accountId' | 'accountName'>): string;
} {
  const names = new Map<string, string>();
  for (const a of accounts) if (a.accountName) names.set(a.accountId, a.accountName);
  return { of: (row) => row.accountName || names.get(row.accountId) || row.accountId };
}

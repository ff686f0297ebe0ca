/**
 * Pure helpers shared by the report exporters: decimal text, spreadsheet-safe strings, the
 * reporting period and the download's file name.
 */
import { AppError } from '../../lib/errors.js';
import type { Decimal, IsoDate, ReportFormat, ReportLocale, ReportPeriod } from './report.types.js';

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

/** A model that breaks the money rules is a provider bug, never the caller's fault. */
export function assertDecimal(value: unknown, what: string): asserts value is Decimal {
  if (typeof value !== 'string' || !DECIMAL_RE.test(value)) {
    throw new AppError('internal', 'The report could not be built', {
      cause: new Error(`report model: ${what} is not a decimal string: ${String(value)}`),
    });
  }
}

/** For spreadsheet cells and chart scales; display text goes through `Intl` with the string. */
export function decimalToNumber(value: Decimal): number {
  assertDecimal(value, 'amount');
  return Number(value);
}

/**
 * The exact value with NUMERIC padding removed: "1234.5600" → "1234.56", "-12.5000" → "-12.5",
 * "-0.0000" → "0". Used where the text itself is the number (CSV), so no float ever rounds it.
 */
export function canonicalDecimal(value: Decimal, decimalSeparator: '.' | ',' = '.'): string {
  assertDecimal(value, 'amount');
  let [int = '0', frac = ''] = value.split('.');
  frac = frac.replace(/0+$/, '');
  const negative = int.startsWith('-');
  const digits = (negative ? int.slice(1) : int).replace(/^0+(?=\d)/, '');
  const isZero = /^0+$/.test(digits) && frac === '';
  const sign = negative && !isZero ? '-' : '';
  return frac === '' ? `${sign}${digits}` : `${sign}${digits}${decimalSeparator}${frac}`;
}

/**
 * Money as a reader compares it with the PDF: exactly two decimals, rounded half up (away from
 * zero) on the decimal digits themselves, never through a float ("2.675" → "2.68", where
 * `Number("2.675").toFixed(2)` gives "2.67"). "-0.001" gives "0.00".
 */
export function moneyDecimal(value: Decimal, decimalSeparator: '.' | ',' = '.'): string {
  assertDecimal(value, 'amount');
  const negative = value.startsWith('-');
  const [int = '0', frac = ''] = (negative ? value.slice(1) : value).split('.');
  const padded = frac.padEnd(3, '0');
  let cents = BigInt(`${int}${padded.slice(0, 2)}`);
  if (Number(padded[2]) >= 5) cents += 1n;

  const digits = cents.toString().padStart(3, '0');
  const sign = negative && cents !== 0n ? '-' : '';
  return `${sign}${digits.slice(0, -2)}${decimalSeparator}${digits.slice(-2)}`;
}

// Spreadsheet programs run a cell that starts with one of these as a formula or a DDE command
// (CWE-1236); NUL is included because some importers drop it and expose the next character.
const FORMULA_TRIGGER = /^[=+\-@\t\r\0]/;

/** A text cell for CSV or XLSX: a leading `'` makes Excel and LibreOffice show it as text. */
export function neutralizeSpreadsheetText(value: string): string {
  return FORMULA_TRIGGER.test(value) ? `'${value}` : value;
}

/* --------------------------------------------------------------------------------------------
 * Period
 * ------------------------------------------------------------------------------------------ */

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Longest window a report may cover; the daily charts stop being readable beyond it. */
const MAX_PERIOD_DAYS = 366;

function isRealDate(value: string): boolean {
  if (!DATE_RE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

function monthPeriod(year: number, month: number): ReportPeriod {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const last = new Date(Date.UTC(year, month, 0));
  return {
    from: first.toISOString().slice(0, 10),
    to: last.toISOString().slice(0, 10),
    month: first.toISOString().slice(0, 7),
  };
}

/**
 * The period of `?period=YYYY-MM` or `?from=&to=` (inclusive days), defaulting to the last full
 * month before `now` in UTC.
 */
export function resolveReportPeriod(
  query: { period?: string | undefined; from?: string | undefined; to?: string | undefined },
  now: Date,
): ReportPeriod {
  if (query.period !== undefined && (query.from !== undefined || query.to !== undefined)) {
    throw new AppError('validation_failed', 'Send either period or from and to, not both');
  }

  if (query.period !== undefined) {
    const match = MONTH_RE.exec(query.period);
    if (!match) {
      throw new AppError('validation_failed', `period "${query.period}" is not a YYYY-MM month`);
    }
    return monthPeriod(Number(match[1]), Number(match[2]));
  }

  if (query.from !== undefined || query.to !== undefined) {
    const { from, to } = query;
    if (from === undefined || to === undefined || !isRealDate(from) || !isRealDate(to)) {
      throw new AppError('validation_failed', 'from and to must both be YYYY-MM-DD dates');
    }
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    if (days < 1 || days > MAX_PERIOD_DAYS) {
      throw new AppError(
        'validation_failed',
        `from must not be after to, and the period may span at most ${MAX_PERIOD_DAYS} days`,
      );
    }
    const whole = monthPeriod(Number(from.slice(0, 4)), Number(from.slice(5, 7)));
    return { from, to, month: whole.from === from && whole.to === to ? whole.month : null };
  }

  return monthPeriod(now.getUTCFullYear(), now.getUTCMonth());
}

/** "2024-09" for a month, "2024-09-01_2024-09-15" for any other window. */
export function periodSlug(period: ReportPeriod): string {
  return period.month ?? `${period.from}_${period.to}`;
}

/** Every billing day of the period, in order. */
export function periodDays(period: ReportPeriod): IsoDate[] {
  const days: IsoDate[] = [];
  for (let t = Date.parse(period.from); t <= Date.parse(period.to); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/* --------------------------------------------------------------------------------------------
 * File name and Content-Disposition (RFC 6266 + RFC 8187)
 * ------------------------------------------------------------------------------------------ */

/** A slug-like fragment: lower-case ASCII letters, digits and single hyphens. */
function fileNamePart(value: string): string {
  const ascii = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return ascii.slice(0, 63) || 'report';
}

/**
 * e.g. `finopslatam-acme-2024-09-es.pdf`, or `finopslatam-admin-2024-09-pt-BR.xlsx`. The
 * language is part of the name so the three versions of one report can sit in one folder.
 */
export function reportFileName(
  subject: string,
  period: ReportPeriod,
  format: ReportFormat,
  language: ReportLocale,
): string {
  // Locales are a closed list, but the name must stay header-safe whatever reaches here.
  const lang = /^[A-Za-z]{2}(-[A-Za-z]{2})?$/.test(language) ? language : 'es';
  return `finopslatam-${fileNamePart(subject)}-${periodSlug(period)}-${lang}.${format}`;
}

// RFC 8187 attr-char: everything else in the UTF-8 bytes is percent-encoded.
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

function encodeRfc8187(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out +=
      byte < 0x80 && ATTR_CHAR.test(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * `attachment; filename="…"; filename*=UTF-8''…`. Control characters (CR/LF above all: header
 * injection), quotes, backslashes and path separators are removed whatever the name's source;
 * the quoted form is an ASCII fallback for old clients, `filename*` carries the exact name.
 */
export function contentDisposition(fileName: string): string {
  const cleaned = fileName
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/["\\/]/g, '_')
    .trim()
    .slice(0, 200);
  const name = cleaned === '' || cleaned === '.' || cleaned === '..' ? 'report' : cleaned;
  const fallback = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8; header=present',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

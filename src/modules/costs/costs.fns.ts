/*
 * Pure helpers of the cost analytics: UTC calendar arithmetic on `YYYY-MM-DD` strings, exact
 * decimal addition on strings, and the forecast regression. Nothing here touches the database.
 */

const DAY_MS = 86_400_000;

function toMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

function fromMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function todayUtc(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return fromMs(toMs(day) + n * DAY_MS);
}

/** Days from `a` to `b`; `daysBetween(d, d) = 0`. */
export function daysBetween(a: string, b: string): number {
  return Math.round((toMs(b) - toMs(a)) / DAY_MS);
}

export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

export function monthEnd(day: string): string {
  const d = new Date(toMs(monthStart(day)));
  d.setUTCMonth(d.getUTCMonth() + 1);
  return fromMs(d.getTime() - DAY_MS);
}

export function addMonths(day: string, n: number): string {
  const d = new Date(toMs(monthStart(day)));
  d.setUTCMonth(d.getUTCMonth() + n);
  return fromMs(d.getTime());
}

export function minDay(a: string, b: string): string {
  return a < b ? a : b;
}

/** Monday = 0 … Sunday = 6 (ISO order, so Monday is the regression's base day). */
export function isoWeekday(day: string): number {
  return (new Date(toMs(day)).getUTCDay() + 6) % 7;
}

// ---------------------------------------------------------------------------------------------
// Rollup grains
// ---------------------------------------------------------------------------------------------

export interface GrainPiece {
  grain: 'day' | 'month';
  from: string;
  to: string;
}

/**
 * Splits `[from, to]` into pieces read at the coarsest grain the question allows: whole
 * calendar months as month rows, the rest as day rows. `cuts` are days on which some figure of
 * the question starts or stops counting (a comparison period, month to date…); no month piece
 * straddles one, so every row of a month piece falls on the same side of every cut.
 */
export function grainPieces(from: string, to: string, cuts: readonly string[] = []): GrainPiece[] {
  const starts = [...new Set([from, ...cuts.filter((c) => c > from && c <= to)])].sort();
  const pieces: GrainPiece[] = [];
  starts.forEach((a, i) => {
    const b = i + 1 < starts.length ? addDays(starts[i + 1]!, -1) : to;
    const firstMonth = a === monthStart(a) ? a : addMonths(a, 1);
    const lastMonthEnd = b === monthEnd(b) ? b : addDays(monthStart(b), -1);
    if (firstMonth > lastMonthEnd) {
      pieces.push({ grain: 'day', from: a, to: b });
      return;
    }
    if (a < firstMonth) pieces.push({ grain: 'day', from: a, to: addDays(firstMonth, -1) });
    pieces.push({ grain: 'month', from: firstMonth, to: monthStart(lastMonthEnd) });
    if (lastMonthEnd < b) pieces.push({ grain: 'day', from: addDays(lastMonthEnd, 1), to: b });
  });
  return pieces;
}

// ---------------------------------------------------------------------------------------------
// Exact decimals: money arrives from PostgreSQL as NUMERIC text and must not become a float sum.
// ---------------------------------------------------------------------------------------------

const SCALE = 10;
const SCALE_FACTOR = 10n ** BigInt(SCALE);

function toScaled(value: string): bigint {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!match) throw new Error(`not a decimal: ${value}`);
  const [, sign, int, frac = ''] = match;
  const digits = BigInt((int || '0') + frac.padEnd(SCALE, '0').slice(0, SCALE));
  return sign === '-' ? -digits : digits;
}

function fromScaled(v: bigint): string {
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const int = abs / SCALE_FACTOR;
  const frac = (abs % SCALE_FACTOR).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Sum of decimal strings, exact to 10 places (the scale of the fact table's money columns). */
export function addDecimals(...values: string[]): string {
  return fromScaled(values.reduce((acc, v) => acc + toScaled(v), 0n));
}

/** A float estimate rounded half away from zero to cents, as a decimal string. */
export function centsOf(value: number): string {
  const cents = Math.round(Math.abs(value) * 100) * Math.sign(value);
  const scaled = BigInt(cents) * (SCALE_FACTOR / 100n);
  return fromScaled(scaled);
}

// ---------------------------------------------------------------------------------------------
// Forecast: least squares with a linear trend and weekday offsets.
// ---------------------------------------------------------------------------------------------

/** Regressor row of day index t: intercept, trend, and Tuesday…Sunday indicators. */
function regressors(t: number, weekday: number): number[] {
  const row = [1, t, 0, 0, 0, 0, 0, 0];
  if (weekday > 0) row[weekday + 1] = 1;
  return row;
}

/** Inverse of a small symmetric positive-definite matrix by Gauss-Jordan with pivoting. */
function invert(m: number[][]): number[][] | null {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let r = col + 1; r < n; r += 1) {
      if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    }
    if (Math.abs(a[pivot]![col]!) < 1e-12) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    for (let j = 0; j < 2 * n; j += 1) a[col]![j]! /= p;
    for (let r = 0; r < n; r += 1) {
      if (r === col) continue;
      const factor = a[r]![col]!;
      if (factor === 0) continue;
      for (let j = 0; j < 2 * n; j += 1) a[r]![j]! -= factor * a[col]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

export interface DailyModel {
  /** Predicted total and 95 % interval over the days [fromDay, toDay]. */
  predictSum(fromDay: string, toDay: string): { mean: number; lower: number; upper: number };
  residualStdDev: number;
}

/**
 * Fits y = a + b·t + weekday offsets on a dense daily series (`days[0]` is t = 0). Returns null
 * when the system is singular (it cannot be with 14 consecutive days or more).
 */
export function fitDailyModel(firstDay: string, values: number[]): DailyModel | null {
  const k = 8;
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  const rows = values.map((y, t) => {
    const x = regressors(t, isoWeekday(addDays(firstDay, t)));
    for (let i = 0; i < k; i += 1) {
      xty[i]! += x[i]! * y;
      for (let j = 0; j < k; j += 1) xtx[i]![j]! += x[i]! * x[j]!;
    }
    return x;
  });

  const inv = invert(xtx);
  if (!inv) return null;
  const beta = inv.map((row) => row.reduce((s, v, j) => s + v * xty[j]!, 0));
  const dot = (x: number[]) => x.reduce((s, v, i) => s + v * beta[i]!, 0);

  const sse = rows.reduce((s, x, t) => s + (values[t]! - dot(x)) ** 2, 0);
  const dof = Math.max(values.length - k, 1);
  const sigma = Math.sqrt(sse / dof);

  return {
    residualStdDev: sigma,
    predictSum(fromDay, toDay) {
      const start = daysBetween(firstDay, fromDay);
      const h = daysBetween(fromDay, toDay) + 1;
      if (h <= 0) return { mean: 0, lower: 0, upper: 0 };
      const xs = new Array<number>(k).fill(0);
      for (let i = 0; i < h; i += 1) {
        const x = regressors(start + i, isoWeekday(addDays(fromDay, i)));
        for (let j = 0; j < k; j += 1) xs[j]! += x[j]!;
      }
      const mean = dot(xs);
      const invXs = inv.map((row) => row.reduce((t, v, j) => t + v * xs[j]!, 0));
      const leverage = xs.reduce((s, xi, i) => s + xi * invXs[i]!, 0);
      const half = 1.96 * sigma * Math.sqrt(h + leverage);
      return { mean, lower: mean - half, upper: mean + half };
    },
  };
}

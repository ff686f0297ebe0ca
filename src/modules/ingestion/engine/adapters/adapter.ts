import type { Mapper, SourceColumn } from '../sql.js';

/** Columns of one normalized line, before daily aggregation (DuckDB expressions). */
export const LINE_DIMENSIONS = [
  'provider',
  'billing_account_id',
  'billing_account_name',
  'sub_account_id',
  'sub_account_name',
  'billing_period_start',
  'charge_date',
  'service_name',
  'service_category',
  'service_code',
  'region_id',
  'resource_id',
  'resource_type',
  'sku_id',
  'usage_type',
  'operation',
  'instance_type',
  'line_item_type',
  'charge_category',
  'charge_class',
  'pricing_category',
  'commitment_id',
  'commitment_type',
  'commitment_category',
  'commitment_status',
  'billing_currency',
  'tags',
  'x',
  'usage_unit',
] as const;

export const LINE_METRICS = [
  'billed_cost',
  'net_billed_cost',
  'effective_cost',
  'net_effective_cost',
  'list_cost',
  'usage_quantity',
] as const;

export type LineDimension = (typeof LINE_DIMENSIONS)[number];
export type LineMetric = (typeof LINE_METRICS)[number];
export type LineSelect = Record<LineDimension | LineMetric, string>;

export interface HeaderInfo {
  columns: readonly SourceColumn[];
  /** Lower-cased names, for detection. */
  lower: ReadonlySet<string>;
}

/**
 * One billing export format. `detect` scores a header in 0..1 (share of signature columns
 * present); the best score above 0.5 wins. `map` turns one raw row into a normalized line.
 */
export interface FormatAdapter {
  readonly id: string;
  detect(header: HeaderInfo): number;
  version(header: HeaderInfo): string | null;
  /** Column groups of which one name must be present, checked after detection. */
  readonly required: readonly (readonly string[])[];
  readonly nullLiterals?: readonly string[];
  /**
   * AWS CUR CSVs write `1.81E-8` and GCP `5e-06` for tiny amounts, so those formats accept an
   * exponent (at most two digits); FOCUS and Azure must send plain decimals.
   */
  readonly exponents?: boolean;
  map(m: Mapper): LineSelect;
}

export function share(header: HeaderInfo, names: readonly string[]): number {
  const hits = names.filter((name) => header.lower.has(name.toLowerCase())).length;
  return hits / names.length;
}

export const FOCUS_CHARGE_CATEGORIES = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'];

/** A DATE for the first day of the month of a TIMESTAMP expression. */
export function monthStart(expr: string): string {
  return `CAST(date_trunc('month', ${expr}) AS DATE)`;
}

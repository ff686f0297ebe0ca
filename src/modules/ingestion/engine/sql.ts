/**
 * SQL building blocks for DuckDB: every value is read as text (or as the Parquet physical type)
 * and cast here with validation, so money never goes through DOUBLE by guesswork and account
 * ids keep their leading zeros. Each validation registers a reject reason; a row with any reason
 * is counted as rejected instead of loaded.
 */

export const MONEY_TYPE = 'DECIMAL(38,10)';

/** Per line; sums must still fit numeric(24,10) in PostgreSQL. */
const MONEY_LIMIT = '1000000000000';
const QUANTITY_LIMIT = '1000000000000000000';

const PLAIN_DECIMAL_RE = '-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)';
const SCIENTIFIC_DECIMAL_RE = `${PLAIN_DECIMAL_RE}([eE][-+]?[0-9]{1,2})?`;
const ISO_TIME_RE =
  '[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?)? ?' +
  '(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)?';
const US_DATE_RE = '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}( .*)?';

export function lit(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface SourceColumn {
  /** Header name as written in the file. */
  name: string;
  /** SQL reference in the source relation. */
  ref: string;
  /** DuckDB type: VARCHAR for CSV, the physical type for Parquet. */
  type: string;
}

export interface MapperOptions {
  /** Literal tokens meaning "no value" besides the empty string (FOCUS samples write NULL). */
  nullLiterals?: string[];
  /** Upper bound of plausible dates (now + 1 year), fixed per run for reproducibility. */
  latestTime: Date;
  /** Whether this format writes numbers in scientific notation (AWS CUR and GCP do). */
  exponents?: boolean;
}

export interface MoneyOptions {
  required?: boolean;
  /** Overrides the format's `exponents` for one column (quantities always allow them). */
  scientific?: boolean;
}

/**
 * Resolves header names and turns raw columns into validated, typed SQL expressions.
 *
 * Each cleaned text value, typed value and parsed date is computed once per row in a projection
 * below the line select (`from()`), and the line expressions and reject checks refer to it by
 * alias. Inlining them instead repeated the same regex, cast and timestamp parse in every check
 * and metric that used the column (up to eight times for a usage start date), which is where
 * most of the engine's time went.
 */
export class Mapper {
  private readonly exact = new Map<string, SourceColumn>();
  private readonly folded = new Map<string, SourceColumn | null>();
  /** Reject checks in registration order; a Set because columns are validated once. */
  private readonly checks = new Set<string>();
  /** expression → alias: [0] over raw columns, [1] over [0]'s aliases. */
  private readonly stages: [Map<string, string>, Map<string, string>] = [new Map(), new Map()];

  constructor(
    readonly columns: readonly SourceColumn[],
    private readonly options: MapperOptions,
  ) {
    for (const column of columns) {
      this.exact.set(column.name, column);
      const key = column.name.toLowerCase();
      // Two names differing only in case make the case-insensitive lookup ambiguous.
      this.folded.set(key, this.folded.has(key) ? null : column);
    }
  }

  find(...names: string[]): SourceColumn | undefined {
    for (const name of names) {
      const hit = this.exact.get(name) ?? this.folded.get(name.toLowerCase());
      if (hit) return hit;
    }
    return undefined;
  }

  has(...names: string[]): boolean {
    return this.find(...names) !== undefined;
  }

  /** Text of the first present column, NULL when absent, empty or a null literal. */
  text(...names: string[]): string {
    const column = this.find(...names);
    return column ? this.textOf(column) : 'NULL::VARCHAR';
  }

  textOf(column: SourceColumn): string {
    if (column.type !== 'VARCHAR') return this.derive(0, `CAST(${column.ref} AS VARCHAR)`);
    const nulls = ['', ...(this.options.nullLiterals ?? [])].map(lit).join(', ');
    return this.derive(0, `CASE WHEN ${column.ref} IN (${nulls}) THEN NULL ELSE ${column.ref} END`);
  }

  /**
   * An expression over text values (`text`, `textOf`) evaluated once per row, for one that
   * several line expressions use (CUR 2.0 parses its `product` map once, not once per key).
   * It sits in the same projection as typed values, so it may not read `money`/`time` results.
   */
  once(expr: string): string {
    return this.derive(1, expr);
  }

  private derive(stage: 0 | 1, expr: string): string {
    const known = this.stages[stage].get(expr);
    if (known) return known;
    const alias = `__v${stage}_${this.stages[stage].size}`;
    this.stages[stage].set(expr, alias);
    return alias;
  }

  /** The source relation with the once-per-row values added as columns. */
  from(relation: string): string {
    let sql = relation;
    for (const stage of this.stages) {
      if (stage.size === 0) continue;
      const columns = [...stage].map(([expr, alias]) => `${expr} AS ${alias}`).join(',\n  ');
      sql = `(SELECT *,\n  ${columns}\nFROM ${sql})`;
    }
    return sql;
  }

  /** Registers a reject reason: `condition` true means the row is rejected with `reason`. */
  check(condition: string, reason: string): void {
    this.checks.add(`CASE WHEN ${condition} THEN ${reason} END`);
  }

  /** First non-null reason of the row, or NULL for a good row. */
  reason(): string {
    if (this.checks.size === 0) return 'NULL::VARCHAR';
    return `coalesce(${[...this.checks].join(',\n  ')})`;
  }

  /** DECIMAL(38,10) of a money column; NULL when absent or empty (unless required). */
  money(names: string[], options: MoneyOptions = {}): string {
    return this.number(names, MONEY_LIMIT, options);
  }

  quantity(names: string[]): string {
    return this.number(names, QUANTITY_LIMIT, { scientific: true });
  }

  private number(names: string[], limit: string, options: MoneyOptions): string {
    const column = this.find(...names);
    const label = column?.name ?? names[0]!;
    if (!column) {
      if (options.required) this.check('true', lit(`the column ${label} is missing`));
      return `NULL::${MONEY_TYPE}`;
    }

    const value = this.textOf(column);
    if (options.required) this.check(`${value} IS NULL`, lit(`${label} is empty`));

    if (/^(DOUBLE|FLOAT|REAL)$/.test(column.type)) {
      this.check(
        `NOT isfinite(${column.ref}) OR abs(${column.ref}) >= ${limit}`,
        `${lit(`${label}: `)} || CAST(${column.ref} AS VARCHAR) || ' is out of range'`,
      );
      return this.derive(0, `TRY_CAST(${column.ref} AS ${MONEY_TYPE})`);
    }
    if (/^(DECIMAL|BIGINT|INTEGER|HUGEINT|SMALLINT)/.test(column.type)) {
      const cast = this.derive(0, `TRY_CAST(${column.ref} AS ${MONEY_TYPE})`);
      this.check(
        `${column.ref} IS NOT NULL AND (${cast} IS NULL OR abs(${cast}) >= ${limit})`,
        `${lit(`${label}: `)} || CAST(${column.ref} AS VARCHAR) || ' is out of range'`,
      );
      return cast;
    }

    const scientific = options.scientific ?? this.options.exponents ?? false;
    const re = scientific ? SCIENTIFIC_DECIMAL_RE : PLAIN_DECIMAL_RE;
    const what = scientific ? 'a decimal number' : 'a plain decimal number';
    // DECIMAL(18,10) parses several times faster than (38,10) and rounds the same way; only
    // values of 9 or more integer digits take the wide cast.
    const cast = this.derive(
      1,
      `coalesce(TRY_CAST(${value} AS DECIMAL(18,10)), TRY_CAST(${value} AS ${MONEY_TYPE}))`,
    );
    const shown = `left(${value}, 40)`;
    this.check(
      `${value} IS NOT NULL AND NOT regexp_full_match(${value}, ${lit(re)})`,
      `${lit(`${label}: "`)} || ${shown} || ${lit(`" is not ${what}`)}`,
    );
    this.check(
      `${value} IS NOT NULL AND (${cast} IS NULL OR abs(${cast}) >= ${limit})`,
      `${lit(`${label}: "`)} || ${shown} || '" is out of range'`,
    );
    return cast;
  }

  /** UTC TIMESTAMP of a date/time column within 2006-01-01 .. now + 1 year. */
  time(names: string[], options: { required?: boolean } = {}): string {
    const column = this.find(...names);
    const label = column?.name ?? names[0]!;
    if (!column) {
      if (options.required) this.check('true', lit(`the column ${label} is missing`));
      return 'NULL::TIMESTAMP';
    }

    let parsed: string;
    if (/^(TIMESTAMP|DATE)/.test(column.type)) {
      parsed = this.derive(0, `CAST(${column.ref} AS TIMESTAMP)`);
    } else {
      const value = this.textOf(column);
      // Through epoch microseconds rather than CAST(… AS TIMESTAMP): the same instant in UTC,
      // without the ICU time-zone conversion that cost three times the parse itself.
      parsed = this.derive(
        1,
        `CASE WHEN regexp_full_match(${value}, ${lit(ISO_TIME_RE)}) ` +
          `THEN make_timestamp(epoch_us(TRY_CAST(${value} AS TIMESTAMPTZ))) ` +
          `WHEN regexp_full_match(${value}, ${lit(US_DATE_RE)}) ` +
          `THEN try_strptime(split_part(${value}, ' ', 1), '%m/%d/%Y') END`,
      );
      this.check(
        `${value} IS NOT NULL AND (${parsed}) IS NULL`,
        `${lit(`${label}: "`)} || left(${value}, 40) || '" is not a date/time'`,
      );
    }

    const raw = this.textOf(column);
    if (options.required) this.check(`${raw} IS NULL`, lit(`${label} is empty`));
    const latest = this.options.latestTime.toISOString().slice(0, 19).replace('T', ' ');
    this.check(
      `(${parsed}) < TIMESTAMP '2006-01-01' OR (${parsed}) > TIMESTAMP '${latest}'`,
      `${lit(`${label}: `)} || CAST((${parsed}) AS VARCHAR) || ' is outside 2006 to next year'`,
    );
    return parsed;
  }

  /**
   * A JSON object given as text (FOCUS `Tags`, Azure `Tags`), minified; '{}' when empty.
   * `wrapBraces` accepts Azure's `"k": "v","k2": "v2"` without the surrounding braces.
   */
  jsonObject(names: string[], options: { wrapBraces?: boolean } = {}): string {
    const column = this.find(...names);
    if (!column) return "'{}'";
    const raw = this.textOf(column);
    const value = options.wrapBraces
      ? `CASE WHEN ltrim(${raw}) LIKE '{%' THEN ${raw} ELSE '{' || ${raw} || '}' END`
      : raw;
    // CASE, not AND: DuckDB may evaluate both sides of AND, and json_type throws on bad JSON.
    const valid = this.derive(
      1,
      `CASE WHEN json_valid(${value}) THEN json_type(${value}) = 'OBJECT' ELSE false END`,
    );
    this.check(`${raw} IS NOT NULL AND NOT (${valid})`, lit(`${column.name} is not a JSON object`));
    return (
      `CASE WHEN ${raw} IS NULL THEN '{}' ` +
      `WHEN ${valid} THEN CAST(json(${value}) AS VARCHAR) END`
    );
  }
}

/**
 * Product of two money/quantity expressions. DuckDB's DECIMAL × DECIMAL widens the scale and
 * can overflow, so estimates such as list cost (price × quantity) go through DOUBLE and are
 * rounded back to 10 places; never used for invoiced amounts.
 */
export function estimateProduct(a: string, b: string): string {
  return `TRY_CAST(round(CAST(${a} AS DOUBLE) * CAST(${b} AS DOUBLE), 10) AS ${MONEY_TYPE})`;
}

/**
 * JSON object text from (key, SQL text expression) pairs, leaving out NULL values. Built by
 * concatenation (keys escaped here, values by to_json): building a MAP per row and serializing
 * it cost as much as the rest of a legacy CUR line. Keys must be distinct.
 */
export function jsonFromPairs(pairs: [string, string][]): string {
  if (pairs.length === 0) return "'{}'";
  const members = pairs.map(
    ([key, expr]) =>
      `CASE WHEN ${expr} IS NOT NULL ` +
      `THEN ${lit(`${JSON.stringify(key)}:`)} || CAST(to_json(${expr}) AS VARCHAR) END`,
  );
  return `'{' || concat_ws(',', ${members.join(', ')}) || '}'`;
}

/** SQL CASE mapping exact values through a table, with a default expression. */
export function caseMap(expr: string, table: Record<string, string>, fallback: string): string {
  const whens = Object.entries(table)
    .map(([from, to]) => `WHEN ${lit(from)} THEN ${lit(to)}`)
    .join(' ');
  return `CASE ${expr} ${whens} ELSE ${fallback} END`;
}

import { LINE_DIMENSIONS, LINE_METRICS } from './adapters/adapter.js';
import { lit } from './sql.js';

/**
 * Column order of the COPY file: the columns of `cost_daily_staging` except its bigserial id,
 * built from the engine's own line columns so the two lists cannot drift apart.
 * The loader names them explicitly, so a schema change that reorders columns changes nothing.
 */
export const FACT_COLUMNS = [
  'client_id',
  'ingestion_id',
  ...LINE_DIMENSIONS,
  ...LINE_METRICS,
  'line_count',
] as const;

/**
 * DuckDB writes the COPY file itself (COPY … TO), in PostgreSQL's text format: no quoting at
 * all, `\N` for NULL, and each text value escaped in SQL by `copyText`. Streaming the facts
 * through JavaScript instead cost more than the aggregation for files with many resources.
 */
export const COPY_TEXT_OPTIONS =
  "FORMAT csv, DELIMITER '\t', QUOTE '', ESCAPE '', HEADER false, NULLSTR '\\N'";

/**
 * One text field: backslash, tab, newline and carriage return escaped as PostgreSQL's text
 * format wants; NUL cannot be stored in PostgreSQL text at all, so it is dropped.
 */
export function copyText(expr: string): string {
  const pairs: [string, string][] = [
    ["'\\'", "'\\\\'"],
    ['chr(9)', "'\\t'"],
    ['chr(10)', "'\\n'"],
    ['chr(13)', "'\\r'"],
    ['chr(0)', "''"],
  ];
  const escaped = pairs.reduce((sql, [from, to]) => `replace(${sql}, ${from}, ${to})`, expr);
  // Almost no value needs escaping, and five searches cost a fraction of five replaces.
  const needs = pairs.map(([from]) => `strpos(${expr}, ${from}) > 0`).join(' OR ');
  return `CASE WHEN ${needs} THEN ${escaped} ELSE ${expr} END`;
}

/** SELECT of the COPY file's rows from `table`, whose VARCHAR columns are `textColumns`. */
export function copySelect(
  table: string,
  ids: { clientId: string; ingestionId: string },
  textColumns: ReadonlySet<string>,
): string {
  const values = FACT_COLUMNS.slice(2).map((c) => (textColumns.has(c) ? copyText(c) : c));
  return `SELECT ${lit(ids.clientId)}, ${lit(ids.ingestionId)}, ${values.join(', ')} FROM ${table}`;
}

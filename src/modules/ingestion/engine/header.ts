import { parse } from 'csv-parse/sync';

import { IngestionEngineError, type EngineLimits } from './engine.types.js';

/** How a CSV file splits into fields; Hive text exports (Athena CTAS) use \x01 and `\N`. */
export interface CsvDialect {
  delimiter: string;
  quote: string | null;
  nullStrings: string[];
}

export const COMMA_DIALECT: CsvDialect = { delimiter: ',', quote: '"', nullStrings: [''] };
export const HIVE_DIALECT: CsvDialect = {
  delimiter: '\x01',
  quote: null,
  nullStrings: ['\\N', ''],
};

/** Names that would reach `Object.prototype` if a header were ever used as object keys. */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

export function dialectOf(headerLine: string): CsvDialect {
  return headerLine.includes('\x01') ? HIVE_DIALECT : COMMA_DIALECT;
}

export function parseHeader(
  fileName: string,
  headerLine: string,
  dialect: CsvDialect,
  limits: EngineLimits,
): string[] {
  let names: string[];
  if (dialect.quote === null) {
    names = headerLine.split(dialect.delimiter);
  } else {
    try {
      const rows = parse(headerLine, { delimiter: dialect.delimiter, relax_column_count: true });
      names = (rows[0] ?? []) as string[];
    } catch (err) {
      throw new IngestionEngineError(
        'bad_header',
        `The first line of "${fileName}" is not a valid CSV header (unbalanced quotes). ` +
          'Upload the export as the provider produced it.',
        { cause: err },
      );
    }
  }
  names = names.map((name) => name.trim());
  checkNames(fileName, names, limits);
  return names;
}

export function checkNames(fileName: string, names: string[], limits: EngineLimits): void {
  if (names.length > limits.maxColumns) {
    throw new IngestionEngineError(
      'bad_header',
      `"${fileName}" has ${names.length} columns; at most ${limits.maxColumns} are accepted.`,
    );
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (FORBIDDEN_NAMES.has(name.toLowerCase())) {
      throw new IngestionEngineError(
        'bad_header',
        `"${fileName}" has a column named "${name}", which no billing export uses. ` +
          'Upload the export as the provider produced it.',
      );
    }
    if (name !== '' && seen.has(name)) {
      throw new IngestionEngineError(
        'bad_header',
        `"${fileName}" has the column "${name}" twice, so its values would be ambiguous. ` +
          'Remove the duplicate column or export the report again.',
      );
    }
    seen.add(name);
  }
}

import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

import { LINE_DIMENSIONS, LINE_METRICS } from './adapters/adapter.js';

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

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;

/**
 * One field in PostgreSQL COPY text format: `\N` for NULL; backslash, tab, newline and carriage
 * return escaped. NUL cannot be stored in PostgreSQL text at all, so it is dropped.
 */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('\t', '\\t')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\0', '');
}

/** Buffers lines into large writes; tiny writes per row are what makes exports slow. */
export class CopyFileWriter {
  private readonly stream: WriteStream;
  private buffer: string[] = [];
  private size = 0;
  rows = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path);
  }

  async writeRow(fields: (string | null)[]): Promise<void> {
    const line = `${fields.map(copyField).join('\t')}\n`;
    this.buffer.push(line);
    this.size += line.length;
    this.rows += 1;
    if (this.size >= 1024 * 1024) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

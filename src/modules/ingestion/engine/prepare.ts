import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';

import { IngestionEngineError, type EngineFile, type EngineLimits } from './engine.types.js';

/**
 * Decides what an uploaded file really is from its bytes (the name is only a label), and turns
 * it into something DuckDB may read safely: gzip is inflated here under a byte and ratio cap,
 * text is checked to be UTF-8 with bounded lines, Parquet footers are checked against the size.
 */

export type PreparedFile =
  | { kind: 'csv'; name: string; path: string; headerLine: string }
  | { kind: 'parquet'; name: string; path: string }
  | { kind: 'ignored'; name: string };

const HEAD_BYTES = 64 * 1024;

/** Magic numbers of files people upload by mistake; each gets a specific message. */
const BINARY_MAGICS: { bytes: number[]; what: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (or an Excel workbook)' },
  { bytes: [0x42, 0x5a, 0x68], what: 'a bzip2 archive' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a], what: 'an xz archive' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'a zstd archive' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf], what: 'a 7-Zip archive' },
];

function startsWith(buf: Buffer, bytes: number[]): boolean {
  return bytes.every((b, i) => buf[i] === b);
}

async function readHead(path: string): Promise<{ head: Buffer; size: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    return { head, size };
  } finally {
    await handle.close();
  }
}

/** Reports how far reading got: bytes of the uploaded file and lines seen so far. */
export type ReadProgress = (read: { bytes: number; lines: number }) => void;

const CHUNK_BYTES = 1024 * 1024;

export async function prepareFile(
  file: EngineFile,
  index: number,
  workDir: string,
  limits: EngineLimits,
  onRead: ReadProgress = () => undefined,
): Promise<PreparedFile> {
  const { head, size } = await readHead(file.path);
  if (size === 0) {
    const message = `"${file.name}" is empty. Upload the export again.`;
    throw new IngestionEngineError('empty_file', message);
  }

  if (head[0] === 0x1f && head[1] === 0x8b) {
    const inflated = join(workDir, `input-${index}.data`);
    return inflate(file, size, inflated, limits, onRead);
  }

  if (startsWith(head, [0x50, 0x41, 0x52, 0x31])) {
    await checkParquetFooter(file, file.path);
    return { kind: 'parquet', name: file.name, path: file.path };
  }

  refuseBinary(file, head);
  if (looksLikeJson(head)) return { kind: 'ignored', name: file.name };

  const checker = new TextChecker(file, limits);
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      bytes += chunk.length;
      onRead({ bytes, lines: checker.lines });
      done(null, chunk);
    },
  });
  await pipeline(
    createReadStream(file.path, { highWaterMark: CHUNK_BYTES }),
    counted,
    checker.sink(),
  );
  return { kind: 'csv', name: file.name, path: file.path, headerLine: checker.header() };
}

function refuseBinary(file: EngineFile, head: Buffer): void {
  for (const magic of BINARY_MAGICS) {
    if (startsWith(head, magic.bytes)) {
      throw new IngestionEngineError(
        'unsupported_file',
        `"${file.name}" is ${magic.what}, not a billing export. ` +
          'Upload the CSV, CSV.gz or Parquet file your cloud provider produced.',
      );
    }
  }
}

/** Manifests (CUR `*-Manifest.json`) travel with the data parts and are skipped. */
function looksLikeJson(head: Buffer): boolean {
  const text = head
    .subarray(0, 256)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return text.startsWith('{') || text.startsWith('[');
}

/**
 * Inflates to `target` under the byte and ratio caps, then classifies the content. Text is
 * checked while it streams (one pass over the inflated bytes, which are never read back):
 * the first 64 KiB decide whether the content is text at all.
 */
async function inflate(
  file: EngineFile,
  compressedSize: number,
  target: string,
  limits: EngineLimits,
  onRead: ReadProgress,
): Promise<PreparedFile> {
  let total = 0;
  const headChunks: Buffer[] = [];
  let head: Buffer | null = null;
  let checker: TextChecker | null = null;
  // The byte and ratio caps are checked first on the whole stream, as when the text was only
  // checked after inflating: a bomb of zeros is `decompressed_too_large`, not a binary file.
  let textError: unknown = null;
  const source = createReadStream(file.path, { highWaterMark: CHUNK_BYTES });

  const check = (run: (c: TextChecker) => void) => {
    if (checker === null || textError !== null) return;
    try {
      run(checker);
    } catch (err) {
      textError = err;
    }
  };
  // Runs once the head is known: notes binary content and starts checking text.
  const decide = (bytes: Buffer) => {
    head = bytes.subarray(0, HEAD_BYTES);
    try {
      if (classifyHead(file, head) !== 'text') return;
    } catch (err) {
      textError = err;
      return;
    }
    checker = new TextChecker(file, limits);
    check((c) => c.feed(bytes));
  };

  const counter = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        total += chunk.length;
        const ratioExceeded =
          total > limits.ratioFloorBytes && total / compressedSize > limits.maxCompressionRatio;
        if (total > limits.maxDecompressedBytes || ratioExceeded) {
          throw new IngestionEngineError(
            'decompressed_too_large',
            `"${file.name}" inflates beyond the allowed ` +
              `${formatBytes(limits.maxDecompressedBytes)}` +
              ` (or ${limits.maxCompressionRatio}:1). Split the export into smaller files.`,
          );
        }
        if (head === null) {
          headChunks.push(chunk);
          if (total >= HEAD_BYTES) decide(Buffer.concat(headChunks));
        } else {
          check((c) => c.feed(chunk));
        }
        onRead({ bytes: source.bytesRead, lines: (checker as TextChecker | null)?.lines ?? 0 });
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (head === null && total > 0) decide(Buffer.concat(headChunks));
        check((c) => c.finish());
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });

  try {
    await pipeline(
      source,
      createGunzip({ chunkSize: CHUNK_BYTES }),
      counter,
      createWriteStream(target, { highWaterMark: CHUNK_BYTES }),
    );
  } catch (err) {
    if (err instanceof IngestionEngineError) throw err;
    throw new IngestionEngineError(
      'corrupt_file',
      `"${file.name}" is not a complete gzip file (it may have been cut short during upload). ` +
        'Upload it again.',
      { cause: err },
    );
  }
  if (total === 0 || head === null) {
    throw new IngestionEngineError('empty_file', `"${file.name}" is empty once decompressed.`);
  }
  if (textError !== null) throw textError;
  const kind = classifyHead(file, head);
  if (kind === 'parquet') {
    await checkParquetFooter(file, target);
    return { kind: 'parquet', name: file.name, path: target };
  }
  if (kind === 'json') return { kind: 'ignored', name: file.name };
  return { kind: 'csv', name: file.name, path: target, headerLine: checker!.header() };
}

/** What inflated content is, from its first bytes; refuses binary files and double gzip. */
function classifyHead(file: EngineFile, head: Buffer): 'parquet' | 'json' | 'text' {
  if (startsWith(head, [0x50, 0x41, 0x52, 0x31])) return 'parquet';
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw new IngestionEngineError(
      'unsupported_file',
      `"${file.name}" is compressed twice. Decompress it once and upload the result.`,
    );
  }
  refuseBinary(file, head);
  return looksLikeJson(head) ? 'json' : 'text';
}

/**
 * `PAR1` must open and close the file, and the footer length stored before the closing magic
 * must fit in the file: a lying footer would otherwise make a reader allocate that much.
 */
async function checkParquetFooter(file: EngineFile, path: string): Promise<void> {
  const corrupt = () =>
    new IngestionEngineError(
      'corrupt_file',
      `"${file.name}" starts like a Parquet file but is damaged or truncated. ` +
        'Export it again or upload the CSV version.',
    );
  const { size } = await stat(path);
  if (size < 12) throw corrupt();

  const handle = await open(path, 'r');
  try {
    const tail = Buffer.alloc(8);
    await handle.read(tail, 0, 8, size - 8);
    if (tail.toString('latin1', 4) !== 'PAR1') throw corrupt();
    const footerLength = tail.readUInt32LE(0);
    if (footerLength === 0 || footerLength > size - 12) throw corrupt();
  } finally {
    await handle.close();
  }
}

/**
 * Streams text once: fatal UTF-8 validation (carrying split code points across chunks), a cap on
 * line length, no NUL bytes, and the first line kept as the header.
 */
class TextChecker {
  private carry = Buffer.alloc(0);
  private lineLength = 0;
  private lineNumber = 1;
  private headerParts: Buffer[] = [];
  private headerDone = false;
  private offset = 0;

  constructor(
    private readonly file: EngineFile,
    private readonly limits: EngineLimits,
  ) {}

  /** Lines started so far (the header is line 1). */
  get lines(): number {
    return this.lineNumber;
  }

  sink() {
    return new Transform({
      transform: (chunk: Buffer, _enc, done: TransformCallback) => {
        try {
          this.feed(chunk);
          done();
        } catch (err) {
          done(err as Error);
        }
      },
      flush: (done: TransformCallback) => {
        try {
          this.finish();
          done();
        } catch (err) {
          done(err as Error);
        }
      },
    }).resume();
  }

  header(): string {
    const text = Buffer.concat(this.headerParts).toString('utf8');
    return text.replace(/^\uFEFF/, '').replace(/\r$/, '');
  }

  feed(chunk: Buffer): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = completeUtf8Prefix(data);
    const body = data.subarray(0, cut);
    this.carry = Buffer.from(data.subarray(cut));
    if (this.carry.length > 4 || !isUtf8(body)) this.invalid();
    if (body.includes(0)) {
      throw new IngestionEngineError(
        'unsupported_file',
        `"${this.file.name}" contains binary data (NUL bytes), so it is not a CSV export.`,
      );
    }
    this.scanLines(body);
    this.offset += body.length;
  }

  finish(): void {
    if (this.carry.length > 0) this.invalid();
  }

  private invalid(): never {
    throw new IngestionEngineError(
      'invalid_encoding',
      `"${this.file.name}" is not valid UTF-8 text near byte ${this.offset}. ` +
        'Export the report again as UTF-8 CSV (Excel: "CSV UTF-8").',
    );
  }

  private scanLines(body: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = body.indexOf(0x0a, start);
      const end = nl === -1 ? body.length : nl;
      this.lineLength += end - start;
      if (!this.headerDone) this.headerParts.push(body.subarray(start, end));
      if (this.lineLength > this.limits.maxLineBytes) this.tooLong();
      if (nl === -1) return;
      this.headerDone = true;
      this.lineLength = 0;
      this.lineNumber += 1;
      start = nl + 1;
    }
  }

  private tooLong(): never {
    throw new IngestionEngineError(
      'line_too_long',
      `Line ${this.lineNumber} of "${this.file.name}" is longer than ` +
        `${formatBytes(this.limits.maxLineBytes)}; a billing export never has lines that long. ` +
        'Check that the file is the provider export and not a different file.',
    );
  }
}

/** Length of the longest prefix that does not end inside a multi-byte UTF-8 sequence. */
function completeUtf8Prefix(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back += 1) {
    const byte = buf[n - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    if (byte < 0x80) return n;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? n - back : n;
  }
  return n;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

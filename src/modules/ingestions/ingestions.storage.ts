import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { AppError } from '../../lib/errors.js';
import type { StoredFileEntry } from './ingestions.types.js';

/**
 * Uploads go to `DATA_DIR/uploads/<client>/<uuid>`: the user's file name never reaches the
 * file system (it is kept, cleaned, as a label). One SHA-256 runs over every file in order
 * while it streams, so the bytes are read once.
 */

export const MAX_FILES_PER_INGESTION = 50;

export interface UploadPart {
  filename: string;
  file: Readable;
}

export interface StoredUpload {
  files: StoredFileEntry[];
  sha256: string;
  totalBytes: number;
}

export function uploadsDir(dataDir: string, clientId: string): string {
  return join(dataDir, 'uploads', clientId);
}

/** A label safe to show and log: no path, no control characters, bounded length. */
export function displayName(raw: string | undefined): string {
  const last = basename(String(raw ?? '').replaceAll('\\', '/'));
  // eslint-disable-next-line no-control-regex
  const clean = last.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  return clean.slice(0, 200) || 'file';
}

function tooLarge(maxBytes: number): AppError {
  const mb = Math.round(maxBytes / 1024 ** 2);
  return new AppError(
    'payload_too_large',
    `The upload is larger than the ${mb} MB your plan allows per ingestion. Compress the files ` +
      '(gzip), split the export by month, or ask FinOpsLatam for a larger plan.',
    { details: { limit_mb: mb } },
  );
}

/** Counts and hashes bytes on their way to disk; fails the stream past the limit. */
function meter(hash: Hash, state: { total: number }, maxBytes: number): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      state.total += chunk.length;
      if (state.total > maxBytes) {
        done(tooLarge(maxBytes));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

/** Maps multipart's own limit errors to our codes; other errors pass through. */
function multipartError(err: unknown, maxBytes: number): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes);
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') {
    return new AppError(
      'payload_too_large',
      `Send at most ${MAX_FILES_PER_INGESTION} files in one ingestion.`,
    );
  }
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PROTO_VIOLATION') {
    return new AppError('bad_request', 'The multipart form has unexpected fields.');
  }
  // Disk errors (ENOSPC, EACCES) are ours and stay 5xx; anything else is a broken request.
  if (err instanceof AppError || (err as NodeJS.ErrnoException).syscall) return err;
  return new AppError(
    'bad_request',
    'The multipart body is malformed or was cut off; send the files again.',
  );
}

/**
 * Streams every file part to its own new file. On any failure (size limit, client gone) every
 * file written for this upload is removed before the error goes on.
 */
export async function storeUploadParts(
  parts: AsyncIterable<UploadPart>,
  dir: string,
  maxBytes: number,
): Promise<StoredUpload> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hash = createHash('sha256');
  const state = { total: 0 };
  const files: StoredFileEntry[] = [];
  try {
    for await (const part of parts) {
      const key = randomUUID();
      const before = state.total;
      files.push({ name: displayName(part.filename), bytes: 0, key });
      await pipeline(
        part.file,
        meter(hash, state, maxBytes),
        createWriteStream(join(dir, key), { flags: 'wx', mode: 0o600 }),
      );
      files[files.length - 1]!.bytes = state.total - before;
    }
  } catch (err) {
    await removeStored(dir, files);
    throw multipartError(err, maxBytes);
  }
  if (files.length === 0) {
    throw new AppError('bad_request', 'Attach at least one billing file (multipart field "file").');
  }
  return { files, sha256: hash.digest('hex'), totalBytes: state.total };
}

/** The CLI's files stay where they are; only their bytes are hashed, in order. */
export async function hashLocalFiles(paths: readonly string[]): Promise<StoredUpload> {
  const hash = createHash('sha256');
  const files: StoredFileEntry[] = [];
  let total = 0;
  for (const path of paths) {
    const { size } = await stat(path);
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    files.push({ name: displayName(path), bytes: size, key: null });
    total += size;
  }
  return { files, sha256: hash.digest('hex'), totalBytes: total };
}

export async function removeStored(dir: string, files: readonly StoredFileEntry[]) {
  await Promise.all(files.filter((f) => f.key).map((f) => rm(join(dir, f.key!), { force: true })));
}

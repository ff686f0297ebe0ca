import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Canary secrets. The test env's secrets carry the CANARY marker, and the random ones (tokens,
 * reset links) are written down as they are issued. scripts/test.mjs gives every test process
 * one run directory (FINOPS_TEST_RUN_DIR); the test apps copy every log line, security event
 * and mail there, and after the run test/secrets/sweep.ts searches all of it: a secret found
 * anywhere is a leak. Without the variable (a file run by hand) nothing is written.
 */

export const CANARY_MARKER = 'CANARY';

/** A secret nobody could mistake for data: the marker, its kind and 96 random bits. */
export function canary(kind: string): string {
  return `${CANARY_MARKER}-${kind}-${randomBytes(12).toString('hex')}`;
}

/**
 * How the sweep treats a secret: `secret` (configuration, passwords, API tokens) may appear
 * nowhere; `reset` (a reset or invitation link token) belongs in its mail, and nowhere else.
 */
export type SecretKind = 'secret' | 'reset';

const runDir = process.env.FINOPS_TEST_RUN_DIR || null;

export function sweepEnabled(): boolean {
  return runDir !== null;
}

function fileIn(folder: string, name: string): string {
  const dir = join(runDir!, folder);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

const unique = () => `${process.pid}-${randomBytes(4).toString('hex')}`;

/** Writes a secret down for the sweep. */
export function recordSecret(value: string | null | undefined, kind: SecretKind = 'secret') {
  if (!runDir || !value) return;
  // One line per value: a value with a line break would be split, so it is refused loudly.
  if (/[\r\n\t]/.test(value)) throw new Error('a canary secret must be one line');
  appendFileSync(fileIn('secrets', `${process.pid}.tsv`), `${kind}\t${value}\n`);
}

let logFd: number | null = null;

/** Appends raw log text (JSON lines) to this process's log file in the run directory. */
export function appendLog(chunk: string): void {
  if (!runDir) return;
  logFd ??= openSync(fileIn('logs', `${process.pid}.ndjson`), 'a');
  writeSync(logFd, chunk.endsWith('\n') ? chunk : `${chunk}\n`);
}

process.once('exit', () => {
  if (logFd !== null) closeSync(logFd);
});

/** Keeps rows (security events of one database) as JSON lines for the sweep. */
export function keepRows(label: string, rows: readonly unknown[]): void {
  if (!runDir || rows.length === 0) return;
  const text = rows.map((r) => JSON.stringify(r)).join('\n');
  appendFileSync(fileIn('events', `${label}-${unique()}.jsonl`), `${text}\n`);
}

/**
 * Keeps a mail body for the sweep and records the link tokens in it: they must not show up in
 * any log line or event either.
 */
export function keepMail(text: string): void {
  if (!runDir) return;
  appendFileSync(fileIn('mail', `${unique()}.txt`), text);
  for (const token of linkTokens(text)) recordSecret(token, 'reset');
}

/** Tokens of reset and invitation links, also in quoted-printable mail sources. */
export function linkTokens(text: string): string[] {
  const plain = text.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
  return [...plain.matchAll(/[?&]token=([A-Za-z0-9_%-]{20,})/g)].map((m) =>
    decodeURIComponent(m[1]!),
  );
}

/** Writes down the access and refresh tokens of an auth answer (a JSON text). */
export function recordTokensIn(body: string): void {
  if (!runDir || !body.includes('_token')) return;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    for (const key of ['access_token', 'refresh_token']) {
      if (typeof parsed[key] === 'string') recordSecret(parsed[key] as string);
    }
  } catch {
    // Not JSON: nothing to write down.
  }
}

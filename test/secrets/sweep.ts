import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { CANARY_MARKER } from '../support/canary.js';

/*
 * The secrets sweep: after a test run, every log line, security event and mail the suites
 * produced (copied to the run directory by test/support) is searched for the run's secrets.
 * Configuration secrets, passwords and session tokens may appear nowhere; a reset link's token
 * may appear in its mail only. scripts/test.mjs runs this and counts it as one test.
 */

export interface SweepHit {
  file: string;
  line: number;
  what: string;
}

export interface SweepReport {
  logLines: number;
  events: number;
  mails: number;
  secrets: number;
  hits: SweepHit[];
}

/** Token-shaped runs of characters: JWT segments, base64url tokens, hex keys. */
const CANDIDATE = /[A-Za-z0-9_-]{16,}/g;

function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
}

/** Secrets of one kind: token-shaped ones looked up in a set, the others searched as text. */
interface SecretSet {
  tokens: Set<string>;
  texts: string[];
}

const TOKEN_SHAPED = /^[A-Za-z0-9_-]{16,}$/;

/**
 * Secrets split by where they may appear. Token-shaped values (thousands: one per sign-in) are
 * matched by lookup; a JWT by its signature, the one part that is secret (its header and
 * claims are not).
 */
function loadSecrets(runDir: string): { anywhere: SecretSet; outsideMail: SecretSet } {
  const anywhere: SecretSet = { tokens: new Set(), texts: [] };
  const outsideMail: SecretSet = { tokens: new Set(), texts: [] };
  for (const file of filesIn(join(runDir, 'secrets'))) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [kind, value] = line.split('\t');
      if (!value) continue;
      const parts = value.split('.');
      const key = parts.length === 3 && parts.every((p) => p.length > 0) ? parts[2]! : value;
      const set = kind === 'reset' ? outsideMail : anywhere;
      if (TOKEN_SHAPED.test(key)) set.tokens.add(key);
      else if (!set.texts.includes(key)) set.texts.push(key);
    }
  }
  return { anywhere, outsideMail };
}

function scan(file: string, text: string, secrets: SecretSet[], hits: SweepHit[]): number {
  const lines = text.split('\n');
  lines.forEach((content, i) => {
    const found = new Set<string>();
    if (content.includes(CANARY_MARKER)) found.add(`the ${CANARY_MARKER} marker`);
    for (const [candidate] of content.matchAll(CANDIDATE)) {
      if (secrets.some((s) => s.tokens.has(candidate))) {
        found.add(`a secret (${candidate.slice(0, 8)}…)`);
      }
    }
    for (const secret of secrets.flatMap((s) => s.texts)) {
      if (content.includes(secret)) found.add(`a secret (${secret.slice(0, 8)}…)`);
    }
    for (const what of found) hits.push({ file, line: i + 1, what });
  });
  return lines.filter(Boolean).length;
}

export function sweep(runDir: string): SweepReport {
  const { anywhere, outsideMail } = loadSecrets(runDir);
  const hits: SweepHit[] = [];
  let logLines = 0;
  let events = 0;
  for (const file of filesIn(join(runDir, 'logs'))) {
    logLines += scan(file, readFileSync(file, 'utf8'), [anywhere, outsideMail], hits);
  }
  for (const file of filesIn(join(runDir, 'events'))) {
    events += scan(file, readFileSync(file, 'utf8'), [anywhere, outsideMail], hits);
  }
  const mails = filesIn(join(runDir, 'mail'));
  for (const file of mails) scan(file, readFileSync(file, 'utf8'), [anywhere], hits);
  return {
    logLines,
    events,
    mails: mails.length,
    secrets:
      anywhere.tokens.size +
      anywhere.texts.length +
      outsideMail.tokens.size +
      outsideMail.texts.length,
    hits,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runDir = process.argv[2];
  if (!runDir) {
    console.error('usage: sweep.ts <run directory>');
    process.exit(2);
  }
  const report = sweep(runDir);
  const summary =
    `secrets sweep: ${report.secrets} secrets over ${report.logLines} log lines, ` +
    `${report.events} security events, ${report.mails} mails`;
  for (const hit of report.hits.slice(0, 50)) {
    console.error(`  leak: ${hit.what} in ${hit.file}:${hit.line}`);
  }
  // A run of files that start no test app (engine, pure functions) has nothing to search:
  // exit 3 tells scripts/test.mjs not to count a sweep that proved nothing.
  if (report.logLines === 0 && report.events === 0 && report.mails === 0) {
    console.log(`- ${summary}: nothing to search, not counted`);
    process.exit(3);
  }
  if (report.hits.length > 0) {
    console.error(`✖ ${summary}: ${report.hits.length} hits`);
    process.exit(1);
  }
  console.log(`✔ ${summary}: 0 hits`);
}

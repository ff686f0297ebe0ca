#!/usr/bin/env node
// Runs the test suite with node's test runner on the engine chosen by TEST_DATABASE_URL
// (unset: embedded PGlite), then prints one closing line "N passed, N failed".
// Arguments narrow the run to files or folders: `npm test -- test/http`.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['test'];

// A folder holding a `.postgres-only` file runs only with TEST_DATABASE_URL: its tests start
// server processes or clusters of their own (test/faults), which the embedded pass cannot.
const skipped = [];

function collect(path, out) {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    if (!process.env.TEST_DATABASE_URL && existsSync(join(path, '.postgres-only'))) {
      skipped.push(path);
      return out;
    }
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const files = roots.flatMap((root) => collect(root, []));
for (const dir of skipped) console.log(`Skipping ${dir}: it needs TEST_DATABASE_URL`);
if (files.length === 0) {
  console.error(`No test files found under: ${roots.join(', ')}`);
  process.exit(1);
}

if (!process.env.TEST_DATABASE_URL) {
  const prep = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'test/support/prepare-template.ts'],
    {
      stdio: 'inherit',
    },
  );
  if (prep.status !== 0) process.exit(prep.status ?? 1);
}

const tmp = mkdtempSync(join(tmpdir(), 'finops-tap-'));
const tap = join(tmp, 'result.tap');
// Every test process copies its log lines, security events and mails here for the secrets
// sweep that runs after the files (test/secrets/sweep.ts).
const runDir = join(tmp, 'run');
mkdirSync(runDir);
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', FINOPS_TEST_RUN_DIR: runDir } },
);

const text = readFileSync(tap, 'utf8');
const count = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
const sweep = spawnSync(process.execPath, ['--import', 'tsx', 'test/secrets/sweep.ts', runDir], {
  stdio: 'inherit',
});
// The sweep counts as one more test in the closing line (status 3: nothing to search).
const swept = sweep.status === 3 ? null : sweep.status === 0;
const passed = count('pass') + (swept === true ? 1 : 0);
const failed = count('fail') + count('cancelled') + (swept === false ? 1 : 0);
rmSync(tmp, { recursive: true, force: true });

if (process.env.TEST_SUMMARY_FILE) {
  writeFileSync(process.env.TEST_SUMMARY_FILE, JSON.stringify({ passed, failed }));
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 && passed > 0 ? 0 : 1);

#!/usr/bin/env node
// Runs the test suite with node's test runner on the engine chosen by TEST_DATABASE_URL
// (unset: embedded PGlite), then prints one closing line "N passed, N failed".
// Arguments narrow the run to files or folders: `npm test -- test/http`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['test'];

function collect(path, out) {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const files = roots.flatMap((root) => collect(root, []));
if (files.length === 0) {
  console.error(`No test files found under: ${roots.join(', ')}`);
  process.exit(1);
}

if (!process.env.TEST_DATABASE_URL) {
  const prep = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/prepare-template.ts'], {
    stdio: 'inherit',
  });
  if (prep.status !== 0) process.exit(prep.status ?? 1);
}

const tmp = mkdtempSync(join(tmpdir(), 'finops-tap-'));
const tap = join(tmp, 'result.tap');
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
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);

const text = readFileSync(tap, 'utf8');
const count = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + count('cancelled');
rmSync(tmp, { recursive: true, force: true });

if (process.env.TEST_SUMMARY_FILE) {
  writeFileSync(process.env.TEST_SUMMARY_FILE, JSON.stringify({ passed, failed }));
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 && passed > 0 ? 0 : 1);

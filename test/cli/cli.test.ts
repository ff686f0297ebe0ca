import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { testEngine } from '../support/db.js';

const BIN = join(process.cwd(), 'bin', 'finops.js');

function finops(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

describe('finops CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'finops-cli-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('--help lists every command', () => {
    const res = finops(['--help']);
    assert.equal(res.status, 0);
    for (const command of ['serve', 'migrate']) assert.match(res.stdout, new RegExp(`\\b${command}\\b`));
  });

  it('an unknown command exits 2 with the usage', () => {
    const res = finops(['frobnicate']);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /Unknown command "frobnicate"/);
  });

  it('a bad configuration stops the process and names the variables', () => {
    const res = finops(['migrate'], { PORT: 'x', LOG_LEVEL: 'loud', DATA_DIR: dataDir });
    assert.equal(res.status, 78);
    assert.match(res.stderr, /PORT/);
    assert.match(res.stderr, /LOG_LEVEL/);
  });

  it('migrate on the embedded database is re-runnable', { skip: testEngine() !== 'embedded' }, () => {
    const env = { DATA_DIR: dataDir, LOG_FORMAT: 'json' };
    const first = finops(['migrate'], env);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /"applied":[1-9]/);
    const second = finops(['migrate'], env);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /"applied":0/);
  });

  it('serve starts, answers, and exits 0 on SIGTERM', async () => {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'finops-serve-')),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
    };
    if (process.env.TEST_DATABASE_URL) {
      // The per-file test databases are migrated by the harness; serve needs one of its own.
      env.DATABASE_URL = process.env.TEST_DATABASE_URL;
      env.JWT_SECRET = 'x'.repeat(48);
      const migrated = finops(['migrate'], env);
      assert.equal(migrated.status, 0, migrated.stderr);
    }
    const child = spawn(process.execPath, [BIN, 'serve'], { env });
    let out = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    child.stderr.on('data', (chunk) => (out += String(chunk)));

    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listen line:\n${out}`)), 45_000);
      child.stdout.on('data', () => {
        const match = out.match(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/);
        if (match && out.includes('FinOpsLatam API listening')) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    const live = await fetch(`http://127.0.0.1:${port}/livez`);
    assert.equal(live.status, 200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);

    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0, out);
    assert.match(out, /shutdown complete/);
    rmSync(env.DATA_DIR!, { recursive: true, force: true });
  });
});

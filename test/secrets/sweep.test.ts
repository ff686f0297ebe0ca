import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { canary, linkTokens } from '../support/canary.js';
import { sweep } from './sweep.js';

/** The sweep itself: it must find each kind of leak, and pass a clean run. */
describe('secrets sweep', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function run(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'finops-sweep-'));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }

  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW9mLXRoaXMtdG9rZW4tMDEyMzQ1';
  const refresh = 'Zm9vYmFyYmF6cXV4LXJlZnJlc2gtdG9rZW4tMDEyMzQ1Njc4OQ';
  const reset = 'cmVzZXQtbGluay10b2tlbi0wMTIzNDU2Nzg5LWFiY2RlZmdoaWo';
  const secrets = [
    `secret\t${jwt}`,
    `secret\t${refresh}`,
    'secret\tmetrics token 0123456789',
    `reset\t${reset}\n`,
  ].join('\n');
  const clean = '{"level":"info","msg":"request completed","status":200}\n';

  it('passes a clean run, with the reset link in its own mail', () => {
    const report = sweep(
      run({
        'secrets/1.tsv': secrets,
        'logs/1.ndjson': clean,
        'events/1.jsonl': '{"type":"auth.login.succeeded","details":{}}\n',
        'mail/1.txt': `Reset: https://app.finops.test/reset-password?token=${reset}\n`,
      }),
    );
    assert.deepEqual(report.hits, []);
    assert.equal(report.logLines, 1);
    assert.equal(report.events, 1);
    assert.equal(report.mails, 1);
  });

  it('finds the marker, a JWT by its signature, a refresh token and a spaced secret', () => {
    const signature = jwt.split('.')[2]!;
    const report = sweep(
      run({
        'secrets/1.tsv': secrets,
        'logs/1.ndjson': [
          clean.trim(),
          `{"msg":"x","body":{"password":"${canary('pw')} pampa azul"}}`,
          `{"msg":"x","auth":"Bearer ${jwt.slice(0, 40)}.${signature}"}`,
          `{"msg":"x","err":"refresh ${refresh} reused"}`,
          '{"msg":"x","token":"metrics token 0123456789"}',
        ].join('\n'),
      }),
    );
    assert.deepEqual(
      report.hits.map((h) => h.line),
      [2, 3, 4, 5],
    );
  });

  it('finds a reset token in a log line or an event, and any secret in a mail', () => {
    const report = sweep(
      run({
        'secrets/1.tsv': secrets,
        'logs/1.ndjson': `${clean}{"msg":"reset link","url":"/reset-password?token=${reset}"}\n`,
        'events/1.jsonl': `{"details":{"token":"${reset}"}}\n`,
        'mail/1.txt': `Hello, your session: ${refresh}\n`,
      }),
    );
    assert.deepEqual(report.hits.map((h) => h.file.split('/').slice(-2).join('/')).sort(), [
      'events/1.jsonl',
      'logs/1.ndjson',
      'mail/1.txt',
    ]);
  });

  it('reads link tokens from quoted-printable mail sources', () => {
    const qp =
      'https://app.finops.test/reset-password?token=3D' +
      `${reset.slice(0, 20)}=\r\n${reset.slice(20)}`;
    assert.deepEqual(linkTokens(qp), [reset]);
  });
});

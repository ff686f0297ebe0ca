import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { openDatabase, type Database } from '../../src/db/client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * The newcomer's path: `finops demo` on a fresh database, then the API must tell the same story
 * as the printed summary.
 */
describe('finops demo, end to end', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'finops-demo-'));
  const outDir = join(dataDir, 'out');
  let server: TestDatabase | null = null;
  let database: Database;
  let t: TestApp;
  let stdout = '';

  before(async () => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    env.DATA_DIR = dataDir;
    env.LOG_FORMAT = 'json';
    if (process.env.TEST_DATABASE_URL) {
      server = await createTestDatabase();
      env.DATABASE_URL = server.url!;
      env.JWT_SECRET = 'e2e-demo-secret-'.repeat(3);
    }
    const run = spawnSync(
      process.execPath,
      [join(process.cwd(), 'bin', 'finops.js'), 'demo', '--out', outDir],
      { env, encoding: 'utf8', timeout: 300_000 },
    );
    stdout = run.stdout;
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);

    database = server
      ? server.database
      : await openDatabase({ url: null, dataDir: join(dataDir, 'pgdata') });
    t = await createTestApp({ database, env: { AUTH_RATE_LIMIT_PER_MINUTE: '10000' } });
  });
  after(async () => {
    await t?.close();
    if (server) await server.dispose();
    else await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('wrote every report in three formats and three languages', () => {
    for (const dir of ['demo-aws', 'demo-focus', 'admin']) {
      const files = readdirSync(join(outDir, dir));
      assert.equal(files.length, 9, `${dir}: ${files.join(', ')}`);
      for (const ext of ['pdf', 'csv', 'xlsx']) {
        assert.equal(files.filter((f) => f.endsWith(`.${ext}`)).length, 3);
      }
    }
  });

  it('prints the same spend and findings the API answers, for a printed login', async () => {
    const login = /demo-aws +owner +(\S+) +(\S+)/.exec(stdout);
    assert.ok(login, stdout);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: login[1], password: login[2] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const token = res.json().access_token;

    const header =
      /Andes Retail \(demo, AWS CUR\) — (\d{4}-\d{2}) \(amortized\)\n {2}spend: USD ([\d.]+)/.exec(
        stdout,
      );
    assert.ok(header, stdout);
    const summary = await t.app.inject({
      method: 'GET',
      url: `/api/v1/costs/summary?month=${header[1]}`,
      headers: { authorization: `Bearer ${token}` },
    });
    const usd = summary.json().currencies.find((c: { currency: string }) => c.currency === 'USD');
    assert.equal(Number(usd.total).toFixed(2), header[2]);

    const printed = /findings: (\d+) open · potential savings USD ([\d.]+)\/month/.exec(stdout);
    assert.ok(printed, stdout);
    const findings = await t.app.inject({
      method: 'GET',
      url: '/api/v1/findings/summary',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(findings.json().open, Number(printed[1]));
    assert.ok(Number(printed[1]) > 0, 'the AWS sample yields findings');
    const potential = findings
      .json()
      .potential_monthly_savings.find((m: { currency: string }) => m.currency === 'USD');
    assert.equal(Number(potential.amount).toFixed(2), printed[2]);
  });
});

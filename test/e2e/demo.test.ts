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

  it('wrote every report in three formats and three languages, once per period', () => {
    const aws = printedSummary(stdout, 'Andes Retail (demo, AWS CUR)');
    const today = new Date().toISOString().slice(0, 10);
    const periods: Record<string, string[]> = {
      // The busiest month, and the month the findings' evidence ends in.
      'demo-aws': [aws.month, aws.evidence!.to.slice(0, 7)],
      'demo-focus': [printedSummary(stdout, 'Pampa Multicloud (demo, FOCUS)').month],
      // The platform report covers this month to date, when the demo made its users.
      admin: [`${today.slice(0, 8)}01_${today}`],
    };
    for (const [dir, slugs] of Object.entries(periods)) {
      const files = readdirSync(join(outDir, dir)).sort();
      const expected = slugs
        .flatMap((p) =>
          ['es', 'en', 'pt-BR'].flatMap((lang) =>
            ['pdf', 'csv', 'xlsx'].map((ext) => `finopslatam-${dir}-${p}-${lang}.${ext}`),
          ),
        )
        .sort();
      assert.deepEqual(files, expected, dir);
    }
  });

  it('names the findings evidence window, apart from the month of the spend', () => {
    const aws = printedSummary(stdout, 'Andes Retail (demo, AWS CUR)');
    assert.ok(aws.evidence, stdout);
    assert.ok(aws.evidence.from <= aws.evidence.to, stdout);
    assert.notEqual(aws.evidence.to.slice(0, 7), aws.month, 'the sample data spans two months');
    const focus = printedSummary(stdout, 'Pampa Multicloud (demo, FOCUS)');
    if (focus.open === 0) assert.equal(focus.evidence, null, stdout);
  });

  it('prints, for each client, the spend, top services and findings the API answers', async () => {
    for (const [slug, name] of [
      ['demo-aws', 'Andes Retail (demo, AWS CUR)'],
      ['demo-focus', 'Pampa Multicloud (demo, FOCUS)'],
    ]) {
      const printed = printedSummary(stdout, name!);
      const get = await signedIn(slug!);

      const summary = await get(`/api/v1/costs/summary?month=${printed.month}`);
      const spend = summary.currencies.map(
        (c: { currency: string; total: string }) => `${c.currency} ${Number(c.total).toFixed(2)}`,
      );
      assert.deepEqual(printed.spend, spend, `${slug} spend`);

      const top = await get(
        `/api/v1/costs/breakdown?month=${printed.month}&group_by=service&limit=5`,
      );
      const services = top.rows
        .filter((r: { others?: boolean; cost: string }) => {
          return !r.others && Math.abs(Number(r.cost)) >= 0.005;
        })
        .map((r: { label: string | null; key: string; cost: string }) => {
          return `${r.label ?? r.key} ${Number(r.cost).toFixed(2)}`;
        });
      assert.ok(services.length > 0, `${slug} has services`);
      assert.deepEqual(printed.topServices, services, `${slug} top services`);

      const findings = await get('/api/v1/findings/summary');
      assert.equal(printed.open, findings.open, `${slug} open findings`);
      const savings = findings.potential_monthly_savings.map(
        (m: { currency: string; amount: string }) =>
          `${m.currency} ${Number(m.amount).toFixed(2)}/month`,
      );
      // With nothing to save, the summary still names the currency.
      const expected = savings.length > 0 ? savings : ['USD 0.00/month'];
      assert.deepEqual(printed.savings, expected, `${slug} potential savings`);
      const byCategory = findings.by_category.map(
        (g: { key: string; open: number }) => `${g.key} ${g.open}`,
      );
      assert.deepEqual(printed.byCategory, byCategory, `${slug} findings by category`);
    }
  });

  it('finds waste in the AWS sample and shows it by category', () => {
    const aws = printedSummary(stdout, 'Andes Retail (demo, AWS CUR)');
    assert.ok(aws.open > 0, 'the AWS sample yields findings');
    assert.ok(aws.byCategory.length > 0, stdout);
  });

  it('prints curl lines on the month the first login has data for', () => {
    const aws = printedSummary(stdout, 'Andes Retail (demo, AWS CUR)');
    assert.match(stdout, /TOKEN=\$\(curl .*owner@demo-aws\.example/);
    assert.ok(stdout.includes(`/api/v1/costs/summary?month=${aws.month}"`), stdout);
    assert.ok(stdout.includes(`/api/v1/reports/client/pdf?period=${aws.month}&`), stdout);
    assert.match(stdout, /Done in [\d.]+ s \(database [\d.]+ s · .*reports [\d.]+ s\)\./);
  });

  /** Signs in as the printed owner of a client; returns a GET that answers parsed JSON. */
  async function signedIn(slug: string) {
    const login = new RegExp(`${slug} +owner +(\\S+) +(\\S+)`).exec(stdout);
    assert.ok(login, stdout);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: login[1], password: login[2] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const token = res.json().access_token;
    return async (url: string) => {
      const answer = await t.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(answer.statusCode, 200, `${url}: ${answer.body}`);
      return answer.json();
    };
  }
});

interface PrintedSummary {
  month: string;
  spend: string[];
  topServices: string[];
  evidence: { from: string; to: string } | null;
  open: number;
  savings: string[];
  byCategory: string[];
}

/** Reads one client's block of the printed summary back into values. */
function printedSummary(stdout: string, name: string): PrintedSummary {
  const summary = stdout.slice(stdout.indexOf('== Summary'));
  const start = summary.indexOf(`${name} — `);
  assert.ok(start >= 0, `no summary for ${name}:\n${stdout}`);
  const lines = summary.slice(start).split('\n');
  // The block ends at the first line that is not indented: the next client or section.
  const block = [lines[0]!];
  for (const line of lines.slice(1)) {
    if (!line.startsWith('  ')) break;
    block.push(line);
  }
  const field = (label: string) =>
    block.find((l) => l.startsWith(`  ${label}: `))?.slice(label.length + 4) ?? null;

  const month = /— (\d{4}-\d{2}) \(amortized\)/.exec(block[0]!)?.[1];
  assert.ok(month, block.join('\n'));
  const line = block.find((l) => l.startsWith('  findings')) ?? '';
  const findings =
    /^ {2}findings(?: \(evidence (\S+) → (\S+)\))?: (\d+) open · potential savings (.*)$/.exec(
      line,
    );
  assert.ok(findings, block.join('\n'));
  const top = field('top services');
  const byCategory = field('by category');
  return {
    month,
    spend: block.filter((l) => l.startsWith('  spend: ')).map((l) => l.slice(9)),
    topServices: top && top !== '—' ? top.split(' · ') : [],
    evidence: findings[1] && findings[2] ? { from: findings[1], to: findings[2] } : null,
    open: Number(findings[3]),
    savings: findings[4]!.split(', '),
    byCategory: byCategory ? byCategory.split(', ') : [],
  };
}

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';

import { queryRows } from '../../src/db/client.js';
import { memberships } from '../../src/db/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeClient, makePlan, makeUser, subscribe, type TestUser } from '../support/factories.js';
import { pollUntil, startFinops, type FinopsProcess } from '../support/processes.js';

/*
 * SIGTERM reaches `finops serve` while it streams a large export. The export must still end
 * as a complete, valid file; new requests are refused meanwhile; the process then exits 0.
 */

/** Enough facts that the CSV takes seconds to stream on a busy 2-core machine. */
const FACTS = 150_000;

describe('SIGTERM during an export', () => {
  let db: TestDatabase;
  let server: FinopsProcess | null = null;
  let user: TestUser;
  let clientId: string;

  before(async () => {
    db = await createTestDatabase();
    const client = await makeClient(db.database.db);
    clientId = client.id;
    const plan = await makePlan(db.database.db, ['costs', 'exports.focus', 'reports.csv']);
    await subscribe(db.database.db, client.id, plan.id);
    user = await makeUser(db.database.db);
    await db.database.db
      .insert(memberships)
      .values({ clientId: client.id, userId: user.id, role: 'owner' });
    // One statement makes the facts: 30 days of June 2025, a resource and a cost per row.
    await db.database.db.execute(sql`
      insert into cost_daily (client_id, ingestion_id, provider, billing_account_id,
        billing_period_start, charge_date, service_name, resource_id, charge_category,
        billing_currency, billed_cost, net_billed_cost, effective_cost, net_effective_cost,
        list_cost, line_count)
      select ${clientId}, '00000000-0000-4000-8000-000000000000', 'aws', '111111111111',
        date '2025-06-01', date '2025-06-01' + (g % 30), 'svc-' || (g % 7), 'res-' || g,
        'Usage', 'USD', g * 0.01, g * 0.01, g * 0.02, g * 0.02, g * 0.03, 1
      from generate_series(1, ${FACTS}) as g`);

    server = await startFinops('serve', {
      databaseUrl: db.url!,
      // Generous, so a slow machine never turns "finish the export" into a forced exit.
      env: { SHUTDOWN_GRACE_MS: '90000' },
    });
  });

  after(async () => {
    await server?.stop();
    await db?.dispose();
  });

  it('finishes the export, refuses new requests and exits 0', async () => {
    const login = await fetch(`${server!.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    assert.equal(login.status, 200);
    const token = ((await login.json()) as { access_token: string }).access_token;

    // The export; reading stops after the first bytes, so the server is surely mid-stream
    // (held by backpressure) when SIGTERM arrives, and resumes once shutdown has begun.
    let firstBytes = false;
    let ended = false;
    let resume = () => {};
    const chunks: Buffer[] = [];
    const download = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${server!.baseUrl}/api/v1/exports/focus?from=2025-06-01&to=2025-06-30`,
        { headers: { authorization: `Bearer ${token}` } },
        (res) => {
          resume = () => res.resume();
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            if (!firstBytes) res.pause();
            firstBytes = true;
          });
          res.on('end', () => {
            ended = true;
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });

    await pollUntil('the first bytes of the export', () => firstBytes);
    server!.child.kill('SIGTERM');

    // A new connection is refused (or answered 503) while the export still streams.
    const refusal = await pollUntil('new requests to be refused', async () => {
      try {
        const res = await fetch(`${server!.baseUrl}/livez`, {
          signal: AbortSignal.timeout(5000),
        });
        return res.status === 503 ? `503 ${await res.text()}` : null;
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code;
        return code === 'ECONNREFUSED' ? code : null;
      }
    });
    assert.ok(refusal);
    assert.equal(ended, false, 'the export must still be streaming when SIGTERM is handled');

    resume();
    const { status, body } = await download;
    assert.equal(status, 200);
    const rows = parse(body, { columns: true, bom: true }) as Record<string, string>[];
    assert.equal(rows.length, FACTS, 'every fact is in the file');
    const [expected] = await queryRows<{ billed: string; list: string }>(
      db.database.db,
      sql`select sum(net_billed_cost)::text as billed, sum(list_cost)::text as list
          from cost_daily where client_id = ${clientId}`,
    );
    assert.equal(decimalSum(rows.map((r) => r.BilledCost!)), Number(expected!.billed));
    assert.equal(decimalSum(rows.map((r) => r.ListCost!)), Number(expected!.list));

    assert.deepEqual(await server!.exited, { code: 0, signal: null });
    assert.ok(server!.lines().some((l) => l.msg === 'shutdown complete'));
  });
});

/** Sums decimal strings exactly (cents-sized values here) and returns a number to compare. */
function decimalSum(values: string[]): number {
  let scaled = 0n;
  for (const v of values) {
    const [whole, frac = ''] = v.split('.');
    scaled += BigInt(whole!) * 10_000n + BigInt(frac.padEnd(4, '0').slice(0, 4));
  }
  return Number(scaled) / 10_000;
}

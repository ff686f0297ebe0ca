import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { sql } from 'drizzle-orm';

import { queryRows } from '../../src/db/client.js';
import { clients } from '../../src/db/schema.js';
import { withTenant } from '../../src/db/tenant.js';
import { loadFacts } from '../../src/modules/ingestion/engine/load.js';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/db.js';
import { errorText } from '../support/assert.js';
import { fixture, runEngine, scratchDir, type EngineRun } from './support.js';

/**
 * COPY file → cost_daily_staging on this run's database (PGlite or PostgreSQL), as the tenant:
 * sums in the database equal the engine's totals to the last decimal, and another tenant sees
 * nothing. Staging has no foreign key to clients (RLS only), but real tenants are created.
 */

const scratch = scratchDir();
let t: TestDatabase;
let clientA: string;
let clientB: string;
let run: EngineRun;

/** Values PostgreSQL COPY text must escape: tab, newline, backslash, quotes, non-ASCII. */
const TRICKY_ID = 'i-tab\there\\back\nline';
const TRICKY_TAG = 'quote " back \\ tab \t ñandú';

function trickyFocusFile(): string {
  const header =
    'ProviderName,BillingAccountId,BillingCurrency,BillingPeriodStart,ChargePeriodStart,' +
    'ChargePeriodEnd,ChargeCategory,ServiceName,ResourceId,BilledCost,EffectiveCost,ListCost,Tags';
  const tags = JSON.stringify({ team: TRICKY_TAG }).replaceAll('"', '""');
  const id = `"${TRICKY_ID.replaceAll('"', '""')}"`;
  const row =
    `AWS,1234567890123,USD,2024-09-01 00:00:00,2024-09-05 00:00:00,2024-09-05 01:00:00,` +
    `Usage,Amazon EC2,${id},0.3333333333,0.1111111111,0.5,"${tags}"`;
  const path = join(scratch.dir, 'tricky.csv');
  writeFileSync(path, `${header}\n${row}\n${row}\n`);
  return path;
}

before(async () => {
  t = await createTestDatabase();
  const [a] = await t.database.db
    .insert(clients)
    .values({ slug: 'ingest-a', name: 'A', country: 'CL', currency: 'USD' })
    .returning();
  const [b] = await t.database.db
    .insert(clients)
    .values({ slug: 'ingest-b', name: 'B', country: 'MX', currency: 'MXN' })
    .returning();
  clientA = a!.id;
  clientB = b!.id;
  run = await runEngine(
    scratch.dir,
    [fixture('focus-sample-data/FOCUS-1.0/focus_sample.csv'), trickyFocusFile()],
    {},
    { clientId: clientA },
  );
});

after(async () => {
  await t.dispose();
  scratch.dispose();
});

interface Sums {
  currency: string;
  billed: string;
  net_billed: string;
  effective: string;
  net_effective: string;
  list: string;
  lines: number;
  n: number;
}

async function stagingSums(clientId: string): Promise<Sums[]> {
  return withTenant(t.database.db, clientId, (tx) =>
    queryRows<Sums>(
      tx,
      sql`select billing_currency as currency, sum(billed_cost)::text as billed,
            sum(net_billed_cost)::text as net_billed, sum(effective_cost)::text as effective,
            sum(net_effective_cost)::text as net_effective, sum(list_cost)::text as list,
            sum(line_count)::int as lines, count(*)::int as n
          from cost_daily_staging where ingestion_id = ${run.ingestionId}
          group by billing_currency order by 1`,
    ),
  );
}

describe(`loadFacts on ${testEngine()}`, () => {
  test('loads every fact as the tenant; sums equal the engine totals exactly', async () => {
    const loaded = await loadFacts(t.database, {
      clientId: clientA,
      ingestionId: run.ingestionId,
      file: run.result.copyFile,
    });
    assert.equal(loaded, run.result.factCount);

    const sums = await stagingSums(clientA);
    assert.equal(sums.length, 1);
    const usd = run.result.totals[0]!;
    assert.equal(sums[0]!.n, run.result.factCount);
    assert.equal(sums[0]!.lines, run.result.rowsRead);
    assert.equal(sums[0]!.billed, usd.billedCost);
    assert.equal(sums[0]!.net_billed, usd.netBilledCost);
    assert.equal(sums[0]!.effective, usd.effectiveCost);
    assert.equal(sums[0]!.net_effective, usd.netEffectiveCost);
    assert.equal(sums[0]!.list, usd.listCost);
  });

  test('escaped text and JSON survive COPY byte for byte', async () => {
    const rows = await withTenant(t.database.db, clientA, (tx) =>
      queryRows<{ resource_id: string; team: string; line_count: number; billed: string }>(
        tx,
        sql`select resource_id, tags->>'team' as team, line_count, billed_cost::text as billed
            from cost_daily_staging where resource_id like 'i-tab%'`,
      ),
    );
    assert.deepEqual(rows, [
      { resource_id: TRICKY_ID, team: TRICKY_TAG, line_count: 2, billed: '0.6666666666' },
    ]);
  });

  test('another tenant sees none of the rows', async () => {
    assert.deepEqual(await stagingSums(clientB), []);
  });

  test("loading a file under another tenant's id is refused by row-level security", async () => {
    await assert.rejects(
      loadFacts(t.database, {
        clientId: clientB,
        ingestionId: run.ingestionId,
        file: run.result.copyFile,
      }),
      (err) => /row-level security/i.test(errorText(err)),
    );
    assert.deepEqual(await stagingSums(clientB), []);
  });
});

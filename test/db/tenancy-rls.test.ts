import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { eq, sql } from 'drizzle-orm';

import { queryRows } from '../../src/db/client.js';
import { migrationStatus, runMigrations } from '../../src/db/migrate.js';
import { clients, plans, securityEvents, subscriptions } from '../../src/db/schema.js';
import { withTenant } from '../../src/db/tenant.js';
import { rejectsMatching } from '../support/assert.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('database roles and row-level security', () => {
  let t: TestDatabase;
  let clientA: string;
  let clientB: string;

  before(async () => {
    t = await createTestDatabase();
    const { db } = t.database;
    const [plan] = await db
      .insert(plans)
      .values({ code: `rls-${Date.now()}`, name: 'RLS', monthlyPrice: '0', currency: 'USD' })
      .returning();
    const [a] = await db
      .insert(clients)
      .values({ slug: 'acme-a', name: 'A', country: 'CL', currency: 'USD' })
      .returning();
    const [b] = await db
      .insert(clients)
      .values({ slug: 'acme-b', name: 'B', country: 'MX', currency: 'MXN' })
      .returning();
    clientA = a!.id;
    clientB = b!.id;
    await db.insert(subscriptions).values([
      { clientId: clientA, planId: plan!.id, status: 'active' },
      { clientId: clientB, planId: plan!.id, status: 'trialing' },
    ]);
  });
  after(() => t.dispose());

  it('every table with a client_id column has ENABLE and FORCE row-level security', async () => {
    const rows = await queryRows<{ table: string; rls: boolean; forced: boolean }>(
      t.database.db,
      sql`
        select c.relname as table, c.relrowsecurity as rls, c.relforcerowsecurity as forced
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attname = 'client_id'
        where n.nspname = 'public' and c.relkind in ('r', 'p')
      `,
    );
    assert.ok(rows.length >= 2);
    const weak = rows.filter((r) => !r.rls || !r.forced).map((r) => r.table);
    assert.deepEqual(weak, []);
  });

  it('tenant tables lead their primary key with client_id', async () => {
    const rows = await queryRows<{ table: string; first: string }>(
      t.database.db,
      sql`
        select c.relname as table, a.attname as first
        from pg_index i
        join pg_class c on c.oid = i.indrelid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
        where i.indisprimary and n.nspname = 'public'
          and exists (select 1 from pg_attribute x
                      where x.attrelid = c.oid and x.attname = 'client_id' and not x.attisdropped)
          and c.relname <> 'security_events'
      `,
    );
    const wrong = rows.filter((r) => r.first !== 'client_id').map((r) => r.table);
    assert.deepEqual(wrong, []);
  });

  it('the application roles are neither superuser nor BYPASSRLS nor able to log in', async () => {
    const rows = await queryRows<{
      rolname: string;
      rolsuper: boolean;
      rolbypassrls: boolean;
      rolcanlogin: boolean;
    }>(
      t.database.db,
      sql`select rolname, rolsuper, rolbypassrls, rolcanlogin from pg_roles
          where rolname in ('app_user', 'app_platform') order by rolname`,
    );
    assert.equal(rows.length, 2);
    for (const r of rows) {
      assert.equal(r.rolsuper, false, r.rolname);
      assert.equal(r.rolbypassrls, false, r.rolname);
      assert.equal(r.rolcanlogin, false, r.rolname);
    }
  });

  it('a tenant transaction sees only its own rows and runs as app_user', async () => {
    const seen = await withTenant(t.database.db, clientA, async (tx) => {
      const [who] = await queryRows<{ u: string }>(tx, sql`select current_user as u`);
      assert.equal(who!.u, 'app_user');
      return tx.select().from(subscriptions);
    });
    assert.deepEqual(
      seen.map((s) => s.clientId),
      [clientA],
    );
  });

  it('a query that forgets its tenant condition still cannot read another tenant', async () => {
    const rows = await withTenant(t.database.db, clientA, (tx) =>
      tx.select().from(subscriptions).where(eq(subscriptions.clientId, clientB)),
    );
    assert.equal(rows.length, 0);
  });

  it('no tenant set means no tenant rows', async () => {
    const rows = await withTenant(t.database.db, null, (tx) => tx.select().from(subscriptions));
    assert.equal(rows.length, 0);
  });

  it('writing a row for another tenant is refused', async () => {
    await rejectsMatching(
      withTenant(t.database.db, clientA, async (tx) => {
        const [plan] = await tx.select().from(plans).limit(1);
        await tx
          .insert(subscriptions)
          .values({ clientId: clientB, planId: plan!.id, status: 'active' });
      }),
      /row-level security/,
    );
  });

  it('the tenant and role do not outlive the transaction', async () => {
    await withTenant(t.database.db, clientA, async () => {});
    const [row] = await queryRows<{ u: string; c: string | null }>(
      t.database.db,
      sql`select current_user as u, current_setting('app.client_id', true) as c`,
    );
    assert.notEqual(row!.u, 'app_user');
    assert.ok(!row!.c, 'app.client_id is cleared');
  });

  it('security events are append-only for the application and for the owner', async () => {
    await withTenant(t.database.db, clientA, (tx) =>
      tx.insert(securityEvents).values({ type: 'test.event', severity: 'info', clientId: clientA }),
    );
    await rejectsMatching(
      withTenant(t.database.db, clientA, (tx) =>
        tx.update(securityEvents).set({ type: 'tampered' }),
      ),
      /permission denied/,
    );
    await rejectsMatching(
      t.database.db.update(securityEvents).set({ type: 'tampered' }),
      /append-only/,
    );
    await rejectsMatching(t.database.db.delete(securityEvents), /append-only/);
  });

  it('migrations are current, and running them again applies nothing', async () => {
    assert.equal((await migrationStatus(t.database)).current, true);
    assert.deepEqual(await runMigrations(t.database), { applied: 0 });
  });
});

describe('Citus readiness of the schema', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.dispose());

  it('foreign keys between tenant tables include client_id', async () => {
    const rows = await queryRows<{ name: string; from: string; to: string; cols: string[] }>(
      t.database.db,
      sql`
        select con.conname as name, src.relname as "from", dst.relname as "to",
               array(select a.attname::text from unnest(con.conkey) k
                     join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k) as cols
        from pg_constraint con
        join pg_class src on src.oid = con.conrelid
        join pg_class dst on dst.oid = con.confrelid
        join pg_namespace n on n.oid = src.relnamespace
        where con.contype = 'f' and n.nspname = 'public'
          and exists (select 1 from pg_attribute x where x.attrelid = dst.oid
                      and x.attname = 'client_id' and not x.attisdropped)
      `,
    );
    const bad = rows.filter((r) => !r.cols.includes('client_id')).map((r) => `${r.from}.${r.name}`);
    assert.deepEqual(bad, []);
  });
});

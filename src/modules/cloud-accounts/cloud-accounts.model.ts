import { and, asc, eq, isNull, sql } from 'drizzle-orm';

import type { Tx } from '../../db/client.js';
import { cloudAccounts } from '../../db/schema.js';

export type CloudAccountRow = typeof cloudAccounts.$inferSelect;

export interface DiscoveredAccount {
  provider: string;
  kind: 'billing' | 'sub';
  accountId: string;
  name: string | null;
  parentAccountId: string | null;
}

export async function listAccounts(
  tx: Tx,
  clientId: string,
  includeArchived: boolean,
): Promise<CloudAccountRow[]> {
  return tx
    .select()
    .from(cloudAccounts)
    .where(
      and(
        eq(cloudAccounts.clientId, clientId),
        includeArchived ? undefined : isNull(cloudAccounts.archivedAt),
      ),
    )
    .orderBy(
      asc(cloudAccounts.provider),
      asc(cloudAccounts.kind),
      asc(cloudAccounts.name),
      asc(cloudAccounts.billingAccountId),
    );
}

export async function findAccountForUpdate(
  tx: Tx,
  clientId: string,
  id: string,
): Promise<CloudAccountRow | null> {
  const rows = await tx
    .select()
    .from(cloudAccounts)
    .where(and(eq(cloudAccounts.clientId, clientId), eq(cloudAccounts.id, id)))
    .for('update')
    .limit(1);
  return rows[0] ?? null;
}

export async function findByNaturalKey(
  tx: Tx,
  clientId: string,
  provider: string,
  billingAccountId: string,
): Promise<CloudAccountRow | null> {
  const rows = await tx
    .select()
    .from(cloudAccounts)
    .where(
      and(
        eq(cloudAccounts.clientId, clientId),
        eq(cloudAccounts.provider, provider),
        eq(cloudAccounts.billingAccountId, billingAccountId),
      ),
    )
    .for('update')
    .limit(1);
  return rows[0] ?? null;
}

/** Billing accounts in use: what the plan's `cloud_accounts` limit counts (any origin). */
export async function countActiveBillingAccounts(tx: Tx, clientId: string): Promise<number> {
  const rows = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(cloudAccounts)
    .where(
      and(
        eq(cloudAccounts.clientId, clientId),
        eq(cloudAccounts.kind, 'billing'),
        isNull(cloudAccounts.archivedAt),
      ),
    );
  return rows[0]?.n ?? 0;
}

export async function insertAccount(
  tx: Tx,
  row: typeof cloudAccounts.$inferInsert,
): Promise<CloudAccountRow> {
  const [created] = await tx.insert(cloudAccounts).values(row).returning();
  return created!;
}

export async function updateAccount(
  tx: Tx,
  clientId: string,
  id: string,
  patch: Partial<typeof cloudAccounts.$inferInsert>,
): Promise<CloudAccountRow | null> {
  const [row] = await tx
    .update(cloudAccounts)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(cloudAccounts.clientId, clientId), eq(cloudAccounts.id, id)))
    .returning();
  return row ?? null;
}

/**
 * Accounts seen in ingested data: new ones are created with origin `discovered`; existing ones
 * keep what the user set (name, archive), except that a discovered account still named after
 * its id takes the provider's name once the data carries one.
 */
export async function upsertDiscoveredAccounts(
  tx: Tx,
  clientId: string,
  accounts: readonly DiscoveredAccount[],
): Promise<number> {
  // Billing accounts first, so an id seen both as payer and as linked account stays `billing`.
  const rank = (a: DiscoveredAccount) => (a.kind === 'billing' ? 0 : 1);
  const sorted = [...accounts].sort((a, b) => rank(a) - rank(b));
  let created = 0;
  for (const a of sorted) {
    const name = a.name?.trim() ? a.name.trim().slice(0, 200) : a.accountId;
    const rows = await tx
      .insert(cloudAccounts)
      .values({
        clientId,
        provider: a.provider,
        billingAccountId: a.accountId,
        name,
        kind: a.kind,
        parentAccountId: a.kind === 'sub' ? a.parentAccountId : null,
        origin: 'discovered',
      })
      .onConflictDoUpdate({
        target: [cloudAccounts.clientId, cloudAccounts.provider, cloudAccounts.billingAccountId],
        set: { name: sql`excluded.name`, updatedAt: sql`now()` },
        setWhere: sql`${cloudAccounts.origin} = 'discovered'
          and ${cloudAccounts.name} = ${cloudAccounts.billingAccountId}
          and excluded.name <> excluded.billing_account_id`,
      })
      .returning({ inserted: sql<boolean>`(xmax = 0)` });
    if (rows[0]?.inserted) created += 1;
  }
  return created;
}

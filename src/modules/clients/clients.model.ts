import { and, eq, ilike, isNull, or, sql, type SQL } from 'drizzle-orm';

import type { Tx } from '../../db/client.js';
import { clients, plans, subscriptions } from '../../db/schema.js';

export interface ClientListFilter {
  q?: string;
  status?: string;
  plan?: string;
  limit: number;
  offset: number;
}

/** Clients joined to their current subscription's plan, with their member count. */
function withPlan(tx: Tx) {
  return tx
    .select({
      client: clients,
      plan: plans.code,
      subscriptionStatus: subscriptions.status,
      members: sql<number>`(
        select count(*)::int from memberships m where m.client_id = ${clients.id}
      )`,
    })
    .from(clients)
    .leftJoin(
      subscriptions,
      and(eq(subscriptions.clientId, clients.id), isNull(subscriptions.endedAt)),
    )
    .leftJoin(plans, eq(plans.id, subscriptions.planId));
}

/** Clients with their current plan and member count, for the admin list. */
export async function listClients(tx: Tx, filter: ClientListFilter) {
  const conditions: SQL[] = [];
  if (filter.q) {
    const like = `%${filter.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(clients.name, like), ilike(clients.slug, like))!);
  }
  if (filter.status) conditions.push(eq(clients.status, filter.status));
  if (filter.plan) conditions.push(eq(plans.code, filter.plan));

  const rows = await withPlan(tx)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(clients.name)
    .limit(filter.limit)
    .offset(filter.offset);
  const [total] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(clients)
    .leftJoin(
      subscriptions,
      and(eq(subscriptions.clientId, clients.id), isNull(subscriptions.endedAt)),
    )
    .leftJoin(plans, eq(plans.id, subscriptions.planId))
    .where(conditions.length ? and(...conditions) : undefined);
  return { rows, total: total?.n ?? 0 };
}

export async function findClientDetail(tx: Tx, id: string) {
  const rows = await withPlan(tx).where(eq(clients.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function insertClient(tx: Tx, row: typeof clients.$inferInsert) {
  const [created] = await tx.insert(clients).values(row).returning();
  return created!;
}

export async function updateClient(
  tx: Tx,
  id: string,
  patch: Partial<typeof clients.$inferInsert>,
) {
  const [row] = await tx
    .update(clients)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(clients.id, id))
    .returning();
  return row ?? null;
}

export async function slugTaken(tx: Tx, slug: string): Promise<boolean> {
  const rows = await tx.select({ id: clients.id }).from(clients).where(eq(clients.slug, slug));
  return rows.length > 0;
}


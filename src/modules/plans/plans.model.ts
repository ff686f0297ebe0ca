import { and, desc, eq, isNull, sql } from 'drizzle-orm';

import type { Tx } from '../../db/client.js';
import { plans, subscriptions } from '../../db/schema.js';

export type PlanRow = typeof plans.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;

export async function listPlans(tx: Tx, includeArchived: boolean): Promise<PlanRow[]> {
  return tx
    .select()
    .from(plans)
    .where(includeArchived ? undefined : isNull(plans.archivedAt))
    .orderBy(plans.monthlyPrice);
}

export async function findPlan(tx: Tx, idOrCode: string): Promise<PlanRow | null> {
  const isUuid = /^[0-9a-f-]{36}$/i.test(idOrCode);
  const rows = await tx
    .select()
    .from(plans)
    .where(isUuid ? eq(plans.id, idOrCode) : eq(plans.code, idOrCode))
    .limit(1);
  return rows[0] ?? null;
}

export async function insertPlan(tx: Tx, row: typeof plans.$inferInsert): Promise<PlanRow> {
  const [created] = await tx.insert(plans).values(row).returning();
  return created!;
}

export async function updatePlan(
  tx: Tx,
  id: string,
  patch: Partial<typeof plans.$inferInsert>,
): Promise<PlanRow | null> {
  const [row] = await tx
    .update(plans)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(plans.id, id))
    .returning();
  return row ?? null;
}

/** The client's current subscription: the one not ended. */
export async function currentSubscription(
  tx: Tx,
  clientId: string,
): Promise<(SubscriptionRow & { plan: PlanRow }) | null> {
  const rows = await tx
    .select({ s: subscriptions, p: plans })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(and(eq(subscriptions.clientId, clientId), isNull(subscriptions.endedAt)))
    .orderBy(desc(subscriptions.startedAt))
    .limit(1);
  const row = rows[0];
  return row ? { ...row.s, plan: row.p } : null;
}

export async function subscriptionHistory(tx: Tx, clientId: string) {
  return tx
    .select({ s: subscriptions, code: plans.code, name: plans.name })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.clientId, clientId))
    .orderBy(desc(subscriptions.startedAt));
}

/** Ends the current subscription and starts the next one: history keeps every change. */
export async function replaceSubscription(
  tx: Tx,
  clientId: string,
  next: { planId: string; status: string; changedBy: string | null },
  now: Date,
): Promise<void> {
  await tx
    .update(subscriptions)
    .set({ endedAt: now })
    .where(and(eq(subscriptions.clientId, clientId), isNull(subscriptions.endedAt)));
  await tx.insert(subscriptions).values({ clientId, ...next, startedAt: now });
}

import { and, asc, eq, inArray, sql } from 'drizzle-orm';

import type { Tx } from '../../db/client.js';
import { memberships, securityEvents, users } from '../../db/schema.js';

export type Role = 'owner' | 'finops_admin' | 'viewer';

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  locale: string;
  role: Role;
  status: string;
  /** Last sign-in into, or switch to, this client; never activity in other clients. */
  lastAccessAt: Date | null;
  since: Date;
}

/** The events that mean "this person entered this client". */
const ACCESS_EVENTS = ['auth.login.succeeded', 'auth.client.switched'];

export async function listMembers(tx: Tx, clientId: string): Promise<MemberView[]> {
  // users.last_login_at is global: it would show what a member does in other clients. The
  // client's own security events say when they last came in here (no column tracks it).
  const access = tx
    .select({
      userId: securityEvents.actorUserId,
      at: sql`max(${securityEvents.occurredAt})`.mapWith(securityEvents.occurredAt).as('at'),
    })
    .from(securityEvents)
    .where(and(eq(securityEvents.clientId, clientId), inArray(securityEvents.type, ACCESS_EVENTS)))
    .groupBy(securityEvents.actorUserId)
    .as('access');

  const rows = await tx
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      locale: users.locale,
      role: memberships.role,
      status: users.status,
      lastAccessAt: access.at,
      since: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .leftJoin(access, eq(access.userId, memberships.userId))
    .where(eq(memberships.clientId, clientId))
    .orderBy(asc(users.name));
  return rows.map((r) => ({ ...r, role: r.role as Role }));
}

export async function findMember(tx: Tx, clientId: string, userId: string) {
  const rows = await tx
    .select()
    .from(memberships)
    .where(and(eq(memberships.clientId, clientId), eq(memberships.userId, userId)))
    .for('update')
    .limit(1);
  return rows[0] ?? null;
}

export async function countMembers(tx: Tx, clientId: string): Promise<number> {
  const rows = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(memberships)
    .where(eq(memberships.clientId, clientId));
  return rows[0]?.n ?? 0;
}

/** Locks the client's owner rows so two demotions cannot both leave it ownerless. */
export async function countOwnersForUpdate(tx: Tx, clientId: string): Promise<number> {
  const rows = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.clientId, clientId), eq(memberships.role, 'owner')))
    .for('update');
  return rows.length;
}

export async function insertMember(tx: Tx, clientId: string, userId: string, role: Role) {
  await tx.insert(memberships).values({ clientId, userId, role });
}

export async function updateMemberRole(tx: Tx, clientId: string, userId: string, role: Role) {
  await tx
    .update(memberships)
    .set({ role, updatedAt: sql`now()` })
    .where(and(eq(memberships.clientId, clientId), eq(memberships.userId, userId)));
}

export async function deleteMember(tx: Tx, clientId: string, userId: string) {
  await tx
    .delete(memberships)
    .where(and(eq(memberships.clientId, clientId), eq(memberships.userId, userId)));
}

import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';

import { queryRows, type Tx } from '../../db/client.js';
import {
  clients,
  loginThrottle,
  memberships,
  passwordResetTokens,
  plans,
  refreshTokens,
  subscriptions,
  users,
} from '../../db/schema.js';

export type UserRow = typeof users.$inferSelect;
export type ClientRow = typeof clients.$inferSelect;
export type ClientRole = 'owner' | 'finops_admin' | 'viewer';
export type GlobalRole = 'root' | 'support';

export interface MembershipView {
  clientId: string;
  role: ClientRole;
  slug: string;
  name: string;
  status: string;
}

export async function findUserByEmail(tx: Tx, email: string): Promise<UserRow | null> {
  const rows = await tx
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`)
    .limit(1);
  return rows[0] ?? null;
}

export async function findUserById(tx: Tx, id: string): Promise<UserRow | null> {
  const rows = await tx.select().from(users).where(eq(users.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function findClientById(tx: Tx, id: string): Promise<ClientRow | null> {
  const rows = await tx.select().from(clients).where(eq(clients.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function listMemberships(tx: Tx, userId: string): Promise<MembershipView[]> {
  const rows = await tx
    .select({
      clientId: memberships.clientId,
      role: memberships.role,
      slug: clients.slug,
      name: clients.name,
      status: clients.status,
    })
    .from(memberships)
    .innerJoin(clients, eq(clients.id, memberships.clientId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(clients.name));
  return rows.map((r) => ({ ...r, role: r.role as ClientRole }));
}

export interface SessionState {
  status: string;
  tokenVersion: number;
  globalRole: GlobalRole | null;
  mustChangePassword: boolean;
  email: string;
  locale: string;
  membershipRole: ClientRole | null;
  clientStatus: string | null;
  sessionActive: boolean;
}

/**
 * Everything a request needs to trust its token, in one indexed query: the user's current
 * status, token version and roles, the membership in the token's client, and whether the
 * session (refresh family) was revoked.
 */
export async function loadSessionState(
  tx: Tx,
  input: { userId: string; clientId: string | null; sessionId: string },
): Promise<SessionState | null> {
  const rows = await queryRows<SessionState>(
    tx,
    sql`
      select u.status, u.token_version as "tokenVersion", u.global_role as "globalRole",
             u.must_change_password as "mustChangePassword", u.email, u.locale,
             m.role as "membershipRole", c.status as "clientStatus",
             exists (select 1 from refresh_tokens r
                     where r.family_id = ${input.sessionId} and r.user_id = u.id
                       and r.revoked_at is null) as "sessionActive"
      from users u
      left join memberships m on m.user_id = u.id and m.client_id = ${input.clientId}
      left join clients c on c.id = ${input.clientId}
      where u.id = ${input.userId}
    `,
  );
  return rows[0] ?? null;
}

/** Counts one more failure; returns the new count. Atomic, so parallel guesses all count. */
export async function addLoginFailure(tx: Tx, userId: string): Promise<number> {
  const rows = await tx
    .update(users)
    .set({ failedLoginCount: sql`${users.failedLoginCount} + 1` })
    .where(eq(users.id, userId))
    .returning({ n: users.failedLoginCount });
  return rows[0]?.n ?? 0;
}

export async function lockUser(tx: Tx, userId: string, until: Date): Promise<void> {
  await tx
    .update(users)
    .set({ lockedUntil: until, failedLoginCount: 0 })
    .where(eq(users.id, userId));
}

export async function recordLoginSuccess(
  tx: Tx,
  userId: string,
  clientId: string | null,
  now: Date,
): Promise<void> {
  await tx
    .update(users)
    .set({
      failedLoginCount: 0,
      lockedUntil: null,
      lastLoginAt: now,
      ...(clientId ? { lastClientId: clientId } : {}),
    })
    .where(eq(users.id, userId));
}

export async function unlockUser(tx: Tx, userId: string): Promise<void> {
  await tx
    .update(users)
    .set({ failedLoginCount: 0, lockedUntil: null, updatedAt: sql`now()` })
    .where(eq(users.id, userId));
}

export async function setPasswordHash(tx: Tx, userId: string, passwordHash: string): Promise<void> {
  await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
}

/** A new password ends every other session: the token version moves and families close. */
export async function replacePassword(
  tx: Tx,
  userId: string,
  passwordHash: string,
  now: Date,
): Promise<void> {
  await tx
    .update(users)
    .set({
      passwordHash,
      passwordChangedAt: now,
      mustChangePassword: false,
      failedLoginCount: 0,
      lockedUntil: null,
      tokenVersion: sql`${users.tokenVersion} + 1`,
      updatedAt: now,
    })
    .where(eq(users.id, userId));
  await revokeAllSessions(tx, userId, now);
}

export async function getThrottle(tx: Tx, emailKey: string) {
  const rows = await tx.select().from(loginThrottle).where(eq(loginThrottle.emailKey, emailKey));
  return rows[0] ?? null;
}

export async function addThrottleFailure(tx: Tx, emailKey: string): Promise<number> {
  const rows = await tx
    .insert(loginThrottle)
    .values({ emailKey, failures: 1 })
    .onConflictDoUpdate({
      target: loginThrottle.emailKey,
      set: { failures: sql`${loginThrottle.failures} + 1`, updatedAt: sql`now()` },
    })
    .returning({ n: loginThrottle.failures });
  return rows[0]?.n ?? 1;
}

export async function lockThrottle(tx: Tx, emailKey: string, until: Date): Promise<void> {
  await tx
    .update(loginThrottle)
    .set({ lockedUntil: until, failures: 0, updatedAt: sql`now()` })
    .where(eq(loginThrottle.emailKey, emailKey));
}

/* ------------------------------------------------------------------ sessions (refresh) */

export type RefreshRow = typeof refreshTokens.$inferSelect;

export async function insertRefreshToken(
  tx: Tx,
  row: {
    userId: string;
    familyId: string;
    tokenHash: string;
    activeClientId: string | null;
    expiresAt: Date;
  },
): Promise<RefreshRow> {
  const rows = await tx.insert(refreshTokens).values(row).returning();
  return rows[0]!;
}

export async function findRefreshToken(tx: Tx, tokenHash: string): Promise<RefreshRow | null> {
  const rows = await tx
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .for('update')
    .limit(1);
  return rows[0] ?? null;
}

export async function markRefreshReplaced(
  tx: Tx,
  id: string,
  replacedBy: string,
  now: Date,
): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: now, replacedBy })
    .where(eq(refreshTokens.id, id));
}

export async function revokeFamily(tx: Tx, familyId: string, now: Date): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function revokeAllSessions(tx: Tx, userId: string, now: Date): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

/* ------------------------------------------------------------------ password reset */

export async function countRecentResets(
  tx: Tx,
  filter: { userId?: string; ip?: string },
  since: Date,
): Promise<number> {
  const conditions = [gt(passwordResetTokens.createdAt, since)];
  if (filter.userId) conditions.push(eq(passwordResetTokens.userId, filter.userId));
  if (filter.ip) conditions.push(eq(passwordResetTokens.requestIp, filter.ip));
  const rows = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(passwordResetTokens)
    .where(and(...conditions));
  return rows[0]?.n ?? 0;
}

/** A newer link voids every older one of the same user. */
export async function insertResetToken(
  tx: Tx,
  row: { userId: string; tokenHash: string; expiresAt: Date; requestIp: string },
  now: Date,
): Promise<void> {
  await tx
    .update(passwordResetTokens)
    .set({ voidedAt: now })
    .where(
      and(
        eq(passwordResetTokens.userId, row.userId),
        isNull(passwordResetTokens.usedAt),
        isNull(passwordResetTokens.voidedAt),
      ),
    );
  await tx.insert(passwordResetTokens).values(row);
}

export async function findUsableResetToken(tx: Tx, tokenHash: string, now: Date) {
  const rows = await tx
    .select()
    .from(passwordResetTokens)
    .where(
      and(
        eq(passwordResetTokens.tokenHash, tokenHash),
        isNull(passwordResetTokens.usedAt),
        isNull(passwordResetTokens.voidedAt),
        gt(passwordResetTokens.expiresAt, now),
      ),
    )
    .for('update')
    .limit(1);
  return rows[0] ?? null;
}

export async function markResetTokenUsed(tx: Tx, id: string, now: Date): Promise<void> {
  await tx.update(passwordResetTokens).set({ usedAt: now }).where(eq(passwordResetTokens.id, id));
}

/* ------------------------------------------------------------------ clients and plans */

export async function clientOwners(
  tx: Tx,
  clientId: string,
): Promise<{ email: string; locale: string; name: string }[]> {
  return tx
    .select({ email: users.email, locale: users.locale, name: users.name })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(memberships.clientId, clientId),
        eq(memberships.role, 'owner'),
        eq(users.status, 'active'),
      ),
    );
}

export interface PlanView {
  code: string;
  name: string;
  status: string;
  features: string[];
  limits: Record<string, unknown>;
}

/** The client's current subscription and its plan (the newest one not ended). */
export async function currentPlan(tx: Tx, clientId: string): Promise<PlanView | null> {
  const rows = await tx
    .select({
      code: plans.code,
      name: plans.name,
      status: subscriptions.status,
      features: plans.features,
      limits: plans.limits,
    })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(and(eq(subscriptions.clientId, clientId), isNull(subscriptions.endedAt)))
    .orderBy(desc(subscriptions.startedAt))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  return {
    ...row,
    features: row.features as string[],
    limits: row.limits as Record<string, unknown>,
  };
}

export async function rootExists(tx: Tx): Promise<boolean> {
  const rows = await tx
    .select({ id: users.id })
    .from(users)
    .where(eq(users.globalRole, 'root'))
    .limit(1);
  return rows.length > 0;
}

export async function insertUser(
  tx: Tx,
  row: typeof users.$inferInsert,
): Promise<UserRow> {
  const rows = await tx.insert(users).values(row).returning();
  return rows[0]!;
}

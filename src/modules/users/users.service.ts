import { and, eq, ilike, or, sql, type SQL } from 'drizzle-orm';

import type { Config } from '../../config/config.js';
import type { Db, Tx } from '../../db/client.js';
import { memberships, users } from '../../db/schema.js';
import { withPlatform } from '../../db/tenant.js';
import type { RequestContext } from '../../http/context.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, notFound } from '../../lib/errors.js';
import { recordSecurityEvent } from '../audit/audit.model.js';
import * as identity from '../identity/identity.model.js';
import { requireActor } from '../identity/identity.service.js';
import { writeResetLink } from '../identity/reset-links.js';

type GlobalRole = 'root' | 'support' | null;

export type UsersService = ReturnType<typeof createUsersService>;

/** Platform administration of users. Only root may grant or take global roles. */
export function createUsersService(deps: { db: Db; clock: Clock; config: Config }) {
  const { db, clock, config } = deps;

  async function dto(tx: Tx, user: identity.UserRow) {
    const ms = await identity.listMemberships(tx, user.id);
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      locale: user.locale,
      global_role: user.globalRole as GlobalRole,
      status: user.status,
      locked: Boolean(user.lockedUntil && user.lockedUntil > clock.now()),
      must_change_password: user.mustChangePassword,
      last_login_at: user.lastLoginAt?.toISOString() ?? null,
      memberships: ms.map((m) => ({ client_id: m.clientId, slug: m.slug, role: m.role })),
    };
  }

  async function load(tx: Tx, id: string) {
    const user = await identity.findUserById(tx, id);
    if (!user) throw notFound('User');
    return user;
  }

  function requireRootFor(ctx: RequestContext, what: string) {
    if (requireActor(ctx).globalRole !== 'root') {
      throw new AppError('forbidden', `Only root may ${what}.`);
    }
  }

  return {
    async list(
      ctx: RequestContext,
      f: {
        q?: string;
        status?: string;
        global_role?: string;
        client_id?: string;
        limit: number;
        offset: number;
      },
    ) {
      requireActor(ctx);
      return withPlatform(db, async (tx) => {
        const conditions: SQL[] = [];
        if (f.q) {
          const like = `%${f.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
          conditions.push(or(ilike(users.email, like), ilike(users.name, like))!);
        }
        if (f.status) conditions.push(eq(users.status, f.status));
        if (f.global_role) conditions.push(eq(users.globalRole, f.global_role));
        if (f.client_id) {
          conditions.push(
            sql`exists (select 1 from ${memberships} m
                        where m.user_id = ${users.id} and m.client_id = ${f.client_id})`,
          );
        }
        const where = conditions.length ? and(...conditions) : undefined;
        const rows = await tx
          .select()
          .from(users)
          .where(where)
          .orderBy(users.email)
          .limit(f.limit)
          .offset(f.offset);
        const [total] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(users)
          .where(where);
        const items = [];
        for (const u of rows) items.push(await dto(tx, u));
        return { items, total: total?.n ?? 0, limit: f.limit, offset: f.offset };
      });
    },

    async get(ctx: RequestContext, id: string) {
      requireActor(ctx);
      return withPlatform(db, async (tx) => dto(tx, await load(tx, id)));
    },

    /** Creates an account without a password and mails a link to set one. */
    async create(
      ctx: RequestContext,
      input: {
        email: string;
        name: string;
        locale: 'es' | 'en' | 'pt-BR';
        global_role: GlobalRole;
      },
    ) {
      if (input.global_role) requireRootFor(ctx, 'grant a global role');
      return withPlatform(db, async (tx) => {
        if (await identity.findUserByEmail(tx, input.email)) {
          throw new AppError('conflict', `A user with e-mail ${input.email} already exists.`);
        }
        const user = await identity.insertUser(tx, {
          email: input.email.trim(),
          name: input.name,
          locale: input.locale,
          globalRole: input.global_role,
        });
        await recordSecurityEvent(tx, ctx, {
          type: input.global_role ? 'user.global_role.changed' : 'user.created',
          clientId: null,
          targetType: 'user',
          targetId: user.id,
          details: { globalRole: input.global_role },
        });
        await writeResetLink(
          tx,
          ctx,
          user,
          'invitation',
          config.publicBaseUrl,
          clock.now(),
          'FinOpsLatam',
        );
        return dto(tx, user);
      });
    },

    async update(
      ctx: RequestContext,
      id: string,
      patch: { name?: string; locale?: 'es' | 'en' | 'pt-BR'; global_role?: GlobalRole },
    ) {
      if (patch.global_role !== undefined) requireRootFor(ctx, 'grant or remove a global role');
      return withPlatform(db, async (tx) => {
        const user = await load(tx, id);
        if (patch.global_role !== undefined && user.id === ctx.actor!.userId) {
          throw new AppError('conflict', 'You cannot change your own global role.');
        }
        await tx
          .update(users)
          .set({
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.locale !== undefined ? { locale: patch.locale } : {}),
            ...(patch.global_role !== undefined ? { globalRole: patch.global_role } : {}),
            updatedAt: sql`now()`,
          })
          .where(eq(users.id, id));
        const roleChanged =
          patch.global_role !== undefined && patch.global_role !== user.globalRole;
        await recordSecurityEvent(tx, ctx, {
          type: roleChanged ? 'user.global_role.changed' : 'user.updated',
          clientId: null,
          targetType: 'user',
          targetId: id,
          details: roleChanged
            ? { from: user.globalRole, to: patch.global_role }
            : { fields: Object.keys(patch) },
        });
        return dto(tx, await load(tx, id));
      });
    },

    /** Disabling ends every session of the user at once. */
    async setStatus(ctx: RequestContext, id: string, status: 'active' | 'disabled') {
      requireActor(ctx);
      return withPlatform(db, async (tx) => {
        const user = await load(tx, id);
        if (user.id === ctx.actor!.userId) {
          throw new AppError('conflict', 'You cannot disable or enable yourself.');
        }
        await tx
          .update(users)
          .set({
            status,
            updatedAt: sql`now()`,
            ...(status === 'disabled' ? { tokenVersion: sql`${users.tokenVersion} + 1` } : {}),
          })
          .where(eq(users.id, id));
        if (status === 'disabled') await identity.revokeAllSessions(tx, id, clock.now());
        await recordSecurityEvent(tx, ctx, {
          type: status === 'disabled' ? 'user.disabled' : 'user.enabled',
          clientId: null,
          targetType: 'user',
          targetId: id,
        });
        return dto(tx, await load(tx, id));
      });
    },

    async unlock(ctx: RequestContext, id: string) {
      requireActor(ctx);
      return withPlatform(db, async (tx) => {
        await load(tx, id);
        await identity.unlockUser(tx, id);
        await recordSecurityEvent(tx, ctx, {
          type: 'auth.account.unlocked',
          clientId: null,
          targetType: 'user',
          targetId: id,
        });
        return dto(tx, await load(tx, id));
      });
    },

    async sendResetLink(ctx: RequestContext, id: string) {
      requireActor(ctx);
      await withPlatform(db, async (tx) => {
        const user = await load(tx, id);
        if (user.status !== 'active') {
          throw new AppError('conflict', 'The user is disabled; enable the account first.');
        }
        await writeResetLink(tx, ctx, user, 'admin', config.publicBaseUrl, clock.now());
      });
    },
  };
}

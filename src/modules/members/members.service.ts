import type { Config } from '../../config/config.js';
import type { Db, Tx } from '../../db/client.js';
import { withPlatform, withTenant } from '../../db/tenant.js';
import type { RequestContext } from '../../http/context.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, notFound } from '../../lib/errors.js';
import { recordSecurityEvent } from '../audit/audit.model.js';
import {
  clientOwners,
  findClientById,
  findUserByEmail,
  findUserById,
  insertUser,
} from '../identity/identity.model.js';
import { requireActor } from '../identity/identity.service.js';
import { writeResetLink } from '../identity/reset-links.js';
import { enqueueMail } from '../mail/outbox.model.js';
import { loadEntitlements, requireWithinLimit, requireWritable } from '../plans/entitlements.js';
import * as model from './members.model.js';
import type { Role } from './members.model.js';

export interface InviteInput {
  email: string;
  name?: string;
  role: Role;
  locale?: 'es' | 'en' | 'pt-BR';
}

export type MembersService = ReturnType<typeof createMembersService>;

/**
 * Memberships are managed by a client's owners (client side, tenant transaction) and by the
 * platform (admin side, platform transaction); both go through the same rules here: the plan's
 * member limit, never an ownerless client, an event and the owners informed.
 */
export function createMembersService(deps: { db: Db; clock: Clock; config: Config }) {
  const { db, clock, config } = deps;

  async function notifyOwners(
    tx: Tx,
    clientId: string,
    template: 'member_added' | 'role_changed',
    member: { name: string; email: string },
    role: Role,
  ) {
    const client = await findClientById(tx, clientId);
    for (const owner of await clientOwners(tx, clientId)) {
      // The member hears about their own access through the invitation, not this notice.
      if (owner.email.toLowerCase() === member.email.toLowerCase()) continue;
      await enqueueMail(tx, owner.email, owner.locale, {
        template,
        payload: { name: `${member.name} <${member.email}>`, client: client?.name ?? '', role },
      });
    }
  }

  async function add(tx: Tx, ctx: RequestContext, clientId: string, input: InviteInput) {
    const client = await findClientById(tx, clientId);
    if (!client) throw notFound('Client');
    const entitlements = await loadEntitlements(tx, clientId);
    requireWithinLimit(entitlements, 'members', await model.countMembers(tx, clientId));

    // The answer must be the same whether or not the address already had an account, or this
    // endpoint tells any owner which e-mails exist on the platform.
    let user = await findUserByEmail(tx, input.email);
    const isNew = !user;
    if (!user) {
      // A new person gets an account without a password and a link to set one.
      user = await insertUser(tx, {
        email: input.email.trim(),
        name: input.name?.trim() || input.email.split('@')[0]!,
        locale: input.locale ?? 'es',
      });
      await recordSecurityEvent(tx, ctx, {
        type: 'user.created',
        clientId,
        targetType: 'user',
        targetId: user.id,
        details: { via: 'invitation' },
      });
    }
    if (await model.findMember(tx, clientId, user.id)) {
      throw new AppError('conflict', `${input.email} is already a member of this client.`);
    }

    // TODO: add the membership only once the person accepts (an invitations table with its own
    // token and expiry) once we have that migration; until then an existing user is enrolled
    // at once and is at least told so by the mail below.
    await model.insertMember(tx, clientId, user.id, input.role);
    await recordSecurityEvent(tx, ctx, {
      type: 'membership.changed',
      clientId,
      targetType: 'user',
      targetId: user.id,
      details: { change: 'added', role: input.role },
    });
    // The added person always hears about it: a new one gets the link to set a password, an
    // existing one learns who gave them access, so a silent enrolment cannot happen.
    if (isNew) {
      await writeResetLink(
        tx,
        ctx,
        user,
        'invitation',
        config.publicBaseUrl,
        clock.now(),
        client.name,
      );
    } else {
      await enqueueMail(tx, user.email, user.locale, {
        template: 'added_to_client',
        payload: {
          name: user.name,
          client: client.name,
          role: input.role,
          actor: await describeActor(tx, ctx),
          link: config.publicBaseUrl,
        },
      });
    }
    await notifyOwners(tx, clientId, 'member_added', user, input.role);

    // The address as the caller wrote it, not the stored one: its casing would tell them apart.
    return {
      userId: user.id,
      email: input.email.trim(),
      role: input.role,
      status: 'invited' as const,
    };
  }

  /** Who did it, as the added person knows them; work without an actor is the platform's. */
  async function describeActor(tx: Tx, ctx: RequestContext): Promise<string> {
    const actor = ctx.actor ? await findUserById(tx, ctx.actor.userId) : null;
    return actor ? `${actor.name} <${actor.email}>` : 'FinOpsLatam';
  }

  async function changeRole(
    tx: Tx,
    ctx: RequestContext,
    clientId: string,
    userId: string,
    role: Role,
  ) {
    const member = await model.findMember(tx, clientId, userId);
    if (!member) throw notFound('Member');
    if (member.role === role) return;
    if (member.role === 'owner' && (await model.countOwnersForUpdate(tx, clientId)) <= 1) {
      throw new AppError(
        'conflict',
        'This is the last owner of the client; make someone else owner first.',
      );
    }

    await model.updateMemberRole(tx, clientId, userId, role);
    await recordSecurityEvent(tx, ctx, {
      type: 'membership.changed',
      clientId,
      targetType: 'user',
      targetId: userId,
      details: { change: 'role', from: member.role, to: role },
    });
    const user = await findUserById(tx, userId);
    if (user) await notifyOwners(tx, clientId, 'role_changed', user, role);
  }

  async function remove(tx: Tx, ctx: RequestContext, clientId: string, userId: string) {
    const member = await model.findMember(tx, clientId, userId);
    if (!member) throw notFound('Member');
    if (member.role === 'owner' && (await model.countOwnersForUpdate(tx, clientId)) <= 1) {
      throw new AppError('conflict', 'The last owner of a client cannot be removed.');
    }

    await model.deleteMember(tx, clientId, userId);
    await recordSecurityEvent(tx, ctx, {
      type: 'membership.changed',
      clientId,
      targetType: 'user',
      targetId: userId,
      details: { change: 'removed', role: member.role },
    });
  }

  /** Client-side changes need a live subscription; a canceled one leaves the client read-only. */
  async function writable<T>(ctx: RequestContext, fn: (tx: Tx, clientId: string) => Promise<T>) {
    const clientId = clientOf(ctx);
    return withTenant(db, clientId, async (tx) => {
      requireWritable(await loadEntitlements(tx, clientId));
      return fn(tx, clientId);
    });
  }

  /** The active client of the caller; the id never comes from the request. */
  function clientOf(ctx: RequestContext): string {
    const actor = requireActor(ctx);
    if (!actor.clientId) throw new AppError('forbidden', 'Select a client first (switch-client).');
    return actor.clientId;
  }

  return {
    add,
    changeRole,
    remove,
    // Client side: the caller's own client, inside a tenant transaction.
    list: (ctx: RequestContext) => {
      const clientId = clientOf(ctx);
      return withTenant(db, clientId, (tx) => model.listMembers(tx, clientId));
    },
    invite: (ctx: RequestContext, input: InviteInput) =>
      writable(ctx, (tx, clientId) => add(tx, ctx, clientId, input)),
    setRole: (ctx: RequestContext, userId: string, role: Role) =>
      writable(ctx, (tx, clientId) => changeRole(tx, ctx, clientId, userId, role)),
    removeMember: (ctx: RequestContext, userId: string) =>
      writable(ctx, (tx, clientId) => remove(tx, ctx, clientId, userId)),
    // Admin side: any client, inside a platform transaction.
    adminAdd: (ctx: RequestContext, clientId: string, input: InviteInput) =>
      withPlatform(db, (tx) => add(tx, ctx, clientId, input)),
    adminSetRole: (ctx: RequestContext, clientId: string, userId: string, role: Role) =>
      withPlatform(db, (tx) => changeRole(tx, ctx, clientId, userId, role)),
    adminRemove: (ctx: RequestContext, clientId: string, userId: string) =>
      withPlatform(db, (tx) => remove(tx, ctx, clientId, userId)),
  };
}

import { createHash, randomUUID } from 'node:crypto';

import type { FastifyRequest } from 'fastify';

import type { Config } from '../../config/config.js';
import type { Db, Tx } from '../../db/client.js';
import { withPlatform } from '../../db/tenant.js';
import type { Authenticator } from '../../http/auth.js';
import type { Actor, RequestContext } from '../../http/context.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { capabilitiesFor } from '../access/permissions.js';
import { recordSecurityEvent } from '../audit/audit.model.js';
import { enqueueMail } from '../mail/outbox.model.js';
import * as model from './identity.model.js';
import type { ClientRole, GlobalRole, MembershipView, UserRow } from './identity.model.js';
import {
  checkNewPassword,
  dummyPasswordHash,
  hashPassword,
  PASSWORD_MAX_BYTES,
  verifyPassword,
} from './passwords.js';
import { writeResetLink } from './reset-links.js';
import { createTokenSigner, hashOpaqueToken, newOpaqueToken } from './tokens.js';
import type {
  ChangePasswordInput,
  LoginInput,
  MeResponse,
  SessionResponse,
  SwitchClientInput,
} from './identity.types.js';

export const LOCK_AFTER_FAILURES = 10;
export const LOCK_MINUTES = 15;
export const RESET_TOKEN_MINUTES = 30;
const RESETS_PER_ADDRESS_PER_HOUR = 3;
const RESETS_PER_IP_PER_HOUR = 10;
/** forgot-password answers no sooner than this, whatever it did, so timing tells nothing. */
const FORGOT_MIN_MS = 250;

export interface IdentityDeps {
  db: Db;
  clock: Clock;
  config: Config;
  logger: Logger;
}

const invalidCredentials = () =>
  new AppError('unauthenticated', 'The e-mail or password is not correct.');

function emailKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

function lockedError(until: Date, now: Date): AppError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new AppError(
    'account_locked',
    'Too many failed sign-ins; try again later or reset your password.',
    { retryAfter: seconds },
  );
}

export type IdentityService = ReturnType<typeof createIdentityService>;

export function createIdentityService(deps: IdentityDeps) {
  const { db, clock, config } = deps;
  const signer = createTokenSigner(config.jwt);

  /** Opens a session (refresh family) and signs its first access token. */
  async function openSession(
    tx: Tx,
    user: UserRow,
    client: { id: string; role: ClientRole | null } | null,
    familyId: string = randomUUID(),
    expiresAt?: Date,
  ) {
    const now = clock.now();
    const refreshToken = newOpaqueToken();
    await model.insertRefreshToken(tx, {
      userId: user.id,
      familyId,
      tokenHash: hashOpaqueToken(refreshToken),
      activeClientId: client?.id ?? null,
      expiresAt: expiresAt ?? new Date(now.getTime() + config.jwt.refreshTtlSeconds * 1000),
    });
    const access = await signer.signAccess(
      {
        userId: user.id,
        sessionId: familyId,
        // The version is read after any bump made in this same transaction.
        tokenVersion: (await model.findUserById(tx, user.id))!.tokenVersion,
        globalRole: user.globalRole as GlobalRole | null,
        clientRole: client?.role ?? null,
        clientId: client?.id ?? null,
      },
      now,
    );
    return { refreshToken, accessToken: access.token, expiresIn: access.expiresIn, familyId };
  }

  async function sessionResponse(
    tx: Tx,
    user: UserRow,
    client: { id: string; role: ClientRole | null } | null,
    session: { refreshToken: string; accessToken: string; expiresIn: number },
  ): Promise<SessionResponse> {
    const clientRow = client ? await model.findClientById(tx, client.id) : null;
    return {
      access_token: session.accessToken,
      token_type: 'Bearer',
      expires_in: session.expiresIn,
      refresh_token: session.refreshToken,
      user: userDto(user),
      client: clientRow
        ? { id: clientRow.id, slug: clientRow.slug, name: clientRow.name, role: client!.role }
        : null,
      permissions: capabilitiesFor({
        globalRole: user.globalRole as GlobalRole | null,
        clientRole: client?.role ?? null,
        inClient: client !== null,
      }),
    };
  }

  /** The client a login lands in: the one asked for, else the last used, else the only one. */
  function pickClient(
    memberships: MembershipView[],
    user: UserRow,
    requested: string | undefined,
  ): { id: string; role: ClientRole } | null {
    const active = memberships.filter((m) => m.status === 'active');
    if (requested) {
      const m = active.find((x) => x.clientId === requested);
      if (!m) throw notFound('Client');
      return { id: m.clientId, role: m.role };
    }
    const last = active.find((m) => m.clientId === user.lastClientId);
    const chosen = last ?? (active.length === 1 ? active[0] : undefined);
    return chosen ? { id: chosen.clientId, role: chosen.role } : null;
  }

  async function failLogin(
    ctx: RequestContext,
    user: UserRow | null,
    email: string,
    reason: string,
  ) {
    const now = clock.now();
    await withPlatform(db, async (tx) => {
      if (!user) {
        const failures = await model.addThrottleFailure(tx, emailKey(email));
        if (failures >= LOCK_AFTER_FAILURES) {
          await model.lockThrottle(
            tx,
            emailKey(email),
            new Date(now.getTime() + LOCK_MINUTES * 60_000),
          );
        }
      } else if (reason === 'wrong_password') {
        const failures = await model.addLoginFailure(tx, user.id);
        if (failures >= LOCK_AFTER_FAILURES) {
          await model.lockUser(tx, user.id, new Date(now.getTime() + LOCK_MINUTES * 60_000));
          await recordSecurityEvent(tx, ctx, {
            type: 'auth.account.locked',
            actorUserId: null,
            targetType: 'user',
            targetId: user.id,
            details: { failures, minutes: LOCK_MINUTES },
          });
          await enqueueMail(tx, user.email, user.locale, {
            template: 'account_locked',
            payload: { name: user.name, minutes: LOCK_MINUTES },
          });
        }
      }
      await recordSecurityEvent(tx, ctx, {
        type: 'auth.login.failed',
        actorUserId: null,
        targetType: user ? 'user' : 'email',
        targetId: user ? user.id : emailKey(email).slice(0, 16),
        details: { reason },
      });
    });
  }

  async function login(ctx: RequestContext, input: LoginInput): Promise<SessionResponse> {
    if (Buffer.byteLength(input.password, 'utf8') > PASSWORD_MAX_BYTES) {
      throw new AppError('validation_failed', 'The password is longer than any we accept.');
    }
    const now = clock.now();
    const user = await withPlatform(db, (tx) => model.findUserByEmail(tx, input.email));

    // Every path below runs one bcrypt verification, so timing does not reveal the account.
    const throttle = user
      ? null
      : await withPlatform(db, (tx) => model.getThrottle(tx, emailKey(input.email)));
    const verified = await verifyPassword(
      input.password,
      user?.passwordHash ?? (await dummyPasswordHash()),
    );

    const lockedUntil = user ? user.lockedUntil : (throttle?.lockedUntil ?? null);
    if (lockedUntil && lockedUntil > now) {
      await failLogin(ctx, user, input.email, 'locked');
      throw lockedError(lockedUntil, now);
    }
    if (!user || !user.passwordHash) {
      await failLogin(ctx, user, input.email, user ? 'no_password' : 'unknown_email');
      throw invalidCredentials();
    }
    if (!verified.ok) {
      await failLogin(ctx, user, input.email, 'wrong_password');
      throw invalidCredentials();
    }
    if (user.status !== 'active') {
      await failLogin(ctx, user, input.email, 'disabled');
      throw invalidCredentials();
    }

    // Upgrade an old or legacy hash while we hold the plain password (outside any transaction).
    const upgraded = verified.needsRehash ? await hashPassword(input.password) : null;

    return withPlatform(db, async (tx) => {
      if (upgraded) await model.setPasswordHash(tx, user.id, upgraded);
      const memberships = await model.listMemberships(tx, user.id);
      const client = pickClient(memberships, user, input.client_id);
      await model.recordLoginSuccess(tx, user.id, client?.id ?? null, now);
      const session = await openSession(tx, user, client);
      const actorCtx = { ...ctx, actor: null };
      await recordSecurityEvent(tx, actorCtx, {
        type: 'auth.login.succeeded',
        actorUserId: user.id,
        clientId: client?.id ?? null,
        targetType: 'user',
        targetId: user.id,
        details: upgraded ? { hashUpgraded: true } : {},
      });
      return sessionResponse(tx, user, client, session);
    });
  }

  async function refresh(ctx: RequestContext, refreshToken: string): Promise<SessionResponse> {
    const now = clock.now();
    const outcome = await withPlatform(db, async (tx) => {
      const row = await model.findRefreshToken(tx, hashOpaqueToken(refreshToken));
      if (!row) return { error: 'unknown' as const };

      // Revoked by logout or by an earlier alarm: the session is simply over.
      if (row.revokedAt && !row.replacedBy) return { error: 'unknown' as const };
      if (row.revokedAt) {
        // A rotated token came back: someone holds a copy. End the whole session.
        await model.revokeFamily(tx, row.familyId, now);
        const user = await model.findUserById(tx, row.userId);
        await recordSecurityEvent(tx, ctx, {
          type: 'auth.token.reuse_detected',
          actorUserId: row.userId,
          targetType: 'session',
          targetId: row.familyId,
        });
        if (user) {
          await enqueueMail(tx, user.email, user.locale, {
            template: 'token_reuse',
            payload: { name: user.name },
          });
        }
        return { error: 'reused' as const };
      }
      if (row.expiresAt <= now) return { error: 'expired' as const };

      const user = await model.findUserById(tx, row.userId);
      if (!user || user.status !== 'active') return { error: 'unknown' as const };

      let client: { id: string; role: ClientRole | null } | null = null;
      if (row.activeClientId) {
        const memberships = await model.listMemberships(tx, user.id);
        const m = memberships.find((x) => x.clientId === row.activeClientId);
        const clientRow = await model.findClientById(tx, row.activeClientId);
        if (m && m.status === 'active') client = { id: m.clientId, role: m.role };
        else if (user.globalRole && clientRow) client = { id: clientRow.id, role: null };
      }

      // The new token keeps the family and its absolute expiry: refreshing never extends it.
      const session = await openSession(tx, user, client, row.familyId, row.expiresAt);
      const newRow = await model.findRefreshToken(tx, hashOpaqueToken(session.refreshToken));
      await model.markRefreshReplaced(tx, row.id, newRow!.id, now);
      return { response: await sessionResponse(tx, user, client, session) };
    });

    if ('response' in outcome && outcome.response) return outcome.response;
    throw new AppError(
      'unauthenticated',
      outcome.error === 'expired'
        ? 'The session has expired; sign in again.'
        : 'The refresh token is not valid; sign in again.',
    );
  }

  async function logout(ctx: RequestContext, sessionId: string): Promise<void> {
    const actor = requireActor(ctx);
    await withPlatform(db, async (tx) => {
      await model.revokeFamily(tx, sessionId, clock.now());
      await recordSecurityEvent(tx, ctx, {
        type: 'auth.logout',
        targetType: 'session',
        targetId: sessionId,
        clientId: actor.clientId,
      });
    });
  }

  async function me(ctx: RequestContext): Promise<MeResponse> {
    const actor = requireActor(ctx);
    return withPlatform(db, async (tx) => {
      const user = await model.findUserById(tx, actor.userId);
      if (!user) throw new AppError('unauthenticated', 'Authentication is required.');
      const memberships = await model.listMemberships(tx, user.id);
      const client = actor.clientId ? await model.findClientById(tx, actor.clientId) : null;
      const plan = actor.clientId ? await model.currentPlan(tx, actor.clientId) : null;
      return {
        user: userDto(user),
        client: client
          ? {
              id: client.id,
              slug: client.slug,
              name: client.name,
              country: client.country,
              currency: client.currency,
              status: client.status,
              role: actor.clientRole,
            }
          : null,
        global_role: actor.globalRole,
        client_role: actor.clientRole,
        memberships: memberships.map((m) => ({
          client_id: m.clientId,
          slug: m.slug,
          name: m.name,
          role: m.role,
          status: m.status,
        })),
        permissions: [...actor.capabilities].sort(),
        plan: plan
          ? { code: plan.code, name: plan.name, status: plan.status, features: plan.features }
          : null,
        features: plan?.features ?? [],
      };
    });
  }

  async function switchClient(
    ctx: RequestContext,
    input: SwitchClientInput,
  ): Promise<SessionResponse> {
    const actor = requireActor(ctx);
    const now = clock.now();
    return withPlatform(db, async (tx) => {
      const user = await model.findUserById(tx, actor.userId);
      if (!user) throw new AppError('unauthenticated', 'Authentication is required.');
      const target = await model.findClientById(tx, input.client_id);
      const memberships = await model.listMemberships(tx, user.id);
      const membership = memberships.find((m) => m.clientId === input.client_id);

      let client: { id: string; role: ClientRole | null };
      if (membership && membership.status === 'active') {
        client = { id: membership.clientId, role: membership.role };
      } else if (user.globalRole && target && target.status === 'active') {
        const reason = input.reason?.trim();
        if (!reason || reason.length < 10) {
          throw new AppError(
            'validation_failed',
            'Entering a client without a membership needs a reason of at least 10 characters ' +
              '(it is recorded and sent to the client owners).',
            { details: { field: 'reason' } },
          );
        }
        client = { id: target.id, role: null };
        await recordSecurityEvent(tx, ctx, {
          type: 'access.privileged',
          clientId: target.id,
          targetType: 'client',
          targetId: target.id,
          details: { reason, globalRole: user.globalRole },
        });
        for (const owner of await model.clientOwners(tx, target.id)) {
          await enqueueMail(tx, owner.email, owner.locale, {
            template: 'privileged_access',
            payload: {
              client: target.name,
              actor: `${user.name} <${user.email}>`,
              role: user.globalRole,
              reason,
              at: now.toISOString().slice(0, 16).replace('T', ' '),
            },
          });
        }
      } else {
        // Not a member, or a client that does not exist or is suspended: all look the same.
        throw notFound('Client');
      }

      await model.revokeFamily(tx, actor.sessionId, now);
      await model.recordLoginSuccess(tx, user.id, client.id, now);
      await recordSecurityEvent(tx, ctx, {
        type: 'auth.client.switched',
        clientId: client.id,
        targetType: 'client',
        targetId: client.id,
      });
      const session = await openSession(tx, user, client);
      return sessionResponse(tx, user, client, session);
    });
  }

  async function changePassword(
    ctx: RequestContext,
    input: ChangePasswordInput,
  ): Promise<SessionResponse> {
    const actor = requireActor(ctx);
    const user = await withPlatform(db, (tx) => model.findUserById(tx, actor.userId));
    if (!user?.passwordHash) throw new AppError('unauthenticated', 'Authentication is required.');

    if (Buffer.byteLength(input.current_password, 'utf8') > PASSWORD_MAX_BYTES) {
      throw new AppError('validation_failed', 'The current password is not correct.');
    }
    const current = await verifyPassword(input.current_password, user.passwordHash);
    if (!current.ok) {
      // A wrong current password counts toward the lock, like a failed sign-in.
      await failLogin(ctx, user, user.email, 'wrong_password');
      await withPlatform(db, (tx) =>
        recordSecurityEvent(tx, ctx, {
          type: 'auth.password.change_failed',
          targetType: 'user',
          targetId: user.id,
          details: { reason: 'wrong_current_password' },
        }),
      );
      throw new AppError('validation_failed', 'The current password is not correct.', {
        details: { reason: 'current_password_wrong' },
      });
    }

    const clientNames = await clientNamesOf(user.id);
    checkNewPassword(input.new_password, { email: user.email, name: user.name, clientNames });
    if (input.new_password === input.current_password) {
      throw new AppError('validation_failed', 'The new password must differ from the current one.');
    }
    const passwordHash = await hashPassword(input.new_password);

    return withPlatform(db, async (tx) => {
      const now = clock.now();
      await model.replacePassword(tx, user.id, passwordHash, now);
      await recordSecurityEvent(tx, ctx, {
        type: 'auth.password.changed',
        targetType: 'user',
        targetId: user.id,
      });
      await enqueueMail(tx, user.email, user.locale, {
        template: 'password_changed',
        payload: { name: user.name, at: now.toISOString().slice(0, 16).replace('T', ' ') },
      });
      // The caller keeps working: a new session in the same client, every other one closed.
      const fresh = (await model.findUserById(tx, user.id))!;
      const client = actor.clientId ? { id: actor.clientId, role: actor.clientRole } : null;
      const session = await openSession(tx, fresh, client);
      return sessionResponse(tx, fresh, client, session);
    });
  }

  async function clientNamesOf(userId: string): Promise<string[]> {
    const memberships = await withPlatform(db, (tx) => model.listMemberships(tx, userId));
    return memberships.flatMap((m) => [m.name, m.slug]);
  }

  async function forgotPassword(ctx: RequestContext, email: string): Promise<void> {
    const started = Date.now();
    try {
      await issueResetLink(ctx, email, 'forgot');
    } finally {
      const wait = FORGOT_MIN_MS - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait + Math.random() * 40));
    }
  }

  /**
   * Sends a single-use reset link to an active user, within the per-address and per-IP limits.
   * Never reveals whether the address exists, never changes or mails a password.
   */
  async function issueResetLink(
    ctx: RequestContext,
    email: string,
    purpose: 'forgot' | 'admin' | 'invitation',
    clientName?: string,
  ): Promise<boolean> {
    const now = clock.now();
    const hourAgo = new Date(now.getTime() - 3600_000);
    return withPlatform(db, async (tx) => {
      const user = await model.findUserByEmail(tx, email);
      if (!user || user.status !== 'active') return false;

      if (purpose === 'forgot') {
        const byUser = await model.countRecentResets(tx, { userId: user.id }, hourAgo);
        const byIp = await model.countRecentResets(tx, { ip: ctx.ip }, hourAgo);
        if (byUser >= RESETS_PER_ADDRESS_PER_HOUR || byIp >= RESETS_PER_IP_PER_HOUR) {
          await recordSecurityEvent(tx, ctx, {
            type: 'auth.password.reset_throttled',
            actorUserId: null,
            targetType: 'user',
            targetId: user.id,
            details: { byAddress: byUser, byIp },
          });
          return false;
        }
      }

      await writeResetLink(tx, ctx, user, purpose, config.publicBaseUrl, now, clientName);
      return true;
    });
  }

  async function resetPassword(
    ctx: RequestContext,
    input: { token: string; new_password: string },
  ): Promise<void> {
    const now = clock.now();
    const invalid = () =>
      new AppError(
        'bad_request',
        'This reset link is invalid, already used or expired; request a new one.',
        { details: { reason: 'reset_token_invalid' } },
      );
    const found = await withPlatform(db, async (tx) => {
      const row = await model.findUsableResetToken(tx, hashOpaqueToken(input.token), now);
      if (!row) return null;
      const user = await model.findUserById(tx, row.userId);
      return user && user.status === 'active' ? { row, user } : null;
    });
    if (!found) throw invalid();

    const clientNames = await clientNamesOf(found.user.id);
    checkNewPassword(input.new_password, {
      email: found.user.email,
      name: found.user.name,
      clientNames,
    });
    const passwordHash = await hashPassword(input.new_password);

    await withPlatform(db, async (tx) => {
      // Re-read under lock: two submissions of one link must not both succeed.
      const row = await model.findUsableResetToken(tx, hashOpaqueToken(input.token), now);
      if (!row) throw invalid();
      await model.markResetTokenUsed(tx, row.id, now);
      await model.replacePassword(tx, row.userId, passwordHash, now);
      await recordSecurityEvent(tx, ctx, {
        type: 'auth.password.reset_completed',
        actorUserId: row.userId,
        targetType: 'user',
        targetId: row.userId,
      });
      await enqueueMail(tx, found.user.email, found.user.locale, {
        template: 'password_changed',
        payload: { name: found.user.name, at: now.toISOString().slice(0, 16).replace('T', ' ') },
      });
    });
  }

  const authenticator: Authenticator = {
    async authenticate(request: FastifyRequest): Promise<Actor> {
      const header = request.headers.authorization;
      const match =
        typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
      if (!match)
        throw new AppError(
          'unauthenticated',
          'Send an access token: Authorization: Bearer <token>.',
        );

      const now = clock.now();
      let claims;
      try {
        claims = await signer.verifyAccess(match[1]!, now);
      } catch (err) {
        const reason = (err as AppError).details?.reason ?? 'invalid';
        if (reason !== 'expired') {
          await withPlatform(db, (tx) =>
            recordSecurityEvent(tx, request.ctx, {
              type: 'auth.token.invalid',
              actorUserId: null,
              details: { reason },
            }),
          ).catch(() => undefined);
        }
        throw err;
      }

      const state = await withPlatform(db, (tx) =>
        model.loadSessionState(tx, {
          userId: claims.sub,
          clientId: claims.client_id,
          sessionId: claims.sid,
        }),
      );
      const revoked = () => new AppError('token_invalid', 'The session has ended; sign in again.');
      if (!state || state.status !== 'active' || !state.sessionActive) throw revoked();
      if (state.tokenVersion !== claims.tv) throw revoked();

      // Roles come from the database now, not from the token, so a change applies at once.
      const globalRole = state.globalRole;
      let clientRole: ClientRole | null = null;
      if (claims.client_id) {
        if (state.clientStatus === null) throw revoked();
        if (state.membershipRole) clientRole = state.membershipRole;
        else if (!globalRole) throw revoked();
        if (state.clientStatus !== 'active' && !globalRole) {
          throw new AppError(
            'client_suspended',
            'This client is suspended; contact FinOpsLatam support.',
          );
        }
      }

      return {
        userId: claims.sub,
        email: state.email,
        locale: state.locale,
        globalRole,
        clientId: claims.client_id,
        clientRole,
        capabilities: new Set(
          capabilitiesFor({ globalRole, clientRole, inClient: claims.client_id !== null }),
        ),
        mustChangePassword: state.mustChangePassword,
        sessionId: claims.sid,
      };
    },
  };

  return {
    login,
    refresh,
    logout,
    me,
    switchClient,
    changePassword,
    forgotPassword,
    resetPassword,
    issueResetLink,
    authenticator,
  };
}

export function requireActor(ctx: RequestContext): Actor {
  if (!ctx.actor) throw new AppError('unauthenticated', 'Authentication is required.');
  return ctx.actor;
}

export function userDto(user: UserRow) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    locale: user.locale,
    global_role: user.globalRole as GlobalRole | null,
    status: user.status,
    must_change_password: user.mustChangePassword,
  };
}

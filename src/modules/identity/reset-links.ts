import type { Tx } from '../../db/client.js';
import type { RequestContext } from '../../http/context.js';
import { recordSecurityEvent } from '../audit/audit.model.js';
import { enqueueMail } from '../mail/outbox.model.js';
import { insertResetToken, type UserRow } from './identity.model.js';
import { hashOpaqueToken, newOpaqueToken } from './tokens.js';

export const RESET_LINK_MINUTES = 30;
export const INVITATION_LINK_MINUTES = 7 * 24 * 60;

/**
 * Stores a single-use link (hashed) and queues its mail in the caller's transaction. The link is
 * built from PUBLIC_BASE_URL, never from the request, so a forged Host header cannot redirect it.
 */
export async function writeResetLink(
  tx: Tx,
  ctx: RequestContext,
  user: Pick<UserRow, 'id' | 'email' | 'name' | 'locale'>,
  purpose: 'forgot' | 'admin' | 'invitation',
  publicBaseUrl: string,
  now: Date,
  clientName?: string,
): Promise<void> {
  const token = newOpaqueToken();
  const minutes = purpose === 'invitation' ? INVITATION_LINK_MINUTES : RESET_LINK_MINUTES;
  await insertResetToken(
    tx,
    {
      userId: user.id,
      tokenHash: hashOpaqueToken(token),
      expiresAt: new Date(now.getTime() + minutes * 60_000),
      requestIp: ctx.ip,
    },
    now,
  );

  const link = `${publicBaseUrl}/reset-password?token=${encodeURIComponent(token)}`;
  await enqueueMail(
    tx,
    user.email,
    user.locale,
    purpose === 'invitation'
      ? { template: 'invitation', payload: { name: user.name, client: clientName ?? '', link } }
      : { template: 'password_reset', payload: { name: user.name, link, minutes } },
  );
  await recordSecurityEvent(tx, ctx, {
    type: 'auth.password.reset_requested',
    actorUserId: purpose === 'forgot' ? null : (ctx.actor?.userId ?? null),
    targetType: 'user',
    targetId: user.id,
    details: { purpose },
  });
}

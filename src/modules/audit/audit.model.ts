import type { Tx } from '../../db/client.js';
import { securityEvents } from '../../db/schema.js';
import type { RequestContext } from '../../http/context.js';
import { SECURITY_EVENT_SEVERITY, type SecurityEventInput } from './audit.types.js';

/**
 * Appends one security event through the caller's transaction, so the event exists exactly when
 * the change it records does.
 */
export async function recordSecurityEvent(
  tx: Tx,
  ctx: RequestContext,
  event: SecurityEventInput,
): Promise<void> {
  const actor = ctx.actor;
  await tx.insert(securityEvents).values({
    type: event.type,
    severity: SECURITY_EVENT_SEVERITY[event.type],
    actorUserId: event.actorUserId === undefined ? (actor?.userId ?? null) : event.actorUserId,
    actorGlobalRole: actor?.globalRole ?? null,
    actorClientRole: actor?.clientRole ?? null,
    clientId: event.clientId === undefined ? (actor?.clientId ?? null) : event.clientId,
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    requestId: ctx.requestId,
    details: event.details ?? {},
  });
}

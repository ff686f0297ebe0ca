import type { Tx } from '../../db/client.js';
import { AppError } from '../../lib/errors.js';
import { currentSubscription } from './plans.model.js';
import type { Feature, LimitName } from './plans.types.js';

export interface Entitlements {
  planCode: string | null;
  planName: string | null;
  status: 'trialing' | 'active' | 'past_due' | 'canceled' | 'none';
  features: ReadonlySet<string>;
  limits: Partial<Record<LimitName, number>>;
}

/** What the client's current plan allows; read in the caller's transaction. */
export async function loadEntitlements(tx: Tx, clientId: string): Promise<Entitlements> {
  const sub = await currentSubscription(tx, clientId);
  if (!sub) {
    return { planCode: null, planName: null, status: 'none', features: new Set(), limits: {} };
  }
  return {
    planCode: sub.plan.code,
    planName: sub.plan.name,
    status: sub.status as Entitlements['status'],
    features: new Set(sub.plan.features as string[]),
    limits: sub.plan.limits as Entitlements['limits'],
  };
}

export function requireFeature(e: Entitlements, feature: Feature): void {
  if (!e.features.has(feature)) {
    throw new AppError(
      'feature_not_in_plan',
      `The ${e.planName ?? 'current'} plan does not include "${feature}"; ask FinOpsLatam to ` +
        'upgrade the subscription.',
      { details: { feature, plan: e.planCode } },
    );
  }
}

/** Throws when adding `adding` more would pass the plan's limit. */
export function requireWithinLimit(
  e: Entitlements,
  limit: LimitName,
  current: number,
  adding = 1,
): void {
  const max = e.limits[limit];
  if (max !== undefined && current + adding > max) {
    throw new AppError(
      'plan_limit_reached',
      `The ${e.planName ?? 'current'} plan allows ${max} ${limit.replace('_', ' ')}; ` +
        `${current} are in use. Remove one or upgrade the plan.`,
      { details: { limit, current, max } },
    );
  }
}

/** A canceled (or missing) subscription leaves the client read-only. */
export function requireWritable(e: Entitlements): void {
  if (e.status === 'canceled' || e.status === 'none') {
    throw new AppError(
      'subscription_inactive',
      'The subscription is not active, so this client is read-only; contact FinOpsLatam.',
      { details: { status: e.status } },
    );
  }
}

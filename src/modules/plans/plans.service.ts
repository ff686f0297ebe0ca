import type { Db } from '../../db/client.js';
import { withPlatform, withTenant } from '../../db/tenant.js';
import type { RequestContext } from '../../http/context.js';
import { AppError, notFound } from '../../lib/errors.js';
import { recordSecurityEvent } from '../audit/audit.model.js';
import { requireActor } from '../identity/identity.service.js';
import { countMembers } from '../members/members.model.js';
import { cloudAccounts } from '../../db/schema.js';
import { and, eq, isNull, sql } from 'drizzle-orm';
import * as model from './plans.model.js';
import { loadEntitlements, requireFeature } from './entitlements.js';
import type { Feature, PlanDto } from './plans.types.js';

function toDto(row: model.PlanRow): PlanDto {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    monthly_price: row.monthlyPrice,
    currency: row.currency,
    limits: row.limits as Record<string, unknown>,
    features: row.features as string[],
    archived: row.archivedAt !== null,
  };
}

export type PlansService = ReturnType<typeof createPlansService>;

/** Plans are data: creating or changing one needs no migration. */
export function createPlansService(deps: { db: Db }) {
  const { db } = deps;

  return {
    async list(ctx: RequestContext, includeArchived: boolean) {
      requireActor(ctx);
      return withPlatform(db, async (tx) =>
        (await model.listPlans(tx, includeArchived)).map(toDto),
      );
    },

    async create(
      ctx: RequestContext,
      input: Omit<PlanDto, 'id' | 'archived'> & { limits: Record<string, number> },
    ) {
      requireActor(ctx);
      return withPlatform(db, async (tx) => {
        if (await model.findPlan(tx, input.code)) {
          throw new AppError('conflict', `A plan with code "${input.code}" already exists.`);
        }
        const row = await model.insertPlan(tx, {
          code: input.code,
          name: input.name,
          monthlyPrice: input.monthly_price,
          currency: input.currency,
          limits: input.limits,
          features: input.features,
        });
        await recordSecurityEvent(tx, ctx, {
          type: 'plan.changed',
          clientId: null,
          targetType: 'plan',
          targetId: row.id,
          details: { change: 'created', code: row.code },
        });
        return toDto(row);
      });
    },

    async update(
      ctx: RequestContext,
      id: string,
      patch: Partial<Omit<PlanDto, 'id' | 'code' | 'archived'>>,
      archive?: boolean,
    ) {
      requireActor(ctx);
      return withPlatform(db, async (tx) => {
        const row = await model.updatePlan(tx, id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.monthly_price !== undefined ? { monthlyPrice: patch.monthly_price } : {}),
          ...(patch.currency !== undefined ? { currency: patch.currency } : {}),
          ...(patch.limits !== undefined ? { limits: patch.limits } : {}),
          ...(patch.features !== undefined ? { features: patch.features } : {}),
          ...(archive !== undefined ? { archivedAt: archive ? new Date() : null } : {}),
        });
        if (!row) throw notFound('Plan');
        await recordSecurityEvent(tx, ctx, {
          type: 'plan.changed',
          clientId: null,
          targetType: 'plan',
          targetId: id,
          details: { change: archive ? 'archived' : 'updated', fields: Object.keys(patch) },
        });
        return toDto(row);
      });
    },

    /** Refuses, with the plan named, a feature the caller's client plan does not include. */
    async requireFeature(ctx: RequestContext, feature: Feature) {
      const clientId = requireActor(ctx).clientId;
      if (!clientId) throw new AppError('forbidden', 'Select a client first (switch-client).');
      const entitlements = await withTenant(db, clientId, (tx) => loadEntitlements(tx, clientId));
      requireFeature(entitlements, feature);
    },

    /** The client's own view: plan, limits, what is in use and the subscription status. */
    async mine(ctx: RequestContext) {
      const actor = requireActor(ctx);
      if (!actor.clientId)
        throw new AppError('forbidden', 'Select a client first (switch-client).');
      const clientId = actor.clientId;
      return withTenant(db, clientId, async (tx) => {
        const sub = await model.currentSubscription(tx, clientId);
        const [accounts] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(cloudAccounts)
          .where(
            and(
              eq(cloudAccounts.clientId, clientId),
              eq(cloudAccounts.kind, 'billing'),
              isNull(cloudAccounts.archivedAt),
            ),
          );
        return {
          plan: sub ? toDto(sub.plan) : null,
          status: sub?.status ?? 'none',
          started_at: sub?.startedAt.toISOString() ?? null,
          usage: { members: await countMembers(tx, clientId), cloud_accounts: accounts?.n ?? 0 },
        };
      });
    },
  };
}

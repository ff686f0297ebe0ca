import type { Db } from '../../db/client.js';
import { withPlatform } from '../../db/tenant.js';
import type { RequestContext } from '../../http/context.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, notFound } from '../../lib/errors.js';
import { recordSecurityEvent } from '../audit/audit.model.js';
import { requireActor } from '../identity/identity.service.js';
import type { MembersService } from '../members/members.service.js';
import * as plansModel from '../plans/plans.model.js';
import * as model from './clients.model.js';
import type { ClientCreateInput, SUBSCRIPTION_STATUSES } from './clients.types.js';

type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export type ClientsService = ReturnType<typeof createClientsService>;

function toDto(row: NonNullable<Awaited<ReturnType<typeof model.findClientDetail>>>) {
  return {
    id: row.client.id,
    slug: row.client.slug,
    name: row.client.name,
    country: row.client.country,
    currency: row.client.currency,
    status: row.client.status,
    plan: row.plan,
    subscription_status: row.subscriptionStatus,
    members: row.members,
    created_at: row.client.createdAt.toISOString(),
  };
}

/** Platform administration of clients and their subscriptions (global roles only). */
export function createClientsService(deps: { db: Db; clock: Clock; members: MembersService }) {
  const { db, clock, members } = deps;

  async function list(ctx: RequestContext, filter: model.ClientListFilter) {
    requireActor(ctx);
    return withPlatform(db, async (tx) => {
      const { rows, total } = await model.listClients(tx, filter);
      return { items: rows.map(toDto), total, limit: filter.limit, offset: filter.offset };
    });
  }

  async function get(ctx: RequestContext, id: string) {
    requireActor(ctx);
    return withPlatform(db, async (tx) => {
      const row = await model.findClientDetail(tx, id);
      if (!row) throw notFound('Client');
      return toDto(row);
    });
  }

  async function create(ctx: RequestContext, input: ClientCreateInput) {
    requireActor(ctx);
    const created = await withPlatform(db, async (tx) => {
      if (await model.slugTaken(tx, input.slug)) {
        throw new AppError('conflict', `The slug "${input.slug}" is taken; choose another.`);
      }
      const plan = await plansModel.findPlan(tx, input.plan);
      if (!plan || plan.archivedAt) {
        throw new AppError('validation_failed', `Unknown or archived plan "${input.plan}".`, {
          details: { field: 'plan' },
        });
      }

      const client = await model.insertClient(tx, {
        name: input.name,
        slug: input.slug,
        country: input.country,
        currency: input.currency,
      });
      await plansModel.replaceSubscription(
        tx,
        client.id,
        { planId: plan.id, status: input.subscription_status, changedBy: ctx.actor!.userId },
        clock.now(),
      );
      await recordSecurityEvent(tx, ctx, {
        type: 'client.created',
        clientId: client.id,
        targetType: 'client',
        targetId: client.id,
        details: { slug: client.slug, plan: plan.code },
      });
      await members.add(tx, ctx, client.id, {
        email: input.owner_email,
        name: input.owner_name,
        locale: input.owner_locale,
        role: 'owner',
      });
      return client.id;
    });
    return get(ctx, created);
  }

  async function update(
    ctx: RequestContext,
    id: string,
    patch: { name?: string; country?: string; currency?: string },
  ) {
    requireActor(ctx);
    await withPlatform(db, async (tx) => {
      const row = await model.updateClient(tx, id, patch);
      if (!row) throw notFound('Client');
      await recordSecurityEvent(tx, ctx, {
        type: 'client.updated',
        clientId: id,
        targetType: 'client',
        targetId: id,
        details: { fields: Object.keys(patch) },
      });
    });
    return get(ctx, id);
  }

  /** Suspension stops the client's members at their next request; global roles keep access. */
  async function setStatus(ctx: RequestContext, id: string, status: 'active' | 'suspended') {
    requireActor(ctx);
    await withPlatform(db, async (tx) => {
      const row = await model.updateClient(tx, id, { status });
      if (!row) throw notFound('Client');
      await recordSecurityEvent(tx, ctx, {
        type: status === 'suspended' ? 'client.suspended' : 'client.reactivated',
        clientId: id,
        targetType: 'client',
        targetId: id,
      });
    });
    return get(ctx, id);
  }

  async function subscription(ctx: RequestContext, clientId: string) {
    requireActor(ctx);
    return withPlatform(db, async (tx) => {
      if (!(await model.findClientDetail(tx, clientId))) throw notFound('Client');
      const current = await plansModel.currentSubscription(tx, clientId);
      const history = await plansModel.subscriptionHistory(tx, clientId);
      return {
        current: current
          ? {
              plan: current.plan.code,
              plan_name: current.plan.name,
              status: current.status,
              started_at: current.startedAt.toISOString(),
              limits: current.plan.limits as Record<string, unknown>,
              features: current.plan.features as string[],
            }
          : null,
        history: history.map((h) => ({
          plan: h.code,
          status: h.s.status,
          started_at: h.s.startedAt.toISOString(),
          ended_at: h.s.endedAt?.toISOString() ?? null,
        })),
      };
    });
  }

  async function changeSubscription(
    ctx: RequestContext,
    clientId: string,
    input: { plan?: string; status?: SubscriptionStatus },
  ) {
    requireActor(ctx);
    await withPlatform(db, async (tx) => {
      if (!(await model.findClientDetail(tx, clientId))) throw notFound('Client');
      const current = await plansModel.currentSubscription(tx, clientId);
      const plan = input.plan ? await plansModel.findPlan(tx, input.plan) : (current?.plan ?? null);
      if (!plan || (input.plan && plan.archivedAt)) {
        throw new AppError('validation_failed', `Unknown or archived plan "${input.plan}".`, {
          details: { field: 'plan' },
        });
      }
      const status =
        input.status ?? (current?.status as SubscriptionStatus | undefined) ?? 'active';
      await plansModel.replaceSubscription(
        tx,
        clientId,
        { planId: plan.id, status, changedBy: ctx.actor!.userId },
        clock.now(),
      );
      await recordSecurityEvent(tx, ctx, {
        type: 'subscription.changed',
        clientId,
        targetType: 'client',
        targetId: clientId,
        details: {
          from: current ? { plan: current.plan.code, status: current.status } : null,
          to: { plan: plan.code, status },
        },
      });
    });
    return subscription(ctx, clientId);
  }

  return { list, get, create, update, setStatus, subscription, changeSubscription };
}

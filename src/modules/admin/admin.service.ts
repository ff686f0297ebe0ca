import { and, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';

import { queryRows, type Db } from '../../db/client.js';
import { securityEvents } from '../../db/schema.js';
import { withPlatform } from '../../db/tenant.js';
import type { RequestContext } from '../../http/context.js';
import type { Clock } from '../../lib/clock.js';
import { requireActor } from '../identity/identity.service.js';

export interface EventFilter {
  type?: string;
  client_id?: string;
  actor_id?: string;
  from?: string;
  to?: string;
  cursor?: number;
  limit: number;
}

export type AdminService = ReturnType<typeof createAdminService>;

type Amount = { currency: string; amount: string };
type ClientAmount = { client_id: string; slug: string; currency: string; amount: string };

/** Open potential savings, from the findings module (absent: reported as none). */
export type FindingsTotals = () => Promise<{
  potentialSavings: Amount[];
  topClientsBySavings: ClientAmount[];
}>;

/** Platform-wide figures; the admin report reads the same numbers. */
export function createAdminService(deps: {
  db: Db;
  clock: Clock;
  findingsTotals?: FindingsTotals;
}) {
  const { db, clock } = deps;

  async function stats(ctx: RequestContext) {
    requireActor(ctx);
    const now = clock.now();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const lastMonthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const day = 86_400_000;

    // Its own platform transaction, before ours: the embedded engine runs one at a time.
    const savings = deps.findingsTotals
      ? await deps.findingsTotals()
      : { potentialSavings: [], topClientsBySavings: [] };

    return withPlatform(db, async (tx) => {
      const count = <T>(q: SQL) => queryRows<T>(tx, q);

      const clientsByStatus = await count<{ status: string; n: number }>(sql`
        select status, count(*)::int as n from clients group by status order by status`);
      const clientsByPlan = await count<{ plan: string | null; n: number }>(sql`
        select p.code as plan, count(*)::int as n
        from clients c
        left join subscriptions s on s.client_id = c.id and s.ended_at is null
        left join plans p on p.id = s.plan_id
        group by p.code order by p.code`);
      const usersByRole = await count<{ role: string; n: number }>(sql`
        select coalesce(global_role, 'none') as role, count(*)::int as n
        from users group by 1 order by 1`);
      const membershipsByRole = await count<{ role: string; n: number }>(sql`
        select role, count(*)::int as n from memberships group by role order by role`);
      const [userState] = await count<{ active: number; disabled: number; locked: number }>(sql`
        select count(*) filter (where status = 'active')::int as active,
               count(*) filter (where status = 'disabled')::int as disabled,
               count(*) filter (where locked_until > ${now})::int as locked
        from users`);
      const logins = await count<{ window: string; succeeded: number; failed: number }>(sql`
        select w.name as window,
               count(e.*) filter (where e.type = 'auth.login.succeeded')::int as succeeded,
               count(e.*) filter (where e.type = 'auth.login.failed')::int as failed
        from (values ('24h', ${new Date(now.getTime() - day)}::timestamptz),
                     ('7d', ${new Date(now.getTime() - 7 * day)}::timestamptz),
                     ('30d', ${new Date(now.getTime() - 30 * day)}::timestamptz)) as w(name, since)
        left join security_events e
          on e.occurred_at >= w.since and e.type in ('auth.login.succeeded', 'auth.login.failed')
        group by w.name order by min(w.since) desc`);
      const subscriptionsByStatus = await count<{ status: string; n: number }>(sql`
        select status, count(*)::int as n from subscriptions
        where ended_at is null group by status order by status`);
      const mrr = await count<{ currency: string; amount: string }>(sql`
        select p.currency, sum(p.monthly_price)::text as amount
        from subscriptions s join plans p on p.id = s.plan_id
        where s.ended_at is null and s.status in ('active', 'past_due')
        group by p.currency order by p.currency`);
      const ingestionsByStatus = await count<{ status: string; n: number }>(sql`
        select status, count(*)::int as n from ingestions
        where created_at >= ${new Date(now.getTime() - 30 * day)}
        group by status order by status`);
      const spend = await count<{ provider: string; currency: string; amount: string }>(sql`
        select provider, billing_currency as currency, sum(effective_cost)::text as amount
        from cost_daily
        where charge_date >= ${lastMonthStart.toISOString().slice(0, 10)}::date
          and charge_date < ${monthStart.toISOString().slice(0, 10)}::date
        group by provider, billing_currency order by provider, billing_currency`);
      const topBySpend = await count<{
        client_id: string;
        slug: string;
        currency: string;
        amount: string;
      }>(sql`
        select c.id as client_id, c.slug, f.billing_currency as currency,
               sum(f.effective_cost)::text as amount
        from cost_daily f join clients c on c.id = f.client_id
        where f.charge_date >= ${lastMonthStart.toISOString().slice(0, 10)}::date
          and f.charge_date < ${monthStart.toISOString().slice(0, 10)}::date
        group by c.id, c.slug, f.billing_currency
        order by sum(f.effective_cost) desc limit 10`);

      return {
        generated_at: now.toISOString(),
        period: {
          last_full_month: lastMonthStart.toISOString().slice(0, 7),
        },
        clients: { by_status: clientsByStatus, by_plan: clientsByPlan },
        users: {
          by_global_role: usersByRole,
          memberships_by_role: membershipsByRole,
          active: userState?.active ?? 0,
          disabled: userState?.disabled ?? 0,
          locked: userState?.locked ?? 0,
        },
        logins,
        subscriptions: { by_status: subscriptionsByStatus },
        monthly_recurring_revenue: mrr,
        ingestions_30d: ingestionsByStatus,
        spend_under_management: spend,
        // Open findings, the largest saving of each resource only.
        potential_savings: savings.potentialSavings,
        top_clients_by_spend: topBySpend,
        top_clients_by_savings: savings.topClientsBySavings,
      };
    });
  }

  async function events(ctx: RequestContext, f: EventFilter) {
    requireActor(ctx);
    return withPlatform(db, async (tx) => {
      const conditions: SQL[] = [];
      if (f.type) conditions.push(eq(securityEvents.type, f.type));
      if (f.client_id) conditions.push(eq(securityEvents.clientId, f.client_id));
      if (f.actor_id) conditions.push(eq(securityEvents.actorUserId, f.actor_id));
      if (f.from) conditions.push(gte(securityEvents.occurredAt, new Date(f.from)));
      if (f.to) conditions.push(lte(securityEvents.occurredAt, new Date(f.to)));
      if (f.cursor) conditions.push(lt(securityEvents.id, f.cursor));
      const rows = await tx
        .select()
        .from(securityEvents)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(securityEvents.id))
        .limit(f.limit + 1);
      const page = rows.slice(0, f.limit);
      return {
        items: page.map((e) => ({
          id: e.id,
          occurred_at: e.occurredAt.toISOString(),
          type: e.type,
          severity: e.severity,
          actor_user_id: e.actorUserId,
          actor_global_role: e.actorGlobalRole,
          actor_client_role: e.actorClientRole,
          client_id: e.clientId,
          target_type: e.targetType,
          target_id: e.targetId,
          ip: e.ip,
          user_agent: e.userAgent,
          request_id: e.requestId,
          details: e.details as Record<string, unknown>,
        })),
        next_cursor: rows.length > f.limit ? String(page[page.length - 1]!.id) : null,
      };
    });
  }

  return { stats, events };
}

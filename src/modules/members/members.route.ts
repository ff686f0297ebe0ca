import { z } from 'zod';

import type { TypedApp } from '../../http/app.js';
import { errorResponses } from '../../http/schemas.js';
import type { PlansService } from '../plans/plans.service.js';
import { planDto } from '../plans/plans.types.js';
import type { MemberView } from './members.model.js';
import type { MembersService } from './members.service.js';

const role = z.enum(['owner', 'finops_admin', 'viewer']);
const memberDto = z.object({
  user_id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role,
  status: z
    .enum(['invited', 'active', 'disabled'])
    .describe('invited until the person first signs in to this client'),
  last_access_at: z
    .string()
    .nullable()
    .describe('Last sign-in into, or switch to, this client (activity elsewhere is not shown)'),
  since: z.string().describe('When the membership was created'),
});
/** The same answer whether or not the address already had an account on the platform. */
const invitedDto = z.object({
  user_id: z.uuid(),
  email: z.string(),
  role,
  status: z.literal('invited'),
});
const inviteBody = z
  .object({
    email: z.email(),
    name: z.string().trim().min(1).max(120).optional(),
    role,
    locale: z.enum(['es', 'en', 'pt-BR']).optional(),
  })
  .strict();
const userParams = z.object({ userId: z.uuid() }).strict();

/** Membership-level status: account existence and activity elsewhere stay out of it. */
function memberStatus(m: MemberView): 'invited' | 'active' | 'disabled' {
  // Before their first visit even a disabled account shows as invited: showing "disabled"
  // then would tell the caller that the address had an account.
  if (!m.lastAccessAt) return 'invited';
  return m.status === 'disabled' ? 'disabled' : 'active';
}

/** The client's own members and subscription; the client is always the token's. */
export function registerMemberRoutes(
  app: TypedApp,
  members: MembersService,
  plans: PlansService,
): void {
  const tags = ['members'];

  app.get(
    '/api/v1/members',
    {
      config: { auth: { capability: 'members:read' } },
      schema: {
        tags,
        summary: 'Members of your client',
        response: { 200: z.object({ items: z.array(memberDto) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({
      items: (await members.list(request.ctx)).map((m) => ({
        user_id: m.userId,
        email: m.email,
        name: m.name,
        role: m.role,
        status: memberStatus(m),
        last_access_at: m.lastAccessAt?.toISOString() ?? null,
        since: m.since.toISOString(),
      })),
    }),
  );

  app.post(
    '/api/v1/members',
    {
      config: { auth: { capability: 'members:manage' } },
      schema: {
        tags,
        summary: 'Invite someone by e-mail',
        description:
          'The person is added and always told by mail: a new one gets a link to set a ' +
          'password, an existing user a notice of who added them. The answer is the same in ' +
          'both cases. The plan’s member limit holds (402 plan_limit_reached).',
        body: inviteBody,
        response: {
          201: invitedDto,
          ...errorResponses(400, 401, 402, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const added = await members.invite(request.ctx, request.body);
      return reply.status(201).send({
        user_id: added.userId,
        email: added.email,
        role: added.role,
        status: added.status,
      });
    },
  );

  app.patch(
    '/api/v1/members/:userId',
    {
      config: { auth: { capability: 'members:manage' } },
      schema: {
        tags,
        summary: 'Change a member’s role (the last owner cannot be demoted)',
        params: userParams,
        body: z.object({ role }).strict(),
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await members.setRole(request.ctx, request.params.userId, request.body.role);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/api/v1/members/:userId',
    {
      config: { auth: { capability: 'members:manage' } },
      schema: {
        tags,
        summary: 'Remove a member (the last owner cannot be removed)',
        params: userParams,
        response: { 204: z.null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await members.removeMember(request.ctx, request.params.userId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/subscription',
    {
      config: { auth: { capability: 'subscription:read' } },
      schema: {
        tags: ['subscription'],
        summary: 'Your plan, its limits, current usage and the subscription status',
        response: {
          200: z.object({
            plan: planDto.nullable(),
            status: z.string(),
            started_at: z.string().nullable(),
            usage: z.object({ members: z.number().int(), cloud_accounts: z.number().int() }),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => plans.mine(request.ctx),
  );
}

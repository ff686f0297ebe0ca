import { z } from 'zod';

import type { TypedApp } from '../../http/app.js';
import { errorResponses } from '../../http/schemas.js';
import type { Services } from '../../container.js';
import {
  clientCreateBody,
  clientDto,
  clientListQuery,
  clientUpdateBody,
  subscriptionChangeBody,
  subscriptionDto,
} from '../clients/clients.types.js';
import { planCreateBody, planDto, planUpdateBody } from '../plans/plans.types.js';
import {
  adminUserDto,
  membershipBody,
  roleBody,
  userCreateBody,
  userListQuery,
  userUpdateBody,
} from '../users/users.types.js';

const idParams = z.object({ id: z.uuid() }).strict();
const memberParams = z.object({ id: z.uuid(), clientId: z.uuid() }).strict();
const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    total: z.number().int(),
    limit: z.number(),
    offset: z.number(),
  });

const READ = { auth: { capability: 'platform:read' } } as const;
const MANAGE = { auth: { capability: 'platform:manage' } } as const;

const eventsQuery = z
  .object({
    type: z.string().max(64).optional(),
    client_id: z.uuid().optional(),
    actor_id: z.uuid().optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    cursor: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** Platform administration: global roles only (support reads, root manages). */
export function registerAdminRoutes(app: TypedApp, s: Services): void {
  const tags = ['admin'];

  app.get(
    '/api/admin/stats',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Platform figures: clients, users, logins, subscriptions, revenue, spend',
        response: { 200: z.record(z.string(), z.unknown()), ...errorResponses(401, 403) },
      },
    },
    async (request) => s.admin.stats(request.ctx),
  );

  app.get(
    '/api/admin/security-events',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Security events, newest first (cursor pagination)',
        querystring: eventsQuery,
        response: {
          200: z.object({
            items: z.array(z.record(z.string(), z.unknown())),
            next_cursor: z.string().nullable(),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => s.admin.events(request.ctx, request.query),
  );

  // ---------------------------------------------------------------- clients
  app.get(
    '/api/admin/clients',
    {
      config: READ,
      schema: {
        tags,
        summary: 'List clients',
        querystring: clientListQuery,
        response: { 200: page(clientDto), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => s.clients.list(request.ctx, request.query),
  );
  app.post(
    '/api/admin/clients',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Create a client with its subscription and invite its owner',
        body: clientCreateBody,
        response: { 201: clientDto, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await s.clients.create(request.ctx, request.body)),
  );
  app.get(
    '/api/admin/clients/:id',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Read a client',
        params: idParams,
        response: { 200: clientDto, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => s.clients.get(request.ctx, request.params.id),
  );
  app.patch(
    '/api/admin/clients/:id',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Update a client',
        params: idParams,
        body: clientUpdateBody,
        response: { 200: clientDto, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => s.clients.update(request.ctx, request.params.id, request.body),
  );
  for (const [action, status] of [
    ['suspend', 'suspended'],
    ['reactivate', 'active'],
  ] as const) {
    app.post(
      `/api/admin/clients/:id/${action}`,
      {
        config: MANAGE,
        schema: {
          tags,
          summary:
            action === 'suspend'
              ? 'Suspend a client: its members are stopped at their next request'
              : 'Reactivate a suspended client',
          params: idParams,
          response: { 200: clientDto, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => s.clients.setStatus(request.ctx, request.params.id, status),
    );
  }
  app.get(
    '/api/admin/clients/:id/subscription',
    {
      config: READ,
      schema: {
        tags,
        summary: 'A client’s subscription and its history',
        params: idParams,
        response: { 200: subscriptionDto, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => s.clients.subscription(request.ctx, request.params.id),
  );
  app.put(
    '/api/admin/clients/:id/subscription',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Change a client’s plan or subscription status (history is kept)',
        params: idParams,
        body: subscriptionChangeBody,
        response: { 200: subscriptionDto, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => s.clients.changeSubscription(request.ctx, request.params.id, request.body),
  );

  // ---------------------------------------------------------------- users
  app.get(
    '/api/admin/users',
    {
      config: READ,
      schema: {
        tags,
        summary: 'List and search users',
        querystring: userListQuery,
        response: { 200: page(adminUserDto), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => s.users.list(request.ctx, request.query),
  );
  app.post(
    '/api/admin/users',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Create a user (mailed a link to set the password)',
        body: userCreateBody,
        response: { 201: adminUserDto, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await s.users.create(request.ctx, request.body)),
  );
  app.get(
    '/api/admin/users/:id',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Read a user',
        params: idParams,
        response: { 200: adminUserDto, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => s.users.get(request.ctx, request.params.id),
  );
  app.patch(
    '/api/admin/users/:id',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Update a user (only root changes global roles)',
        params: idParams,
        body: userUpdateBody,
        response: { 200: adminUserDto, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => s.users.update(request.ctx, request.params.id, request.body),
  );
  for (const [action, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    app.post(
      `/api/admin/users/:id/${action}`,
      {
        config: MANAGE,
        schema: {
          tags,
          summary: action === 'disable' ? 'Disable a user (ends every session)' : 'Enable a user',
          params: idParams,
          response: { 200: adminUserDto, ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request) => s.users.setStatus(request.ctx, request.params.id, status),
    );
  }
  app.post(
    '/api/admin/users/:id/unlock',
    {
      config: { auth: { capability: 'platform:users:unlock' } },
      schema: {
        tags,
        summary: 'Lift a sign-in lock',
        params: idParams,
        response: { 200: adminUserDto, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => s.users.unlock(request.ctx, request.params.id),
  );
  app.post(
    '/api/admin/users/:id/send-reset-link',
    {
      config: { auth: { capability: 'platform:users:send_reset' } },
      schema: {
        tags,
        summary: 'Mail the user a password reset link',
        params: idParams,
        response: { 202: z.object({ message: z.string() }), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await s.users.sendResetLink(request.ctx, request.params.id);
      return reply.status(202).send({ message: 'A reset link was queued for the user.' });
    },
  );
  app.post(
    '/api/admin/users/:id/memberships',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Add the user to a client with a role',
        params: idParams,
        body: membershipBody,
        response: { 201: adminUserDto, ...errorResponses(400, 401, 402, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const user = await s.users.get(request.ctx, request.params.id);
      await s.members.adminAdd(request.ctx, request.body.client_id, {
        email: user.email,
        role: request.body.role,
      });
      return reply.status(201).send(await s.users.get(request.ctx, request.params.id));
    },
  );
  app.patch(
    '/api/admin/users/:id/memberships/:clientId',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Change the user’s role in a client',
        params: memberParams,
        body: roleBody,
        response: { 200: adminUserDto, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id, clientId } = request.params;
      await s.members.adminSetRole(request.ctx, clientId, id, request.body.role);
      return s.users.get(request.ctx, id);
    },
  );
  app.delete(
    '/api/admin/users/:id/memberships/:clientId',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Remove the user from a client',
        params: memberParams,
        response: { 200: adminUserDto, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id, clientId } = request.params;
      await s.members.adminRemove(request.ctx, clientId, id);
      return s.users.get(request.ctx, id);
    },
  );

  // ---------------------------------------------------------------- plans
  app.get(
    '/api/admin/plans',
    {
      config: READ,
      schema: {
        tags,
        summary: 'List plans',
        querystring: z.object({ include_archived: z.enum(['true', 'false']).optional() }).strict(),
        response: { 200: z.object({ items: z.array(planDto) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({
      items: await s.plans.list(request.ctx, request.query.include_archived === 'true'),
    }),
  );
  app.post(
    '/api/admin/plans',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Create a plan (no migration needed)',
        body: planCreateBody,
        response: { 201: planDto, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await s.plans.create(request.ctx, request.body)),
  );
  app.patch(
    '/api/admin/plans/:id',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Update a plan',
        params: idParams,
        body: planUpdateBody,
        response: { 200: planDto, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => s.plans.update(request.ctx, request.params.id, request.body),
  );
  app.post(
    '/api/admin/plans/:id/archive',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Archive a plan: no new subscriptions; current ones keep it',
        params: idParams,
        response: { 200: planDto, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => s.plans.update(request.ctx, request.params.id, {}, true),
  );
}

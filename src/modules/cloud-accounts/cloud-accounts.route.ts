import { z } from 'zod';

import type { TypedApp } from '../../http/app.js';
import { errorResponses } from '../../http/schemas.js';
import type { CloudAccountsService } from './cloud-accounts.service.js';
import {
  cloudAccountCreateBody,
  cloudAccountDto,
  cloudAccountListQuery,
  cloudAccountRenameBody,
} from './cloud-accounts.types.js';

const idParams = z.object({ id: z.uuid() }).strict();
const READ = { auth: { capability: 'cloud_accounts:read' } } as const;
const MANAGE = { auth: { capability: 'cloud_accounts:manage' } } as const;

/** The client's cloud accounts; the client is always the token's. */
export function registerCloudAccountRoutes(app: TypedApp, accounts: CloudAccountsService): void {
  const tags = ['cloud-accounts'];

  app.get(
    '/api/v1/cloud-accounts',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Cloud accounts of your client (billing and sub-accounts)',
        description:
          'Billing and sub-accounts found in ingested data appear here with origin ' +
          '`discovered`. Archived accounts are left out unless `include_archived=true`.',
        querystring: cloudAccountListQuery,
        response: {
          200: z.object({ items: z.array(cloudAccountDto) }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => ({
      items: await accounts.list(request.ctx, request.query.include_archived === 'true'),
    }),
  );

  app.post(
    '/api/v1/cloud-accounts',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Add a billing account',
        description:
          'The plan’s `cloud_accounts` limit counts active billing accounts (402 ' +
          'plan_limit_reached). Adding an archived account again restores it (200).',
        body: cloudAccountCreateBody,
        response: {
          200: cloudAccountDto,
          201: cloudAccountDto,
          ...errorResponses(400, 401, 402, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const { account, restored } = await accounts.create(request.ctx, request.body);
      return reply.status(restored ? 200 : 201).send(account);
    },
  );

  app.patch(
    '/api/v1/cloud-accounts/:id',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Rename a cloud account',
        params: idParams,
        body: cloudAccountRenameBody,
        response: { 200: cloudAccountDto, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => accounts.rename(request.ctx, request.params.id, request.body.name),
  );

  app.post(
    '/api/v1/cloud-accounts/:id/archive',
    {
      config: MANAGE,
      schema: {
        tags,
        summary: 'Archive a cloud account (its cost data stays; frees its place in the plan)',
        params: idParams,
        response: { 200: cloudAccountDto, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => accounts.archive(request.ctx, request.params.id),
  );
}

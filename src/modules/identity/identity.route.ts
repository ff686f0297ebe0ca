import { z } from 'zod';

import type { TypedApp } from '../../http/app.js';
import { errorResponses } from '../../http/schemas.js';
import type { IdentityService } from './identity.service.js';
import {
  acceptedResponse,
  changePasswordBody,
  forgotPasswordBody,
  loginBody,
  meResponse,
  refreshBody,
  resetPasswordBody,
  sessionResponse,
  switchClientBody,
} from './identity.types.js';

const FORGOT_MESSAGE =
  'If the address belongs to an active account, a reset link is on its way. It works once ' +
  'and for 30 minutes.';

export function registerIdentityRoutes(
  app: TypedApp,
  identity: IdentityService,
  options: { rateLimitPerMinute: number; rateLimitDisabled: boolean },
): void {
  // Per-IP limit on every door that takes a secret; the account lock covers slow guessing.
  const limited = options.rateLimitDisabled
    ? {}
    : { rateLimit: { max: options.rateLimitPerMinute, timeWindow: '1 minute' } };
  const tags = ['auth'];

  app.post(
    '/api/auth/login',
    {
      config: { auth: 'public', ...limited },
      schema: {
        tags,
        summary: 'Sign in with e-mail and password',
        description:
          'Returns an access token (15 minutes) and a refresh token. Without `client_id` the ' +
          'session opens in the last client used, or the only one. Unknown e-mail, wrong ' +
          'password and disabled account all answer the same 401; ten failures in a row lock ' +
          'the account for 15 minutes (429 with Retry-After).',
        security: [],
        body: loginBody,
        response: { 200: sessionResponse, ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request) => identity.login(request.ctx, request.body),
  );

  app.post(
    '/api/auth/refresh',
    {
      config: { auth: 'public', ...limited },
      schema: {
        tags,
        summary: 'Rotate the token pair',
        description:
          'Each refresh token works once. Presenting a used one ends the whole session ' +
          '(reuse detection).',
        security: [],
        body: refreshBody,
        response: { 200: sessionResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => identity.refresh(request.ctx, request.body.refresh_token),
  );

  app.post(
    '/api/auth/logout',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'End this session (its refresh tokens stop working at once)',
        response: { 204: z.null(), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      await identity.logout(request.ctx, request.ctx.actor!.sessionId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Who am I: user, active client, roles, permissions and plan features',
        description:
          'Everything a frontend needs to show or hide features: `permissions` is the resolved ' +
          'list of capabilities and `features` the plan’s; no client-side rule is needed.',
        response: { 200: meResponse, ...errorResponses(401) },
      },
    },
    async (request) => identity.me(request.ctx),
  );

  app.post(
    '/api/auth/switch-client',
    {
      config: { auth: 'user', ...limited },
      schema: {
        tags,
        summary: 'Open a session in another client',
        description:
          'Members switch to any of their active clients. Root and support may enter any active ' +
          'client with a `reason` (10–200 characters), recorded as `access.privileged` and ' +
          'e-mailed to the client owners.',
        body: switchClientBody,
        response: { 200: sessionResponse, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => identity.switchClient(request.ctx, request.body),
  );

  app.post(
    '/api/auth/change-password',
    {
      config: { auth: 'user', ...limited },
      schema: {
        tags,
        summary: 'Change your password',
        description:
          'Needs the current password. 12 to 128 characters of any kind; common passwords and ' +
          'ones containing your e-mail name are refused. Every other session ends; the answer ' +
          'carries a new token pair for this one.',
        body: changePasswordBody,
        response: { 200: sessionResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => identity.changePassword(request.ctx, request.body),
  );

  app.post(
    '/api/auth/forgot-password',
    {
      config: { auth: 'public', ...limited },
      schema: {
        tags,
        summary: 'Ask for a password reset link',
        description:
          'Always answers 202 with the same body, whether or not the address exists. Known ' +
          'addresses get a single-use link valid for 30 minutes.',
        security: [],
        body: forgotPasswordBody,
        response: { 202: acceptedResponse, ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      await identity.forgotPassword(request.ctx, request.body.email);
      return reply.status(202).send({ message: FORGOT_MESSAGE });
    },
  );

  app.post(
    '/api/auth/reset-password',
    {
      config: { auth: 'public', ...limited },
      schema: {
        tags,
        summary: 'Set a new password with a reset link token',
        security: [],
        body: resetPasswordBody,
        response: { 204: z.null(), ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      await identity.resetPassword(request.ctx, request.body);
      return reply.status(204).send(null);
    },
  );
}

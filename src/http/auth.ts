import type { FastifyInstance, FastifyRequest } from 'fastify';

import { AppError } from '../lib/errors.js';
import type { Actor } from './context.js';

/**
 * Every route states who may call it, in `config.auth`:
 *  - `'public'`: anyone (login, health, docs);
 *  - `'user'`: any signed-in user, even one who must still change the password;
 *  - `{ capability }`: a signed-in user whose active role grants that capability.
 * A route without a declaration is refused, and `test/http/route-auth.test.ts` fails on it.
 */
export type RouteAuth = 'public' | 'user' | { capability: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

/** Turns a request's bearer token into an actor, or throws an AppError (401). */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Actor>;
}

/** Used until an identity module provides a real one: it never lets anyone in. */
export const denyAllAuthenticator: Authenticator = {
  authenticate: async () => {
    throw new AppError('unauthenticated', 'Authentication is required.');
  },
};

/** Routes that plugins register (Swagger UI's assets) and that are public by nature. */
const PUBLIC_PREFIXES = ['/docs'];

export function registerAuthHook(
  app: FastifyInstance,
  authenticator: Authenticator,
  onDenied: (request: FastifyRequest, capability: string) => Promise<void> = async () => {},
): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.auth) return;
    const isDocs = PUBLIC_PREFIXES.some((p) => route.url === p || route.url.startsWith(`${p}/`));
    // The CORS plugin's preflight answers only with the allowlist headers and runs no handler.
    const isPreflight = route.method === 'OPTIONS' && route.url === '*';
    if (isDocs || isPreflight) route.config = { ...route.config, auth: 'public' };
  });

  // onRequest runs before the body is read, so an anonymous caller cannot make us parse or
  // store an upload.
  app.addHook('onRequest', async (request) => {
    const auth = request.routeOptions.config?.auth;
    // Unknown paths get the plain 404, the same with or without a token.
    if (auth === 'public' || request.is404) return;
    if (!auth) {
      request.log.error({ route: request.routeOptions.url }, 'route has no auth declaration');
      throw new AppError('forbidden', 'This route is not available.');
    }

    const actor = await authenticator.authenticate(request);
    request.ctx.actor = actor;

    if (actor.mustChangePassword && auth !== 'user') {
      throw new AppError(
        'password_change_required',
        'You must change your password first: POST /api/auth/change-password.',
      );
    }
    if (typeof auth === 'object' && !actor.capabilities.has(auth.capability)) {
      await onDenied(request, auth.capability).catch((err: Error) =>
        request.log.warn({ err: { message: err.message } }, 'access.denied not recorded'),
      );
      throw new AppError(
        'forbidden',
        `Your role does not allow this (needs "${auth.capability}").`,
      );
    }
  });
}

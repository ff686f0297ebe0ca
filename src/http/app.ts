import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import cors from '@fastify/cors';
import proxyAddr from '@fastify/proxy-addr';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';

import { createServices, type Infra, type Services } from '../container.js';
import { registerAuthHook } from './auth.js';
import type { RequestContext } from './context.js';
import { registerControlCharGuard } from './control-chars.js';
import { registerJsonBodyParser } from './json-body.js';
import { registerErrorHandling } from './errors.js';
import { registerHealth, type HealthState } from './health.js';
import { registerMetrics } from './metrics.js';
import { registerIdentityRoutes } from '../modules/identity/identity.route.js';
import { registerAdminRoutes } from '../modules/admin/admin.route.js';
import { registerCloudAccountRoutes } from '../modules/cloud-accounts/cloud-accounts.route.js';
import { registerCostRoutes } from '../modules/costs/costs.route.js';
import { registerFindingRoutes } from '../modules/findings/findings.route.js';
import { registerIngestionRoutes } from '../modules/ingestions/ingestions.route.js';
import { registerMemberRoutes } from '../modules/members/members.route.js';
import { registerReportRoutes } from '../modules/reports/reports.route.js';
import { registerBrandingRoutes } from '../modules/branding/branding.route.js';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

export type App = FastifyInstance;
export type TypedApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RouteEntry {
  method: string;
  url: string;
  auth: unknown;
}

export interface BuiltApp {
  app: App;
  services: Services;
  health: HealthState;
  /** Every route with its auth declaration, for the default-deny test. */
  routes: RouteEntry[];
}

/**
 * Builds the HTTP application from its infrastructure. It listens on nothing: `serve` listens,
 * tests use `inject`.
 */
export async function buildApp(infra: Infra, services = createServices(infra)): Promise<BuiltApp> {
  const { config } = infra;
  const health: HealthState = { shuttingDown: false };
  const trusted = config.trustProxy.length > 0 ? config.trustProxy : false;
  const isTrustedPeer = trusted ? proxyAddr.compile(trusted) : () => false;

  const app = Fastify({
    loggerInstance: infra.logger as FastifyBaseLogger,
    // One access line per request comes from our onResponse hook, with user and client.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'requestId',
    }),
    trustProxy: trusted,
    bodyLimit: config.bodyLimitBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    requestIdHeader: false,
    genReqId: (req) => requestIdFor(req, isTrustedPeer),
    ajv: { customOptions: { removeAdditional: false } },
  });

  const routes: RouteEntry[] = [];
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('ctx', null as unknown as RequestContext);
  // The API speaks JSON (and multipart for uploads); plain text bodies get a 415.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    request.ctx = {
      requestId: String(request.id),
      ip: request.ip,
      userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
      actor: null,
    };
  });
  app.addHook('onResponse', async (request, reply) => {
    const actor = request.ctx?.actor;
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        latencyMs: Math.round(reply.elapsedTime * 10) / 10,
        ip: request.ip,
        userId: actor?.userId ?? null,
        clientId: actor?.clientId ?? null,
      },
      'request completed',
    );
  });

  registerErrorHandling(app);
  registerControlCharGuard(app);
  registerAuthHook(app, services.authenticator, (request, capability) =>
    services.recordEvent(request.ctx, {
      type: 'access.denied',
      details: { capability, route: request.routeOptions.url ?? null, method: request.method },
    }),
  );
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, url: route.url, auth: route.config?.auth });
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        frameAncestors: ["'none'"],
      },
    },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
  });
  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    credentials: false,
    exposedHeaders: ['x-request-id', 'retry-after', 'content-disposition'],
  });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'FinOpsLatam API',
        version: '0.1.0',
        description:
          'Multi-tenant FinOps API. Authenticate with POST /api/auth/login and send the ' +
          'access token as `Authorization: Bearer <token>`. Errors are always ' +
          '`{ "error": { "code", "message", "requestId" } }`.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerHealth(app, infra.database, health);
  registerMetrics(app, { token: config.metricsToken, database: infra.database, jobs: infra.jobs });
  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  await app.register(async (api) =>
    registerModules(api.withTypeProvider<ZodTypeProvider>(), infra, services),
  );

  return { app, services, health, routes };
}

/** Every module's routes, inside one encapsulated scope with the zod type provider. */
async function registerModules(api: TypedApp, infra: Infra, services: Services): Promise<void> {
  registerIdentityRoutes(api, services.identity, {
    rateLimitPerMinute: infra.config.authRateLimitPerMinute,
    rateLimitDisabled: infra.config.rateLimitDisabled,
  });
  registerAdminRoutes(api, services);
  registerMemberRoutes(api, services.members, services.plans);
  registerCostRoutes(api, services.costs);
  registerFindingRoutes(api, services.findings);
  registerCloudAccountRoutes(api, services.cloudAccounts);
  registerIngestionRoutes(api, services.ingestions);
  registerReportRoutes(api, services.reports);
  registerBrandingRoutes(api, services.branding);
}

/** A caller's request id is kept only when it came from a trusted proxy and looks sane. */
function requestIdFor(
  req: IncomingMessage,
  isTrustedPeer: (addr: string, hop: number) => boolean,
): string {
  const given = req.headers['x-request-id'];
  const peer = req.socket?.remoteAddress ?? '';
  if (typeof given === 'string' && REQUEST_ID.test(given) && isTrustedPeer(peer, 0)) return given;
  return randomUUID();
}

import type { Config } from './config/config.js';
import type { Database } from './db/client.js';
import { withPlatform } from './db/tenant.js';
import type { Authenticator } from './http/auth.js';
import type { RequestContext } from './http/context.js';
import type { JobQueue } from './jobs/queue.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { Mailer } from './mail/mailer.js';
import { recordSecurityEvent } from './modules/audit/audit.model.js';
import type { SecurityEventInput } from './modules/audit/audit.types.js';
import { createIdentityService, type IdentityService } from './modules/identity/identity.service.js';
import { createOutboxWorker, type OutboxWorker } from './modules/mail/outbox.worker.js';
import { createAdminService, type AdminService } from './modules/admin/admin.service.js';
import { createClientsService, type ClientsService } from './modules/clients/clients.service.js';
import { createCostsService, type CostsService } from './modules/costs/costs.service.js';
import { createMembersService, type MembersService } from './modules/members/members.service.js';
import { createPlansService, type PlansService } from './modules/plans/plans.service.js';
import { createUsersService, type UsersService } from './modules/users/users.service.js';

/** The infrastructure a process is built from. Tests pass their own database, mailer, clock. */
export interface Infra {
  config: Config;
  logger: Logger;
  database: Database;
  mailer: Mailer;
  jobs: JobQueue | null;
  clock: Clock;
}

export interface Services {
  authenticator: Authenticator;
  identity: IdentityService;
  outbox: OutboxWorker;
  members: MembersService;
  clients: ClientsService;
  users: UsersService;
  plans: PlansService;
  admin: AdminService;
  costs: CostsService;
  /** Records an event that has no business transaction of its own (a refused request). */
  recordEvent(ctx: RequestContext, event: SecurityEventInput): Promise<void>;
}

/** The one composition root: every service is built here from the infrastructure it needs. */
export function createServices(infra: Infra): Services {
  const { database, clock, config, logger, mailer } = infra;
  const identity = createIdentityService({ db: database.db, clock, config, logger });
  const outbox = createOutboxWorker({ db: database.db, mailer, logger });
  const db = database.db;
  const members = createMembersService({ db, clock, config });
  const plans = createPlansService({ db });
  const costs = createCostsService({
    db,
    clock,
    requireFeature: (ctx, feature) => plans.requireFeature(ctx, feature),
  });

  return {
    authenticator: identity.authenticator,
    identity,
    outbox,
    members,
    clients: createClientsService({ db, clock, members }),
    users: createUsersService({ db, clock, config }),
    plans,
    admin: createAdminService({ db, clock }),
    costs,
    recordEvent: (ctx, event) =>
      withPlatform(database.db, (tx) => recordSecurityEvent(tx, ctx, event)),
  };
}

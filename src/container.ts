import type { Config } from './config/config.js';
import type { Database } from './db/client.js';
import { withPlatform } from './db/tenant.js';
import type { Authenticator } from './http/auth.js';
import { systemContext, type RequestContext } from './http/context.js';
import type { JobQueue } from './jobs/queue.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { Mailer } from './mail/mailer.js';
import { recordSecurityEvent } from './modules/audit/audit.model.js';
import type { SecurityEventInput } from './modules/audit/audit.types.js';
import {
  createIdentityService,
  type IdentityService,
} from './modules/identity/identity.service.js';
import { createOutboxWorker, type OutboxWorker } from './modules/mail/outbox.worker.js';
import { createAdminService, type AdminService } from './modules/admin/admin.service.js';
import { createClientsService, type ClientsService } from './modules/clients/clients.service.js';
import {
  createBrandingService,
  type BrandingService,
} from './modules/branding/branding.service.js';
import {
  createCloudAccountsService,
  type CloudAccountsService,
} from './modules/cloud-accounts/cloud-accounts.service.js';
import { createAnswerCache } from './modules/costs/costs.cache.js';
import { createCostsService, type CostsService } from './modules/costs/costs.service.js';
import {
  createFindingsService,
  type FindingsService,
} from './modules/findings/findings.service.js';
import {
  createIngestionsService,
  type IngestionsService,
} from './modules/ingestions/ingestions.service.js';
import { createMembersService, type MembersService } from './modules/members/members.service.js';
import { createPlansService, type PlansService } from './modules/plans/plans.service.js';
import { createAdminReportProvider } from './modules/reports/providers/admin.provider.js';
import { createClientReportProvider } from './modules/reports/providers/client.provider.js';
import { createReportsService, type ReportsService } from './modules/reports/reports.service.js';
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
  findings: FindingsService;
  cloudAccounts: CloudAccountsService;
  ingestions: IngestionsService;
  reports: ReportsService;
  branding: BrandingService;
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
  const findings = createFindingsService({ db, clock });
  const costs = createCostsService({
    db,
    clock,
    // Per process; answers are keyed by the client's cost data version, so never stale.
    cache: createAnswerCache(500),
    findingsSummary: (ctx) => findings.summaryForCosts(ctx),
    requireFeature: (ctx, feature) => plans.requireFeature(ctx, feature),
  });
  const branding = createBrandingService({ db, clock });
  const admin = createAdminService({ db, clock, findingsTotals: () => findings.platformTotals() });
  const reports = createReportsService({
    db,
    clock,
    logger,
    clientProvider: createClientReportProvider({ db, clock, costs, findings }),
    adminProvider: createAdminReportProvider({ db, clock, admin, findings }),
    requireFeature: (ctx, feature) => plans.requireFeature(ctx, feature),
    recordEvent: (ctx, event) => withPlatform(db, (tx) => recordSecurityEvent(tx, ctx, event)),
    clientLogo: (ctx) => branding.logoForReport(ctx),
  });

  return {
    authenticator: identity.authenticator,
    identity,
    outbox,
    members,
    clients: createClientsService({ db, clock, members }),
    users: createUsersService({ db, clock, config }),
    plans,
    admin,
    costs,
    findings,
    cloudAccounts: createCloudAccountsService({ db }),
    ingestions: createIngestionsService({
      database,
      config,
      logger,
      clock,
      jobs: infra.jobs,
      // New facts change what the rules find. A system context, so an uploader without
      // findings:manage still gets findings, and a plan without findings simply skips.
      onIngested: async (_ctx, done) => {
        await findings.recompute(systemContext('ingestion'), done.clientId, {
          periods: done.periods.map((p) => p.billingPeriodStart),
        });
      },
    }),
    reports,
    branding,
    recordEvent: (ctx, event) =>
      withPlatform(database.db, (tx) => recordSecurityEvent(tx, ctx, event)),
  };
}

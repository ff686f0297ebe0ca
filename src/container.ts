import type { Config } from './config/config.js';
import type { Database } from './db/client.js';
import { denyAllAuthenticator, type Authenticator } from './http/auth.js';
import type { JobQueue } from './jobs/queue.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { Mailer } from './mail/mailer.js';

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
}

/** The one composition root: every service is built here from the infrastructure it needs. */
export function createServices(_infra: Infra): Services {
  return {
    authenticator: denyAllAuthenticator,
  };
}

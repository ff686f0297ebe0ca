import { sql } from 'drizzle-orm';

import type { Db, Tx } from './client.js';

/**
 * The only door to application data. Each call is one real transaction that runs as the
 * non-owner `app_user` role with the tenant set transaction-locally, so row-level security
 * filters every tenant table even if a query forgets its own `client_id` condition.
 *
 * `clientId = null` means "no tenant": tenant tables then return no rows at all, while
 * platform tables (users, clients, memberships) stay reachable under their grants.
 */
export async function withTenant<T>(
  db: Db,
  clientId: string | null,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    // set_config takes bind parameters, unlike SET LOCAL; `true` scopes both to this transaction
    // so a pooled connection never carries a tenant or a role into the next request.
    await tx.execute(sql`
      select set_config('role', 'app_user', true),
             set_config('app.client_id', ${clientId ?? ''}, true)
    `);
    return fn(tx);
  });
}

/**
 * Identity and platform administration: work that is about users and clients rather than one
 * client's data (login, token rotation, admin screens). Runs as `app_platform`, which may read
 * tenant tables only through its explicit policy, so a grep for this helper lists every place
 * that crosses tenants.
 */
export async function withPlatform<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`
      select set_config('role', 'app_platform', true),
             set_config('app.client_id', '', true)
    `);
    return fn(tx);
  });
}

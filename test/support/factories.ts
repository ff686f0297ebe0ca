import { randomBytes } from 'node:crypto';

import type { Db } from '../../src/db/client.js';
import { clients, memberships, plans, subscriptions } from '../../src/db/schema.js';
import { systemContext } from '../../src/http/context.js';
import { createUser } from '../../src/modules/identity/bootstrap.js';
import { canary } from './canary.js';

/**
 * A password that passes every rule; each test user gets its own. It is a canary: the secrets
 * sweep after the run fails if one ever shows up in a log line, an event or a mail.
 */
export function strongPassword(): string {
  return `${canary('pw')} pampa azul`;
}

export async function makeClient(
  db: Db,
  overrides: Partial<typeof clients.$inferInsert> = {},
): Promise<typeof clients.$inferSelect> {
  const slug = overrides.slug ?? `c-${randomBytes(4).toString('hex')}`;
  const [row] = await db
    .insert(clients)
    .values({ name: `Client ${slug}`, country: 'CL', currency: 'USD', ...overrides, slug })
    .returning();
  return row!;
}

export async function makePlan(
  db: Db,
  features: string[] = ['costs', 'findings', 'reports.pdf', 'reports.csv'],
) {
  const [row] = await db
    .insert(plans)
    .values({
      code: `p-${randomBytes(4).toString('hex')}`,
      name: 'Test plan',
      monthlyPrice: '100.00',
      currency: 'USD',
      features,
      limits: { members: 5, cloud_accounts: 2 },
    })
    .returning();
  return row!;
}

export async function subscribe(db: Db, clientId: string, planId: string) {
  await db.insert(subscriptions).values({ clientId, planId, status: 'active' });
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

export async function makeUser(
  db: Db,
  options: {
    globalRole?: 'root' | 'support' | null;
    locale?: 'es' | 'en' | 'pt-BR';
    name?: string;
    email?: string;
  } = {},
): Promise<TestUser> {
  const password = strongPassword();
  const email = options.email ?? `u-${randomBytes(5).toString('hex')}@example.test`;
  const created = await createUser(db, systemContext('test'), {
    email,
    name: options.name ?? 'Test User',
    locale: options.locale ?? 'en',
    globalRole: options.globalRole ?? null,
    password,
  });
  return { id: created.id, email, password };
}

export async function addMember(
  db: Db,
  clientId: string,
  userId: string,
  role: 'owner' | 'finops_admin' | 'viewer',
) {
  await db.insert(memberships).values({ clientId, userId, role });
}

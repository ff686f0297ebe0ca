import type { LightMyRequestResponse } from 'fastify';

import { createTestApp, type TestApp } from '../support/app.js';
import { addMember, makeClient, makePlan, makeUser, subscribe } from '../support/factories.js';

/*
 * An app with one or two clients on a plan that includes findings, and signed-in members of
 * each role. Facts are inserted with the owner connection, as an ingestion would leave them.
 */

export type Role = 'owner' | 'finops_admin' | 'viewer';

export interface Member {
  id: string;
  token: string;
}

export interface TenantFixture {
  clientId: string;
  slug: string;
  members: Record<Role, Member>;
}

export async function login(t: TestApp, u: { email: string; password: string }): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email: u.email, password: u.password },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
  return res.json().access_token as string;
}

export async function makeTenant(
  t: TestApp,
  options: { features?: string[]; locales?: Partial<Record<Role, 'es' | 'en' | 'pt-BR'>> } = {},
): Promise<TenantFixture> {
  const { db } = t.database;
  const client = await makeClient(db);
  const plan = await makePlan(db, options.features);
  await subscribe(db, client.id, plan.id);
  const members = {} as Record<Role, Member>;
  for (const role of ['owner', 'finops_admin', 'viewer'] as const) {
    const user = await makeUser(db, { locale: options.locales?.[role] ?? 'en' });
    await addMember(db, client.id, user.id, role);
    members[role] = { id: user.id, token: await login(t, user) };
  }
  return { clientId: client.id, slug: client.slug, members };
}

export function caller(t: TestApp) {
  return (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    token: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
}

export async function startApp(): Promise<TestApp> {
  return createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '10000' } });
}

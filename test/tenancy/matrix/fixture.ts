import { eq } from 'drizzle-orm';

import { clients, plans } from '../../../src/db/schema.js';
import type { TestApp } from '../../support/app.js';
import { addMember, makeClient, makeUser, subscribe } from '../../support/factories.js';
import { eachDay, fact, insertFacts } from '../../support/facts.js';
import type { ActorName, MatrixFixture } from './matrix.types.js';

export const CANARY = 'LEAK_CANARY_A';

export interface World {
  fixture: MatrixFixture;
  tokens: Record<ActorName, string | null>;
  /** Sessions of client B's members (for the canary), by role. */
  clientBTokens: Record<'owner' | 'finops_admin' | 'viewer', string>;
}

/**
 * Three clients on the richest plan: A (the one under test), B (its neighbour) and S (then
 * suspended). A's facts carry a canary in tags, resource ids and names.
 */
export async function buildWorld(t: TestApp): Promise<World> {
  const db = t.database.db;
  const [enterprise] = await db.select().from(plans).where(eq(plans.code, 'enterprise'));
  const a = await makeClient(db, { name: `Acme ${CANARY}` });
  const b = await makeClient(db, { name: 'Beta Andina' });
  const s = await makeClient(db, { name: 'Suspendida SA' });
  for (const c of [a, b, s]) await subscribe(db, c.id, enterprise!.id);

  const u = {
    owner: await makeUser(db),
    finops_admin: await makeUser(db),
    viewer: await makeUser(db),
    other: await makeUser(db),
    otherAdmin: await makeUser(db),
    otherViewer: await makeUser(db),
    suspended: await makeUser(db),
    root: await makeUser(db, { globalRole: 'root' }),
    support: await makeUser(db, { globalRole: 'support' }),
  };
  await addMember(db, a.id, u.owner.id, 'owner');
  await addMember(db, a.id, u.finops_admin.id, 'finops_admin');
  await addMember(db, a.id, u.viewer.id, 'viewer');
  await addMember(db, b.id, u.other.id, 'owner');
  await addMember(db, b.id, u.otherAdmin.id, 'finops_admin');
  await addMember(db, b.id, u.otherViewer.id, 'viewer');
  await addMember(db, s.id, u.suspended.id, 'owner');

  const today = new Date().toISOString().slice(0, 10);
  const start = new Date(Date.now() - 45 * 86_400_000).toISOString().slice(0, 10);
  const days = eachDay(start, today);
  await insertFacts(db, [
    ...days.map((d) =>
      fact({
        clientId: a.id,
        chargeDate: d,
        cost: '12.5',
        serviceName: `EC2 ${CANARY}`,
        resourceId: `i-${CANARY}`,
        billingAccountId: '999900001111',
        tags: { team: CANARY },
        usageQuantity: '24',
        usageUnit: 'Hrs',
      }),
    ),
    ...days.map((d) =>
      fact({
        clientId: b.id,
        chargeDate: d,
        cost: '7.25',
        serviceName: 'Amazon S3',
        tags: { team: 'b' },
      }),
    ),
  ]);

  const login = async (user: { email: string; password: string }) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: user.password },
    });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
    return res.json().access_token as string;
  };
  const enter = async (user: { email: string; password: string }) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/switch-client',
      headers: { authorization: `Bearer ${await login(user)}` },
      payload: { client_id: a.id, reason: 'Authorization matrix test run' },
    });
    if (res.statusCode !== 200) throw new Error(`switch failed: ${res.body}`);
    return res.json().access_token as string;
  };

  const tokens: Record<ActorName, string | null> = {
    anonymous: null,
    root: await enter(u.root),
    support: await enter(u.support),
    owner: await login(u.owner),
    finops_admin: await login(u.finops_admin),
    viewer: await login(u.viewer),
    other: await login(u.other),
    suspended: await login(u.suspended),
  };
  // Suspended after signing in: the token is valid, the client is not.
  await db.update(clients).set({ status: 'suspended' }).where(eq(clients.id, s.id));

  return {
    fixture: {
      clientA: a.id,
      clientB: b.id,
      ownerA: u.owner.id,
      viewerA: u.viewer.id,
      missing: '00000000-0000-4000-8000-0000000000ff',
    },
    tokens,
    clientBTokens: {
      owner: tokens.other!,
      finops_admin: await login(u.otherAdmin),
      viewer: await login(u.otherViewer),
    },
  };
}

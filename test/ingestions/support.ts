import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';

import { sql } from 'drizzle-orm';

import { queryRows, type Db } from '../../src/db/client.js';
import { memberships, plans, subscriptions } from '../../src/db/schema.js';
import type { TestApp } from '../support/app.js';
import { makeClient, makeUser } from '../support/factories.js';

export const FIXTURES = resolve('test/fixtures/billing');
export const fixture = (path: string) => resolve(FIXTURES, path);

export interface UploadFile {
  name: string;
  data: Buffer;
}

export const fileOf = (path: string, name = basename(path)): UploadFile => ({
  name,
  data: readFileSync(path),
});

/** A real multipart/form-data body, as a browser or curl would send it. */
export function multipartBody(files: UploadFile[]): { payload: Buffer; contentType: string } {
  const boundary = `----finops${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const f of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; ` +
          `filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      f.data,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

export async function upload(t: TestApp, token: string, files: UploadFile[]) {
  const { payload, contentType } = multipartBody(files);
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/ingestions',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    payload,
  });
}

export function caller(t: TestApp) {
  return (method: string, url: string, token: string | null, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
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

/** A client on its own plan with one user per role; returns the id and each role's token. */
export async function clientWithRoles(
  t: TestApp,
  limits: Record<string, number> = {},
): Promise<{ clientId: string; owner: string; admin: string; viewer: string }> {
  const db = t.database.db;
  const client = await makeClient(db);
  const [plan] = await db
    .insert(plans)
    .values({
      code: `p-${randomBytes(4).toString('hex')}`,
      name: 'Ingest plan',
      monthlyPrice: '100.00',
      currency: 'USD',
      features: ['costs', 'findings'],
      limits: { members: 10, cloud_accounts: 3, history_months: 24, upload_mb: 5, ...limits },
    })
    .returning();
  await db
    .insert(subscriptions)
    .values({ clientId: client.id, planId: plan!.id, status: 'active' });
  const tokens: Record<string, string> = {};
  for (const role of ['owner', 'finops_admin', 'viewer'] as const) {
    const user = await makeUser(db);
    await db.insert(memberships).values({ clientId: client.id, userId: user.id, role });
    tokens[role] = await login(t, user);
  }
  return {
    clientId: client.id,
    owner: tokens.owner!,
    admin: tokens.finops_admin!,
    viewer: tokens.viewer!,
  };
}

export interface LiveSums {
  currency: string;
  billed: string;
  net_billed: string;
  effective: string;
  net_effective: string;
  list: string;
  lines: number;
}

/** The independent check: plain SQL over the live table, per currency. */
export async function liveSums(db: Db, clientId: string): Promise<LiveSums[]> {
  return queryRows<LiveSums>(
    db,
    sql`select billing_currency as currency, sum(billed_cost)::text as billed,
          sum(net_billed_cost)::text as net_billed, sum(effective_cost)::text as effective,
          sum(net_effective_cost)::text as net_effective, sum(list_cost)::text as list,
          sum(line_count)::int as lines
        from cost_daily where client_id = ${clientId}
        group by billing_currency order by 1`,
  );
}

/** The API's totals in the same shape as `liveSums`. */
export function apiTotals(ingestion: {
  totals: {
    currency: string;
    billed_cost: string;
    net_billed_cost: string;
    effective_cost: string;
    net_effective_cost: string;
    list_cost: string;
    line_count: number;
  }[];
}): LiveSums[] {
  return ingestion.totals
    .map((t) => ({
      currency: t.currency,
      billed: t.billed_cost,
      net_billed: t.net_billed_cost,
      effective: t.effective_cost,
      net_effective: t.net_effective_cost,
      list: t.list_cost,
      lines: t.line_count,
    }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
}

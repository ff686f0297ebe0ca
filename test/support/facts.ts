import { randomUUID } from 'node:crypto';

import type { Db } from '../../src/db/client.js';
import { clients, costDaily } from '../../src/db/schema.js';
import type { RequestContext } from '../../src/http/context.js';
import { refreshRollup, type RollupPeriod } from '../../src/modules/costs/costs.rollup.js';

/*
 * Small typed factories for billing facts. Insert with the owner connection (`t.database.db`):
 * tests set up data as the ingestion would, and read it back through the services.
 */

export type FactRow = typeof costDaily.$inferInsert;

export interface FactInput extends Partial<Omit<FactRow, 'clientId' | 'chargeDate'>> {
  clientId: string;
  chargeDate: string;
  /** Sets all five money columns at once; a column given explicitly wins. */
  cost?: string;
}

/** One daily fact with plausible defaults: AWS, USD, Usage, one line. */
export function fact(input: FactInput): FactRow {
  const { cost = '0', ...rest } = input;
  return {
    ingestionId: ZERO_INGESTION,
    provider: 'aws',
    billingAccountId: '111111111111',
    billingPeriodStart: `${input.chargeDate.slice(0, 7)}-01`,
    chargeCategory: 'Usage',
    billingCurrency: 'USD',
    billedCost: cost,
    netBilledCost: cost,
    effectiveCost: cost,
    netEffectiveCost: cost,
    listCost: cost,
    lineCount: 1,
    ...rest,
  };
}

const ZERO_INGESTION = '00000000-0000-4000-8000-000000000000';

/**
 * Inserts in batches (PGlite and PostgreSQL both cap bind parameters per statement), then
 * rebuilds the rollup of every period touched, as an ingestion swap does, in one transaction.
 */
export async function insertFacts(db: Db, rows: FactRow[]): Promise<void> {
  const touched = new Map<string, Map<string, RollupPeriod>>();
  for (const r of rows) {
    const period = {
      provider: r.provider,
      billingAccountId: r.billingAccountId,
      billingPeriodStart: r.billingPeriodStart,
    };
    const periods = touched.get(r.clientId) ?? new Map<string, RollupPeriod>();
    periods.set(JSON.stringify(period), period);
    touched.set(r.clientId, periods);
  }

  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += 500) {
      await tx.insert(costDaily).values(rows.slice(i, i + 500));
    }
    for (const [clientId, periods] of touched) {
      await refreshRollup(tx, clientId, [...periods.values()]);
    }
  });
}

export async function createClient(
  db: Db,
  slug = `c-${randomUUID().slice(0, 8)}`,
  currency = 'USD',
): Promise<string> {
  const [row] = await db
    .insert(clients)
    .values({ slug, name: slug, country: 'CL', currency })
    .returning({ id: clients.id });
  return row!.id;
}

/** Days from `from` to `to` inclusive, as `YYYY-MM-DD`. */
export function eachDay(from: string, to: string): string[] {
  const out: string[] = [];
  const last = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= last; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** The context of a signed-in member of `clientId` (viewer capabilities unless given). */
export function memberContext(
  clientId: string | null,
  capabilities: string[] = ['costs:read', 'findings:read', 'reports:export'],
): RequestContext {
  return {
    requestId: `test-${randomUUID()}`,
    ip: '127.0.0.1',
    userAgent: 'node:test',
    actor: {
      userId: randomUUID(),
      email: 'viewer@example.test',
      locale: 'en',
      globalRole: null,
      clientId,
      clientRole: clientId ? 'viewer' : null,
      capabilities: new Set(capabilities),
      mustChangePassword: false,
      sessionId: randomUUID(),
    },
  };
}

/** A clock stopped at one instant. */
export function fixedClock(iso: string): { now(): Date } {
  return { now: () => new Date(iso) };
}

/** A decimal string in canonical form: no trailing zeros, no "-0", so equal amounts compare. */
export function money(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  let s = value.trim();
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0' || s === '') s = '0';
  return s.replace(/^(-?)0+(\d)/, '$1$2');
}

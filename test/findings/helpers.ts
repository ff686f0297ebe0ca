import assert from 'node:assert/strict';

import type { Db } from '../../src/db/client.js';
import { withTenant } from '../../src/db/tenant.js';
import {
  evaluateRules,
  type Candidate,
  type RuleSetting,
} from '../../src/modules/findings/rules/index.js';
import { eachDay, fact, insertFacts, type FactInput, type FactRow } from '../support/facts.js';

/** Every fixture uses June 2025: 30 days, so a resource billed all month has days_L = 30. */
export const WINDOW = { windowStart: '2025-06-01', windowEnd: '2025-06-30' } as const;

export type Fact = Omit<FactInput, 'clientId' | 'chargeDate'>;

/** One fact per day from `from` to `to` (inclusive), all alike. */
export function daily(clientId: string, from: string, to: string, row: Fact): FactRow[] {
  return eachDay(from, to).map((chargeDate) => fact({ clientId, chargeDate, ...row }));
}

/** One fact per day of the whole window. */
export function month(clientId: string, row: Fact): FactRow[] {
  return daily(clientId, WINDOW.windowStart, WINDOW.windowEnd, row);
}

export function on(clientId: string, chargeDate: string, row: Fact): FactRow {
  return fact({ clientId, chargeDate, ...row });
}

export async function seed(db: Db, ...groups: (FactRow | FactRow[])[]): Promise<void> {
  await insertFacts(db, groups.flat());
}

/**
 * Evaluates as the application does: inside the client's tenant transaction. Every candidate
 * must come back fully worded (no placeholder left without a fact) and with evidence.
 */
export async function evaluate(
  db: Db,
  clientId: string,
  ruleIds: string[],
  settings?: Record<string, RuleSetting>,
): Promise<Candidate[]> {
  const found = await withTenant(db, clientId, (tx) =>
    evaluateRules(tx, { clientId, ...WINDOW, ruleIds, ...(settings ? { settings } : {}) }),
  );
  for (const c of found) {
    for (const text of Object.values(c.reasoning)) {
      assert.doesNotMatch(text, /\{\w+\}/, `${c.ruleId}: ${text}`);
    }
    assert.ok(c.evidence.length > 0, `${c.ruleId} ${c.resourceId} keeps evidence`);
    assert.ok(Number(c.monthlySavings) <= Number(c.monthlyCost), `${c.ruleId} capped`);
  }
  return found;
}

/** The candidate for one resource, asserting there is exactly one. */
export function single(candidates: Candidate[], resourceId: string): Candidate {
  const hits = candidates.filter((c) => c.resourceId === resourceId);
  assert.equal(hits.length, 1, `one candidate for ${resourceId}, got ${hits.length}`);
  return hits[0]!;
}

export function resources(candidates: Candidate[]): string[] {
  return candidates.map((c) => c.resourceId).sort();
}

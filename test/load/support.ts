import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import { users } from '../../src/db/schema.js';
import type { Db } from '../../src/db/client.js';
import { hashPassword } from '../../src/modules/identity/passwords.js';
import type { TestApp } from '../support/app.js';
import { strongPassword, type TestUser } from '../support/factories.js';

/**
 * Load tests talk to a real socket: `inject` skips the HTTP parser, the kernel and the
 * connection handling whose queueing is part of what a load test measures.
 */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/**
 * `count` users sharing one password, hashed once: a bcrypt hash at cost 12 takes about 0.3 s
 * here, so hashing per user would spend the suite's budget on set-up. Logins still verify
 * against the stored hash, which is the work under test.
 */
export async function usersWithOnePassword(db: Db, count: number): Promise<TestUser[]> {
  const password = strongPassword();
  const passwordHash = await hashPassword(password);
  const rows = Array.from({ length: count }, () => ({
    email: `load-${randomBytes(6).toString('hex')}@example.test`,
    name: 'Load User',
    locale: 'en',
    passwordHash,
    passwordChangedAt: new Date(),
  }));
  const created = await db.insert(users).values(rows).returning({ id: users.id });
  return created.map((u, i) => ({ id: u.id, email: rows[i]!.email, password }));
}

/** The value below which `p` of the sorted samples fall (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
  return sorted[Math.max(0, rank)]!;
}

/** Multiplies a decimal string by a small whole number, exactly (no floating point). */
export function timesDecimal(value: string, n: number): string {
  const negative = value.startsWith('-');
  const [whole, fraction = ''] = value.replace(/^-/, '').split('.');
  const scaled = BigInt(`${whole}${fraction}`) * BigInt(n);
  const digits = scaled.toString().padStart(fraction.length + 1, '0');
  const cut = digits.length - fraction.length;
  const text = fraction.length > 0 ? `${digits.slice(0, cut)}.${digits.slice(cut)}` : digits;
  return negative && scaled !== 0n ? `-${text}` : text;
}

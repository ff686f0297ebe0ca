import { randomBytes } from 'node:crypto';

import type { Db } from '../../db/client.js';
import { withPlatform } from '../../db/tenant.js';
import type { RequestContext } from '../../http/context.js';
import { AppError } from '../../lib/errors.js';
import { recordSecurityEvent } from '../audit/audit.model.js';
import { findUserByEmail, insertUser, rootExists } from './identity.model.js';
import { checkNewPassword, hashPassword } from './passwords.js';

export interface CreateUserInput {
  email: string;
  name?: string;
  locale?: 'es' | 'en' | 'pt-BR';
  globalRole?: 'root' | 'support' | null;
  /** Without one, a one-time password is generated and must be changed at first sign-in. */
  password?: string | null;
}

export interface CreatedUser {
  id: string;
  email: string;
  oneTimePassword: string | null;
}

/** Four groups of five characters: easy to type once, ~100 bits of entropy. */
function oneTimePassword(): string {
  const raw = randomBytes(16).toString('base64url').replace(/[-_]/g, 'x');
  return raw.slice(0, 20).match(/.{5}/g)!.join('-');
}

export async function createUser(
  db: Db,
  ctx: RequestContext,
  input: CreateUserInput,
): Promise<CreatedUser> {
  const generated = input.password ? null : oneTimePassword();
  const password = input.password ?? generated!;
  if (input.password) checkNewPassword(input.password, { email: input.email, name: input.name });
  const passwordHash = await hashPassword(password);

  return withPlatform(db, async (tx) => {
    if (await findUserByEmail(tx, input.email)) {
      throw new AppError('conflict', `A user with e-mail ${input.email} already exists.`);
    }
    const user = await insertUser(tx, {
      email: input.email.trim(),
      name: input.name?.trim() || input.email.split('@')[0]!,
      locale: input.locale ?? 'es',
      globalRole: input.globalRole ?? null,
      passwordHash,
      mustChangePassword: generated !== null,
      passwordChangedAt: new Date(),
    });
    await recordSecurityEvent(tx, ctx, {
      type: input.globalRole === 'root' ? 'system.bootstrap' : 'user.created',
      targetType: 'user',
      targetId: user.id,
      details: { globalRole: input.globalRole ?? null, oneTimePassword: generated !== null },
    });
    return { id: user.id, email: user.email, oneTimePassword: generated };
  });
}

/**
 * The first start creates the first root: from FINOPS_ROOT_EMAIL/FINOPS_ROOT_PASSWORD when set,
 * else `root@localhost` with a one-time password that must be changed at first sign-in.
 * Does nothing once any root exists, so there is never a default account with a known password.
 */
export async function ensureRootUser(
  db: Db,
  ctx: RequestContext,
  root: { email: string | null; password: string | null },
): Promise<CreatedUser | null> {
  const exists = await withPlatform(db, (tx) => rootExists(tx));
  if (exists) return null;
  return createUser(db, ctx, {
    email: root.email ?? 'root@localhost',
    name: 'Root',
    globalRole: 'root',
    password: root.password,
  });
}

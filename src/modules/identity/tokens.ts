import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

import type { Config } from '../../config/config.js';
import { AppError } from '../../lib/errors.js';

const ALGORITHM = 'HS256';
const ACCESS_TYPE = 'access';

/** The claims an access token must carry; anything else a valid signature carries is refused. */
const accessClaims = z
  .object({
    sub: z.uuid(),
    typ: z.literal(ACCESS_TYPE),
    jti: z.uuid(),
    sid: z.uuid(),
    tv: z.number().int().nonnegative(),
    global_role: z.enum(['root', 'support']).nullable(),
    client_role: z.enum(['owner', 'finops_admin', 'viewer']).nullable(),
    client_id: z.uuid().nullable(),
    iat: z.number(),
    exp: z.number(),
    iss: z.string(),
    aud: z.union([z.string(), z.array(z.string())]),
  })
  .strict()
  .refine((c) => c.client_role === null || c.client_id !== null, {
    message: 'a client role needs a client',
  });

export type AccessClaims = z.infer<typeof accessClaims>;

export interface AccessTokenInput {
  userId: string;
  sessionId: string;
  tokenVersion: number;
  globalRole: 'root' | 'support' | null;
  clientRole: 'owner' | 'finops_admin' | 'viewer' | null;
  clientId: string | null;
}

export interface TokenSigner {
  signAccess(input: AccessTokenInput, now: Date): Promise<{ token: string; expiresIn: number }>;
  verifyAccess(token: string, now: Date): Promise<AccessClaims>;
}

export function createTokenSigner(jwt: Config['jwt']): TokenSigner {
  const key = new TextEncoder().encode(jwt.secret);

  return {
    async signAccess(input, now) {
      const iat = Math.floor(now.getTime() / 1000);
      const token = await new SignJWT({
        typ: ACCESS_TYPE,
        sid: input.sessionId,
        tv: input.tokenVersion,
        global_role: input.globalRole,
        client_role: input.clientRole,
        client_id: input.clientId,
      })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setSubject(input.userId)
        .setJti(randomUUID())
        .setIssuer(jwt.issuer)
        .setAudience(jwt.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + jwt.accessTtlSeconds)
        .sign(key);
      return { token, expiresIn: jwt.accessTtlSeconds };
    },

    async verifyAccess(token, now) {
      let payload: unknown;
      try {
        // The algorithm is pinned here, never taken from the token's header; jose refuses
        // `none`, other algorithms, bad signatures, wrong iss/aud and expired tokens.
        ({ payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          issuer: jwt.issuer,
          audience: jwt.audience,
          requiredClaims: ['exp', 'iat', 'sub', 'jti'],
          currentDate: now,
          clockTolerance: 30,
          maxTokenAge: jwt.accessTtlSeconds + 60,
        }));
      } catch (err) {
        const expired = err instanceof joseErrors.JWTExpired;
        throw new AppError(
          'token_invalid',
          expired ? 'The access token has expired; refresh it.' : 'The access token is not valid.',
          { details: { reason: expired ? 'expired' : 'invalid' } },
        );
      }
      const parsed = accessClaims.safeParse(payload);
      if (!parsed.success) {
        throw new AppError('token_invalid', 'The access token is not valid.', {
          details: { reason: 'claims' },
        });
      }
      return parsed.data;
    },
  };
}

/** Opaque 256-bit refresh tokens and reset tokens: random, never JWTs, stored only hashed. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

import { createHmac } from 'node:crypto';

import bcrypt from 'bcrypt';
import { dictionary } from '@zxcvbn-ts/language-common';

import { AppError } from '../../lib/errors.js';

export const PASSWORD_MIN_CHARS = 12;
export const PASSWORD_MAX_CHARS = 128;
/** Anything longer is refused before any hashing, so a huge body cannot cost CPU. */
export const PASSWORD_MAX_BYTES = 1024;
/** bcrypt runs in libuv's thread pool (the `bcrypt` package's native async API), never on
 * the event loop. */
export const BCRYPT_COST = 12;

/*
 * bcrypt reads only the first 72 bytes: "a"×72 and "a"×72+"x" would be the same password.
 * We therefore hash HMAC-SHA-384(password) (64 base64 characters) instead of the password.
 * The HMAC key is a fixed domain separator, not a secret: its job is length-safety, so the
 * stored hashes survive any key rotation. Hashes made this way carry the `v1$` prefix; a bare
 * bcrypt hash (imported from the replaced service) is verified as-is and upgraded at login.
 */
const PREHASH_KEY = 'finopslatam/password-prehash/v1';
const PREHASH_PREFIX = 'v1$';

/*
 * libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise) also runs WebCrypto
 * (every JWT signature and check), fs and zlib. A burst of sign-ins used to queue seconds of
 * bcrypt ahead of all of them: token checks waited, and a login transaction waiting for its
 * token's signature held its connection and its user row until the pool and lock timeouts
 * failed other requests. bcrypt therefore takes at most all threads but one; the rest wait
 * here, in a JS queue that costs nothing.
 */
const THREAD_POOL_SIZE = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10) || 4;
export const BCRYPT_CONCURRENCY = Math.max(1, THREAD_POOL_SIZE - 1);
let bcryptRunning = 0;
const bcryptWaiting: (() => void)[] = [];

async function withBcryptSlot<T>(work: () => Promise<T>): Promise<T> {
  if (bcryptRunning < BCRYPT_CONCURRENCY) bcryptRunning += 1;
  else await new Promise<void>((resolve) => bcryptWaiting.push(resolve));
  try {
    return await work();
  } finally {
    // The slot passes straight to the next waiter, so the count only drops when none waits.
    const next = bcryptWaiting.shift();
    if (next) next();
    else bcryptRunning -= 1;
  }
}

function prehash(password: string): string {
  return createHmac('sha384', PREHASH_KEY)
    .update(password.normalize('NFC'), 'utf8')
    .digest('base64');
}

export async function hashPassword(password: string): Promise<string> {
  const hash = await withBcryptSlot(() => bcrypt.hash(prehash(password), BCRYPT_COST));
  return PREHASH_PREFIX + hash;
}

export interface VerifyResult {
  ok: boolean;
  /** True when the stored hash should be replaced (legacy format or cost below ours). */
  needsRehash: boolean;
}

export async function verifyPassword(password: string, stored: string): Promise<VerifyResult> {
  const isV1 = stored.startsWith(PREHASH_PREFIX);
  const bcryptHash = isV1 ? stored.slice(PREHASH_PREFIX.length) : stored;
  let ok = false;
  try {
    const candidate = isV1 ? prehash(password) : password;
    ok = await withBcryptSlot(() => bcrypt.compare(candidate, bcryptHash));
  } catch {
    ok = false;
  }
  const cost = Number.parseInt(bcryptHash.split('$')[2] ?? '0', 10);
  return { ok, needsRehash: ok && (!isV1 || cost < BCRYPT_COST) };
}

/** A real hash of nothing, verified for unknown users so every failed login costs the same. */
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-only-for-timing');
  return dummyHash;
}

// Common passwords (zxcvbn-ts "passwords-common", ~49k entries); only ≥ 12-char ones can pass the
// length rule, but shorter ones matter as the base of "password2024!!"-style choices.
const COMMON = new Set(dictionary['passwords-common'].map((w) => w.toLowerCase()));
const EXTRA_WORDS = ['finopslatam', 'finops', 'password', 'contraseña', 'contrasena', 'senha'];

export interface PasswordContext {
  email?: string | null;
  name?: string | null;
  clientNames?: string[];
}

/**
 * Our rules, from NIST 800-63B: 12 to 128 characters of any Unicode, not a common password and
 * not built from the user's own context. No composition rules, no expiry.
 */
export function checkNewPassword(password: string, context: PasswordContext = {}): void {
  const chars = [...password].length;
  if (chars < PASSWORD_MIN_CHARS) {
    throw new AppError(
      'validation_failed',
      `The password must have at least ${PASSWORD_MIN_CHARS} characters; a passphrase of ` +
        'several words is easiest to remember.',
      { details: { reason: 'password_too_short' } },
    );
  }
  if (chars > PASSWORD_MAX_CHARS || Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    throw new AppError(
      'validation_failed',
      `The password must have at most ${PASSWORD_MAX_CHARS} characters.`,
      { details: { reason: 'password_too_long' } },
    );
  }

  const lower = password.normalize('NFC').toLowerCase();
  const core = lower.replace(/[\d\W_]+$/u, '').replace(/^[\d\W_]+/u, '');
  const repeated = /^(.{3,}?)\1+$/u.exec(core)?.[1] ?? null;
  const common =
    COMMON.has(lower) ||
    (core.length >= 4 && (COMMON.has(core) || EXTRA_WORDS.includes(core))) ||
    (repeated !== null && (COMMON.has(repeated) || EXTRA_WORDS.includes(repeated))) ||
    /^(.)\1+$/u.test(lower);
  if (common) {
    throw new AppError(
      'validation_failed',
      'This password is too common and appears in lists attackers try first; choose another.',
      { details: { reason: 'password_common' } },
    );
  }

  const words = [
    context.email?.split('@')[0],
    ...(context.name ?? '').split(/\s+/),
    ...(context.clientNames ?? []),
  ]
    .map((w) => w?.toLowerCase().trim())
    .filter((w): w is string => Boolean(w) && w!.length >= 4);
  if (words.some((w) => lower.includes(w))) {
    throw new AppError(
      'validation_failed',
      'The password must not contain your e-mail name, your name or your company name.',
      { details: { reason: 'password_contextual' } },
    );
  }
}

/**
 * The closed set of error codes the API answers with. Each maps to exactly one HTTP status in
 * `httpStatusOf`; adding a code without a status is a compile error.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthenticated'
  | 'token_invalid'
  | 'password_change_required'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'account_locked'
  | 'plan_limit_reached'
  | 'feature_not_in_plan'
  | 'client_suspended'
  | 'subscription_inactive'
  | 'service_unavailable'
  | 'internal';

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'bad_request':
    case 'validation_failed':
      return 400;
    case 'unauthenticated':
    case 'token_invalid':
      return 401;
    case 'plan_limit_reached':
      return 402;
    case 'forbidden':
    case 'password_change_required':
    case 'feature_not_in_plan':
    case 'client_suspended':
    case 'subscription_inactive':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'unprocessable':
      return 422;
    case 'rate_limited':
    case 'account_locked':
      return 429;
    case 'service_unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}

export interface AppErrorOptions {
  /** Extra, caller-safe facts (field names, limits); never internals. */
  details?: Record<string, unknown>;
  /** Seconds, sent as `Retry-After` with 429 and 503. */
  retryAfter?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfter: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = httpStatusOf(code);
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }
}

/** The one answer for "missing" and "belongs to someone else", so ids cannot be probed. */
export function notFound(what: string): AppError {
  return new AppError('not_found', `${what} not found`);
}

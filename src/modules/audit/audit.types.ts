/** The closed vocabulary of security events, with the severity each one carries. */
export const SECURITY_EVENT_SEVERITY = {
  'auth.login.succeeded': 'info',
  'auth.login.failed': 'warning',
  'auth.account.locked': 'critical',
  'auth.account.unlocked': 'info',
  'auth.logout': 'info',
  'auth.password.changed': 'info',
  'auth.password.change_failed': 'warning',
  'auth.password.reset_requested': 'info',
  'auth.password.reset_throttled': 'warning',
  'auth.password.reset_completed': 'info',
  'auth.token.refreshed': 'info',
  'auth.token.reuse_detected': 'critical',
  'auth.token.invalid': 'warning',
  'access.denied': 'warning',
  'access.privileged': 'critical',
  'auth.client.switched': 'info',
  'user.created': 'info',
  'user.updated': 'info',
  'user.disabled': 'warning',
  'user.enabled': 'info',
  'user.global_role.changed': 'critical',
  'membership.changed': 'info',
  'client.created': 'info',
  'client.updated': 'info',
  'client.suspended': 'warning',
  'client.reactivated': 'info',
  'plan.changed': 'info',
  'subscription.changed': 'info',
  'report.exported': 'info',
  'ingestion.succeeded': 'info',
  'ingestion.failed': 'warning',
  'system.bootstrap': 'critical',
} as const;

export type SecurityEventType = keyof typeof SECURITY_EVENT_SEVERITY;
export type Severity = (typeof SECURITY_EVENT_SEVERITY)[SecurityEventType];

export interface SecurityEventInput {
  type: SecurityEventType;
  /** Defaults to the acting user of the context. */
  actorUserId?: string | null;
  clientId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  /** Facts only: never a secret, a token or a password. */
  details?: Record<string, unknown>;
}

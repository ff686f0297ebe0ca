/** What every service call receives first: who is acting, for which client, from where. */
export interface Actor {
  userId: string;
  email: string;
  locale: string;
  globalRole: 'root' | 'support' | null;
  /** The active client of this token, or null for a global user outside any client. */
  clientId: string | null;
  clientRole: 'owner' | 'finops_admin' | 'viewer' | null;
  capabilities: ReadonlySet<string>;
  mustChangePassword: boolean;
  /** The session (refresh-token family) this access token belongs to. */
  sessionId: string;
}

export interface RequestContext {
  requestId: string;
  ip: string;
  userAgent: string | null;
  /** Set by the authentication hook; null on public routes. */
  actor: Actor | null;
}

/** The context of work that no HTTP request started (CLI, jobs, start-up). */
export function systemContext(requestId = 'system'): RequestContext {
  return { requestId, ip: '127.0.0.1', userAgent: null, actor: null };
}

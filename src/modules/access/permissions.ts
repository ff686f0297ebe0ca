/**
 * The one table that says what each role may do. Routes declare the capability they need; the
 * frontend receives the resolved list and holds no permission logic of its own.
 */
export const CLIENT_CAPABILITIES = [
  'costs:read',
  'findings:read',
  'findings:manage',
  'cloud_accounts:read',
  'cloud_accounts:manage',
  'ingestions:read',
  'ingestions:manage',
  'reports:export',
  'members:read',
  'members:manage',
  'subscription:read',
  'audit:read',
  'branding:read',
  'branding:manage',
] as const;

export const PLATFORM_CAPABILITIES = [
  'platform:read',
  'platform:manage',
  'platform:users:unlock',
  'platform:users:send_reset',
  'platform:roles:grant',
  'platform:reports:export',
] as const;

export type ClientCapability = (typeof CLIENT_CAPABILITIES)[number];
export type PlatformCapability = (typeof PLATFORM_CAPABILITIES)[number];
export type Capability = ClientCapability | PlatformCapability;

export type GlobalRole = 'root' | 'support';
export type ClientRole = 'owner' | 'finops_admin' | 'viewer';

const VIEWER: ClientCapability[] = [
  'costs:read',
  'findings:read',
  'cloud_accounts:read',
  'ingestions:read',
  'reports:export',
  'branding:read',
];
const FINOPS_ADMIN: ClientCapability[] = [
  ...VIEWER,
  'findings:manage',
  'cloud_accounts:manage',
  'ingestions:manage',
  'members:read',
  'branding:manage',
];
const OWNER: ClientCapability[] = [
  ...FINOPS_ADMIN,
  'members:manage',
  'subscription:read',
  'audit:read',
];

export const CLIENT_ROLE_CAPABILITIES: Record<ClientRole, readonly ClientCapability[]> = {
  viewer: VIEWER,
  finops_admin: FINOPS_ADMIN,
  owner: OWNER,
};

/** What a global role may do inside a client it entered with a reason (no membership needed). */
const GLOBAL_IN_CLIENT: Record<GlobalRole, readonly ClientCapability[]> = {
  // Support reads a client to help it, and changes nothing there.
  support: [...VIEWER, 'members:read', 'subscription:read', 'audit:read'],
  root: CLIENT_CAPABILITIES,
};

const GLOBAL_PLATFORM: Record<GlobalRole, readonly PlatformCapability[]> = {
  // Support may take the platform report to a customer conversation; it changes nothing.
  support: [
    'platform:read',
    'platform:users:unlock',
    'platform:users:send_reset',
    'platform:reports:export',
  ],
  root: PLATFORM_CAPABILITIES,
};

/**
 * The capabilities of one session: the platform part from the global role, the client part from
 * the membership role or, for a global user who entered a client, from the global role.
 */
export function capabilitiesFor(input: {
  globalRole: GlobalRole | null;
  clientRole: ClientRole | null;
  inClient: boolean;
}): Capability[] {
  const out = new Set<Capability>();
  if (input.globalRole) {
    for (const c of GLOBAL_PLATFORM[input.globalRole]) out.add(c);
    if (input.inClient) for (const c of GLOBAL_IN_CLIENT[input.globalRole]) out.add(c);
  }
  if (input.inClient && input.clientRole) {
    for (const c of CLIENT_ROLE_CAPABILITIES[input.clientRole]) out.add(c);
  }
  return [...out].sort();
}

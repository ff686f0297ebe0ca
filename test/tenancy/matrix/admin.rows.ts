import { cells, MISSING, type MatrixRow } from './matrix.types.js';

// Global roles only. Support reads; root manages. Manage routes get an empty body (400 for
// root) or a missing id (404 for root); client roles are refused (403) whatever they send.
const read = cells(401, 200, 200, 403, 403, 403, 403, 403);
const readMissing = cells(401, 404, 404, 403, 403, 403, 403, 403);
const manageInvalid = cells(401, 400, 403, 403, 403, 403, 403, 403);
const manageMissing = cells(401, 404, 403, 403, 403, 403, 403, 403);
const supportMissing = cells(401, 404, 404, 403, 403, 403, 403, 403);
const missing = () => `${MISSING}`;

export const rows: MatrixRow[] = [
  { route: 'GET /api/admin/stats', expect: read },
  { route: 'GET /api/admin/security-events', expect: read },
  { route: 'GET /api/admin/clients', expect: read },
  { route: 'POST /api/admin/clients', body: {}, expect: manageInvalid },
  {
    route: 'GET /api/admin/clients/:id',
    url: () => `/api/admin/clients/${missing()}`,
    expect: readMissing,
  },
  {
    route: 'PATCH /api/admin/clients/:id',
    url: () => `/api/admin/clients/${missing()}`,
    body: {},
    expect: manageMissing,
  },
  {
    route: 'POST /api/admin/clients/:id/suspend',
    url: () => `/api/admin/clients/${missing()}/suspend`,
    expect: manageMissing,
  },
  {
    route: 'POST /api/admin/clients/:id/reactivate',
    url: () => `/api/admin/clients/${missing()}/reactivate`,
    expect: manageMissing,
  },
  {
    route: 'GET /api/admin/clients/:id/subscription',
    url: () => `/api/admin/clients/${missing()}/subscription`,
    expect: readMissing,
  },
  {
    route: 'PUT /api/admin/clients/:id/subscription',
    url: () => `/api/admin/clients/${missing()}/subscription`,
    body: {},
    expect: manageInvalid,
  },
  { route: 'GET /api/admin/users', expect: read },
  { route: 'POST /api/admin/users', body: {}, expect: manageInvalid },
  {
    route: 'GET /api/admin/users/:id',
    url: () => `/api/admin/users/${missing()}`,
    expect: readMissing,
  },
  {
    route: 'PATCH /api/admin/users/:id',
    url: () => `/api/admin/users/${missing()}`,
    body: {},
    expect: manageMissing,
  },
  {
    route: 'POST /api/admin/users/:id/disable',
    url: () => `/api/admin/users/${missing()}/disable`,
    expect: manageMissing,
  },
  {
    route: 'POST /api/admin/users/:id/enable',
    url: () => `/api/admin/users/${missing()}/enable`,
    expect: manageMissing,
  },
  {
    route: 'POST /api/admin/users/:id/unlock',
    url: () => `/api/admin/users/${missing()}/unlock`,
    expect: supportMissing,
  },
  {
    route: 'POST /api/admin/users/:id/send-reset-link',
    url: () => `/api/admin/users/${missing()}/send-reset-link`,
    expect: supportMissing,
  },
  {
    route: 'POST /api/admin/users/:id/memberships',
    url: () => `/api/admin/users/${missing()}/memberships`,
    body: {},
    expect: manageInvalid,
  },
  {
    route: 'PATCH /api/admin/users/:id/memberships/:clientId',
    url: (f) => `/api/admin/users/${missing()}/memberships/${f.clientA}`,
    body: {},
    expect: manageInvalid,
  },
  {
    route: 'DELETE /api/admin/users/:id/memberships/:clientId',
    url: (f) => `/api/admin/users/${missing()}/memberships/${f.clientA}`,
    expect: manageMissing,
  },
  { route: 'GET /api/admin/plans', expect: read },
  { route: 'POST /api/admin/plans', body: {}, expect: manageInvalid },
  {
    route: 'PATCH /api/admin/plans/:id',
    url: () => `/api/admin/plans/${missing()}`,
    body: {},
    expect: manageMissing,
  },
  {
    route: 'POST /api/admin/plans/:id/archive',
    url: () => `/api/admin/plans/${missing()}/archive`,
    expect: manageMissing,
  },
];

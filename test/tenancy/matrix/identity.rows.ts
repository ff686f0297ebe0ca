import { cells, type MatrixRow } from './matrix.types.js';

// Public doors answer 400 to an empty body for everyone; the others need a session. A member
// of a suspended client is stopped at every authenticated route (403 client_suspended).
//                                                     anon root supp own  fadm view oth  susp
export const rows: MatrixRow[] = [
  {
    route: 'POST /api/auth/login',
    body: {},
    expect: cells(400, 400, 400, 400, 400, 400, 400, 400),
  },
  {
    route: 'POST /api/auth/refresh',
    body: {},
    expect: cells(400, 400, 400, 400, 400, 400, 400, 400),
  },
  {
    route: 'POST /api/auth/forgot-password',
    body: {},
    expect: cells(400, 400, 400, 400, 400, 400, 400, 400),
  },
  {
    route: 'POST /api/auth/reset-password',
    body: {},
    expect: cells(400, 400, 400, 400, 400, 400, 400, 400),
  },
  { route: 'GET /api/auth/me', expect: cells(401, 200, 200, 200, 200, 200, 200, 403) },
  {
    route: 'POST /api/auth/switch-client',
    body: {},
    expect: cells(401, 400, 400, 400, 400, 400, 400, 403),
  },
  {
    route: 'POST /api/auth/change-password',
    body: {},
    expect: cells(401, 400, 400, 400, 400, 400, 400, 403),
  },
  // Ends the session, so it runs after every other row.
  {
    route: 'POST /api/auth/logout',
    last: true,
    expect: cells(401, 204, 204, 204, 204, 204, 204, 403),
  },
];

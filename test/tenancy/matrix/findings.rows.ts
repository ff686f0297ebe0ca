import { cells, MISSING, type MatrixRow } from './matrix.types.js';

// Every member reads findings and rules (support too, as a viewer); owner, finops_admin and root
// manage them. Manage routes get an invalid body (400) or a missing id (404) for those allowed,
// so no row recomputes or changes anything.
//                                                     anon root supp own  fadm view oth  susp
const read = cells(401, 200, 200, 200, 200, 200, 200, 403);
const readMissing = cells(401, 404, 404, 404, 404, 404, 404, 403);
const manageInvalid = cells(401, 400, 403, 400, 400, 403, 400, 403);
const manageMissing = cells(401, 404, 403, 404, 404, 403, 404, 403);

export const rows: MatrixRow[] = [
  { route: 'GET /api/v1/findings', expect: read },
  { route: 'GET /api/v1/findings/summary', expect: read },
  { route: 'GET /api/v1/findings/savings-ledger', expect: read },
  { route: 'GET /api/v1/rules', expect: read },
  {
    route: 'GET /api/v1/findings/:id',
    url: () => `/api/v1/findings/${MISSING}`,
    expect: readMissing,
  },
  {
    route: 'PATCH /api/v1/findings/:id',
    url: () => `/api/v1/findings/${MISSING}`,
    body: { status: 'resolved' },
    expect: manageMissing,
  },
  {
    route: 'POST /api/v1/findings/recompute',
    body: { periods: 'not-a-list' },
    expect: manageInvalid,
  },
  {
    route: 'PUT /api/v1/rules/:id',
    url: () => '/api/v1/rules/aws.no_such_rule',
    body: {},
    expect: manageMissing,
  },
];

import { cells, MISSING, type MatrixRow } from './matrix.types.js';

// Everyone in a client reads its accounts; owner, finops_admin and root manage them (support
// only reads). Managing with an empty body is 400 and a missing id 404 for those allowed.
//                                                     anon root supp own  fadm view oth  susp
const manageMissing = cells(401, 404, 403, 404, 404, 403, 404, 403);

export const rows: MatrixRow[] = [
  { route: 'GET /api/v1/cloud-accounts', expect: cells(401, 200, 200, 200, 200, 200, 200, 403) },
  {
    route: 'POST /api/v1/cloud-accounts',
    body: {},
    expect: cells(401, 400, 403, 400, 400, 403, 400, 403),
  },
  {
    route: 'PATCH /api/v1/cloud-accounts/:id',
    url: () => `/api/v1/cloud-accounts/${MISSING}`,
    body: { name: 'Renamed' },
    expect: manageMissing,
  },
  {
    route: 'POST /api/v1/cloud-accounts/:id/archive',
    url: () => `/api/v1/cloud-accounts/${MISSING}/archive`,
    expect: manageMissing,
  },
];

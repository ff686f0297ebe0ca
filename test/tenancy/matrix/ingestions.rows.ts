import { cells, MISSING, type MatrixRow } from './matrix.types.js';

// Everyone in a client reads its ingestions; owner, finops_admin and root upload. A JSON body
// passes authorization and is refused as not multipart (415), so nothing is stored.
//                                                     anon root supp own  fadm view oth  susp
export const rows: MatrixRow[] = [
  {
    route: 'POST /api/v1/ingestions',
    body: {},
    expect: cells(401, 415, 403, 415, 415, 403, 415, 403),
  },
  { route: 'GET /api/v1/ingestions', expect: cells(401, 200, 200, 200, 200, 200, 200, 403) },
  {
    route: 'GET /api/v1/ingestions/:id',
    url: () => `/api/v1/ingestions/${MISSING}`,
    expect: cells(401, 404, 404, 404, 404, 404, 404, 403),
  },
];

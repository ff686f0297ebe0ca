import { cells, type MatrixRow } from './matrix.types.js';

// Every member (and the global roles inside a client) reads the logo; owner, finops_admin and
// root change it. Client A has no logo in this world, so reading answers 404 and removing is a
// no-op (204); the upload sends JSON, which an allowed actor gets back as 415: it passed
// authorization and stored nothing.
//                                                     anon root supp own  fadm view oth  susp
export const rows: MatrixRow[] = [
  {
    route: 'PUT /api/v1/client/branding/logo',
    body: {},
    expect: cells(401, 415, 403, 415, 415, 403, 415, 403),
  },
  {
    route: 'GET /api/v1/client/branding/logo',
    expect: cells(401, 404, 404, 404, 404, 404, 404, 403),
  },
  {
    route: 'DELETE /api/v1/client/branding/logo',
    expect: cells(401, 204, 403, 204, 204, 403, 204, 403),
  },
];

import { cells, type MatrixRow } from './matrix.types.js';

// Root and support act inside client A (entered with a reason); "other" is the owner of
// client B, whose token names B: it sees B's members and gets 404 for A's.
//                                                     anon root supp own  fadm view oth  susp
export const rows: MatrixRow[] = [
  { route: 'GET /api/v1/members', expect: cells(401, 200, 200, 200, 200, 403, 200, 403) },
  {
    route: 'POST /api/v1/members',
    body: {},
    expect: cells(401, 400, 403, 400, 403, 403, 400, 403),
  },
  {
    // Setting the viewer's role to what it is changes nothing (204) for those allowed.
    route: 'PATCH /api/v1/members/:userId',
    url: (f) => `/api/v1/members/${f.viewerA}`,
    body: { role: 'viewer' },
    expect: cells(401, 204, 403, 204, 403, 403, 404, 403),
  },
  {
    // The only owner of A cannot be removed (409); in B that user does not exist (404).
    route: 'DELETE /api/v1/members/:userId',
    url: (f) => `/api/v1/members/${f.ownerA}`,
    expect: cells(401, 409, 403, 409, 403, 403, 404, 403),
  },
  { route: 'GET /api/v1/subscription', expect: cells(401, 200, 200, 200, 403, 403, 200, 403) },
];

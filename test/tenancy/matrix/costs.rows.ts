import { cells, type MatrixRow } from './matrix.types.js';

// Every cost view reads the caller's own client; all plans of the fixture include every
// feature, so the only refusals are for anonymous callers and the suspended client.
const read = cells(401, 200, 200, 200, 200, 200, 200, 403);
//                                                     anon root supp own  fadm view oth  susp
export const rows: MatrixRow[] = [
  { route: 'GET /api/v1/costs/summary', expect: read },
  {
    route: 'GET /api/v1/costs/breakdown',
    url: () => '/api/v1/costs/breakdown?group_by=service',
    expect: read,
  },
  { route: 'GET /api/v1/costs/trend', expect: read },
  { route: 'GET /api/v1/costs/movers', expect: read },
  { route: 'GET /api/v1/costs/forecast', expect: read },
  { route: 'GET /api/v1/costs/anomalies', expect: read },
  { route: 'GET /api/v1/costs/commitments', expect: read },
  { route: 'GET /api/v1/costs/tags', expect: read },
];

import { cells, type MatrixRow } from './matrix.types.js';

// Infrastructure routes: public, and the same for everyone (metrics are off without a token).
//                                         anon root supp own  fadm view oth  susp
export const rows: MatrixRow[] = [
  { route: 'GET /livez', expect: cells(200, 200, 200, 200, 200, 200, 200, 200) },
  { route: 'GET /readyz', expect: cells(200, 200, 200, 200, 200, 200, 200, 200) },
  { route: 'GET /metrics', expect: cells(404, 404, 404, 404, 404, 404, 404, 404) },
  { route: 'GET /openapi.json', expect: cells(200, 200, 200, 200, 200, 200, 200, 200) },
  // Swagger UI and its static files (every /docs/* route is covered by this row).
  { route: 'GET /docs', expect: cells(200, 200, 200, 200, 200, 200, 200, 200) },
];

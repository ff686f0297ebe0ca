import { cells, type MatrixRow } from './matrix.types.js';

// Exports: every member of a client (viewer included) and the global roles inside it may export
// the client report and the FOCUS data; the platform report is for root and support only. Each
// row sends an invalid query, so an allowed actor gets 400 (it passed authorization) and nothing
// is rendered or audited; a refused one gets 401/403 whatever it sends.
//                                                     anon root supp own  fadm view oth  susp
const clientExport = cells(401, 400, 400, 400, 400, 400, 400, 403);
const platformExport = cells(401, 400, 400, 403, 403, 403, 403, 403);

export const rows: MatrixRow[] = [
  {
    route: 'GET /api/v1/reports/client/:format',
    url: () => '/api/v1/reports/client/csv?lang=fr',
    expect: clientExport,
  },
  {
    route: 'GET /api/v1/reports/admin/:format',
    url: () => '/api/v1/reports/admin/pdf?lang=fr',
    expect: platformExport,
  },
  {
    route: 'GET /api/v1/exports/focus',
    url: () => '/api/v1/exports/focus?gzip=maybe',
    expect: clientExport,
  },
];

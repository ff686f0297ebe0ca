/**
 * The route × actor matrix. Each module keeps a `<module>.rows.ts` beside this file listing
 * every route it registers with the exact status each actor must get. `matrix.test.ts` runs
 * every cell and fails on a route that no rows file knows.
 *
 * How to write a row that is deterministic and changes nothing:
 * - the auth hook runs before validation, so a refused actor gets 401/403 whatever the body,
 *   and an allowed actor sent an invalid body (`{}`) gets 400 — proof it passed authorization;
 * - ids: use a fixture id of client A (another client's member must then get 404) or `MISSING`
 *   (an allowed actor gets 404);
 * - rows that end the caller's session (logout) set `last: true`.
 */
export const ACTORS = [
  'anonymous',
  'root',
  'support',
  'owner',
  'finops_admin',
  'viewer',
  'other',
  'suspended',
] as const;
export type ActorName = (typeof ACTORS)[number];

/** Exact HTTP status per actor. */
export type Expectation = Record<ActorName, number>;

export interface MatrixFixture {
  clientA: string;
  clientB: string;
  ownerA: string;
  viewerA: string;
  /** A uuid that names nothing. */
  missing: string;
}

export interface MatrixRow {
  /** As registered: `METHOD /path/:param`. */
  route: string;
  /** The concrete URL; defaults to the route's path. */
  url?: (f: MatrixFixture) => string;
  body?: unknown;
  expect: Expectation;
  last?: boolean;
}

export const MISSING = '00000000-0000-4000-8000-0000000000ff';

/** Shorthand for the common shapes; every cell is still spelled out by the caller. */
export function cells(
  anonymous: number,
  root: number,
  support: number,
  owner: number,
  finops_admin: number,
  viewer: number,
  other: number,
  suspended: number,
): Expectation {
  return { anonymous, root, support, owner, finops_admin, viewer, other, suspended };
}

/*
 * API throughput and latency over real HTTP: a child `finops serve` (production mode, JSON
 * logs to /dev/null) on a throw-away PostgreSQL database holding one client with months of
 * daily cost facts, loaded with autocannon from this process at several connection counts.
 *
 *   node --import tsx bench/api.ts [--admin-url postgres://…/postgres] [--months 6]
 *     [--facts-per-day 3300] [--connections 1,16,64] [--duration 10]
 *     [--endpoints login,me,summary,…] [--users 8] [--pool 10] [--keep]
 *
 * `summary` and `breakdown` ask for last month, as a dashboard does: after the first request the
 * server's answer cache (keyed by the client's data version) answers them. `summary-ranges` and
 * `breakdown-ranges` ask for random date ranges inside the data, so most requests miss the cache
 * and measure the queries.
 *
 * `--months 24` is the issue's full size (loading takes minutes). The database
 * `finops_bench_api` is dropped before and after the run (`--keep` leaves it for a look).
 *
 * Bench-only setting: the server runs with AUTH_RATE_LIMIT_PER_MINUTE=100000 (the largest value
 * the configuration accepts), because every request comes from 127.0.0.1 and the production
 * default (30 a minute per IP) would answer 429 after the 30th login. The limiter still runs on
 * every auth request; nothing else differs from a production start. Logins rotate over
 * `--users` accounts with correct passwords, so the account lock (ten failures) never trips.
 *
 * The last stdout line is `BENCH_JSON {…}` for `bench/all.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';

import { openDatabase, type Database } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { systemContext } from '../src/http/context.js';
import { createUser } from '../src/modules/identity/bootstrap.js';
import {
  DEFAULT_ADMIN_URL,
  databaseUrl,
  emitResult,
  loadCostFacts,
  monthStart,
  withAdmin,
} from './support.js';

const DB_NAME = 'finops_bench_api';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENDPOINTS = [
  'login',
  'me',
  'summary',
  'breakdown',
  'summary-ranges',
  'breakdown-ranges',
] as const;
type Endpoint = (typeof ENDPOINTS)[number];

const { values: args } = parseArgs({
  options: {
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
    months: { type: 'string', default: '6' },
    'facts-per-day': { type: 'string', default: '3300' },
    connections: { type: 'string', default: '1,16,64' },
    duration: { type: 'string', default: '10' },
    endpoints: { type: 'string', default: ENDPOINTS.join(',') },
    users: { type: 'string', default: '8' },
    pool: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  },
});
const adminUrl = args['admin-url']!;
const months = Number(args.months);
const connectionCounts = args.connections!.split(',').map(Number);
const duration = Number(args.duration);
const endpoints = args.endpoints!.split(',') as Endpoint[];
for (const e of endpoints) {
  if (!ENDPOINTS.includes(e)) throw new Error(`unknown endpoint "${e}" (${ENDPOINTS.join(', ')})`);
}

interface Row {
  endpoint: Endpoint;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** The first distinct messages the server logged at level error or above during the run. */
  serverErrors?: string[];
}

interface BenchUser {
  email: string;
  password: string;
  token?: string;
}

interface Prepared {
  month: string;
  /** First day of the client's data and how many days it covers, for random ranges in it. */
  firstDay: string;
  days: number;
  users: BenchUser[];
}

/** Creates the database, the facts (ending last month), a subscribed client and its users. */
async function prepare(database: Database): Promise<Prepared> {
  await runMigrations(database);
  const now = new Date();
  console.log(`loading ${months} months × ~${Number(args['facts-per-day']) * 30} facts…`);
  const clientId = await loadCostFacts(database, {
    slug: 'bench-api',
    firstMonth: monthStart(now, -months),
    months,
    factsPerDay: Number(args['facts-per-day']),
    onMonth: (m, ms) => console.log(`  month ${m}/${months} loaded in ${ms} ms`),
  });
  // The cost routes check the plan's `costs` feature, so the client needs a live subscription.
  await database.db.execute(sql`
    insert into subscriptions (client_id, plan_id, status)
    select ${clientId}::uuid, id, 'active' from plans where code = 'enterprise'`);

  // Several viewers, so logins and tokens are not all one row of `users` and `memberships`.
  const users = await Promise.all(
    Array.from({ length: Number(args.users) }, async (_, i) => {
      const email = `viewer-${i}@bench-api.example`;
      const password = randomBytes(18).toString('base64url');
      const user = await createUser(database.db, systemContext('bench'), { email, password });
      await database.db.execute(sql`
        insert into memberships (client_id, user_id, role)
        values (${clientId}::uuid, ${user.id}::uuid, 'viewer')`);
      return { email, password };
    }),
  );
  const firstDay = monthStart(now, -months);
  const days = Math.round((Date.parse(monthStart(now)) - Date.parse(firstDay)) / 86_400_000);
  return { month: monthStart(now, -1).slice(0, 7), firstDay, days, users };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Server {
  child: ChildProcess;
  /** Error lines the server logged; the caller empties it before each run. */
  errors: string[];
}

/** `finops serve` as production runs it, with the one bench-only setting described above. */
async function startServer(url: string, port: number, dataDir: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli/index.ts'), 'serve'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        DATABASE_URL: url,
        DATABASE_POOL_MAX: args.pool,
        JWT_SECRET: randomBytes(48).toString('base64url'),
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        LOG_FORMAT: 'json',
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // The JSON log goes nowhere, except error lines (pino level 50 and 60), kept for the report.
  const errors: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!/"level":[56]0/.test(line)) return;
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      errors.push(`${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`);
    } catch {
      errors.push(line.slice(0, 200));
    }
  });

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited:\n${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) return { child, errors };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not become ready in 60 s:\n${stderr}`);
}

async function login(base: string, user: BenchUser): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  if (!res.ok)
    throw new Error(`login of ${user.email} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function run(
  base: string,
  endpoint: Endpoint,
  connections: number,
  data: Prepared,
  idleLoginMs: number,
): Promise<Row> {
  const { month, users } = data;
  const paths: Record<Endpoint, string> = {
    login: '/api/auth/login',
    me: '/api/auth/me',
    summary: `/api/v1/costs/summary?month=${month}`,
    breakdown: `/api/v1/costs/breakdown?month=${month}&group_by=service`,
    'summary-ranges': '/api/v1/costs/summary',
    'breakdown-ranges': '/api/v1/costs/breakdown?group_by=service',
  };
  // ~n²/2 distinct ranges (16,000 for 6 months) against a 500-answer cache: mostly misses.
  const day = (i: number) =>
    new Date(Date.parse(data.firstDay) + i * 86_400_000).toISOString().slice(0, 10);
  const randomRange = (path: string) => {
    const a = Math.floor(Math.random() * data.days);
    const b = Math.floor(Math.random() * data.days);
    const sep = path.includes('?') ? '&' : '?';
    return `${path}${sep}from=${day(Math.min(a, b))}&to=${day(Math.max(a, b))}`;
  };
  const ranged = endpoint.endsWith('-ranges');
  let next = 0;
  const options = (seconds: number): Parameters<typeof autocannon>[0] => ({
    url: `${base}${paths[endpoint]}`,
    method: endpoint === 'login' ? 'POST' : 'GET',
    connections,
    duration: seconds,
    // A login is a cost-12 bcrypt on a 4-thread pool: at 64 connections the queue alone is
    // seconds long, and a timeout would hide the latency we came to measure.
    timeout: endpoint === 'login' ? 60 : 10,
    requests: ranged
      ? [{ setupRequest: (req) => ({ ...req, path: randomRange(paths[endpoint]) }) }]
      : undefined,
    // Each connection acts as one user, taken in turn.
    setupClient: (client) => {
      const user = users[next++ % users.length]!;
      if (endpoint === 'login') {
        client.setHeaders({ 'content-type': 'application/json' });
        client.setBody(JSON.stringify({ email: user.email, password: user.password }));
      } else {
        client.setHeaders({ authorization: `Bearer ${user.token}` });
      }
    },
  });
  // One untimed second first, so connection set-up and cold caches are not in the figures.
  // Logins skip it: a second of them leaves a queue of bcrypt calls behind.
  if (endpoint !== 'login') await autocannon(options(1));
  // Logins answer a few a second: give every connection time for several, or a run at 64
  // connections ends before the first wave of answers and counts nothing.
  const result = await autocannon(
    options(
      endpoint === 'login'
        ? duration + Math.ceil((connections * 1.5 * idleLoginMs) / 1000)
        : duration,
    ),
  );
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, Number(s.count)]),
  );
  const requests = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    endpoint,
    connections,
    requestsPerSecond: Math.round((requests / result.duration) * 10) / 10,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
}

/**
 * Waits until a login answers about as fast as on an idle server: a login wave ends with dozens
 * of bcrypt calls still queued on the thread pool (invisible to a health check, which never
 * touches it), and they would otherwise be billed to the next run.
 */
async function settle(base: string, user: BenchUser, idleLoginMs: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const t0 = performance.now();
    await login(base, user);
    if (performance.now() - t0 < 2 * idleLoginMs) return;
  }
}

function printTable(rows: Row[]): void {
  const header = [
    'endpoint',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'requests',
    'errors',
    'non-2xx',
  ];
  const lines = rows.map((r) => [
    r.endpoint,
    String(r.connections),
    r.requestsPerSecond.toFixed(1),
    String(r.p50Ms),
    String(r.p99Ms),
    String(r.requests),
    String(r.errors),
    String(r.non2xx),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines]) {
    console.log(
      line
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  '),
    );
  }
}

async function main(): Promise<void> {
  await withAdmin(adminUrl, async (c) => {
    await c.query(`drop database if exists ${DB_NAME} with (force)`);
    await c.query(`create database ${DB_NAME}`);
  });
  const url = databaseUrl(adminUrl, DB_NAME);
  const dataDir = mkdtempSync(join(tmpdir(), 'finops-bench-api-'));
  let server: Server | null = null;
  try {
    const database = await openDatabase({ url, poolMax: 4 });
    const prepared = await prepare(database).finally(() => database.close());
    const [facts] = await withAdmin(url, (c) =>
      c.query<{ n: number }>(`select count(*)::int as n from cost_daily`).then((r) => r.rows),
    );

    const port = await freePort();
    server = await startServer(url, port, dataDir);
    const base = `http://127.0.0.1:${port}`;
    let idleLoginMs = Infinity;
    for (const user of prepared.users) {
      const t0 = performance.now();
      user.token = await login(base, user);
      idleLoginMs = Math.min(idleLoginMs, performance.now() - t0);
    }
    console.log(
      `server ready on ${base}: ${facts!.n.toLocaleString('en')} facts, ` +
        `${prepared.users.length} users, month ${prepared.month}, ${duration} s per run, ` +
        `idle login ${Math.round(idleLoginMs)} ms`,
    );

    const rows: Row[] = [];
    for (const endpoint of endpoints) {
      for (const connections of connectionCounts) {
        await settle(base, prepared.users[0]!, idleLoginMs);
        server.errors.length = 0;
        const row = await run(base, endpoint, connections, prepared, idleLoginMs);
        row.serverErrors = [...new Set(server.errors)].slice(0, 3);
        rows.push(row);
        console.log(
          `  ${endpoint} × ${connections}: ${row.requestsPerSecond} req/s, ` +
            `p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms` +
            (row.errors + row.non2xx ? `, ${row.errors} errors, ${row.non2xx} non-2xx` : '') +
            (row.non2xx ? ` ${JSON.stringify(row.statusCodes)}` : '') +
            (row.serverErrors?.length ? `; server logged: ${row.serverErrors.join(' | ')}` : ''),
        );
      }
    }
    console.log('');
    printTable(rows);
    emitResult({
      bench: 'api',
      months,
      facts: facts!.n,
      users: prepared.users.length,
      durationSeconds: duration,
      pool: Number(args.pool),
      rows,
    });
  } finally {
    const child = server?.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
    if (!args.keep) {
      await withAdmin(adminUrl, (c) => c.query(`drop database if exists ${DB_NAME} with (force)`));
    }
  }
}

await main();

import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

import { eq, sql } from 'drizzle-orm';

import type { Config } from '../config/config.js';
import { createServices, type Services } from '../container.js';
import { queryRows, type Db } from '../db/client.js';
import { clients, users } from '../db/schema.js';
import { withPlatform } from '../db/tenant.js';
import { systemContext, type Actor, type RequestContext } from '../http/context.js';
import { AppError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { capabilitiesFor } from '../modules/access/permissions.js';
import { summaryQuerySchema, breakdownQuerySchema } from '../modules/costs/costs.types.js';
import { ensureRootUser } from '../modules/identity/bootstrap.js';
import { findUserByEmail, replacePassword } from '../modules/identity/identity.model.js';
import { hashPassword } from '../modules/identity/passwords.js';
import type { IngestionDto } from '../modules/ingestions/ingestions.types.js';
import type { ReportQuery } from '../modules/reports/reports.query.js';
import type { ReportExport } from '../modules/reports/report.types.js';
import { infraFor, openReady } from './ingest.js';

/** Public sample files shipped in the fixtures, with their licenses in NOTICE.md there. */
const FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test',
  'fixtures',
  'billing',
);

interface DemoClient {
  slug: string;
  name: string;
  country: string;
  currency: string;
  plan: string;
  files: string[];
}

const DEMO_CLIENTS: DemoClient[] = [
  {
    slug: 'demo-aws',
    name: 'Andes Retail (demo, AWS CUR)',
    country: 'CL',
    currency: 'USD',
    plan: 'enterprise',
    // Two AWS workshop CURs of one company (2018-10 and 2019-11); findings look at the latest
    // 30 days of data (2019-11), the summary at the month with the most spend (2018-10), so
    // reports are written for both months.
    files: [
      'aws-well-architected-labs/200_Workload_Efficiency/Step1CUR.gz',
      'aws-well-architected-labs/200_4_Cost_and_Usage_Analysis/' +
        'Oct2018-WorkshopCUR-00001.snappy.parquet',
    ],
  },
  {
    slug: 'demo-focus',
    name: 'Pampa Multicloud (demo, FOCUS)',
    country: 'AR',
    currency: 'USD',
    plan: 'professional',
    files: ['focus-sample-data/FOCUS-1.0/focus_sample.csv'],
  },
];

const ROLES = ['owner', 'finops_admin', 'viewer'] as const;
type Role = (typeof ROLES)[number];
const LANGS = ['es', 'en', 'pt-BR'] as const;
const FORMATS = ['pdf', 'csv', 'xlsx'] as const;

function actorCtx(actor: Omit<Actor, 'capabilities' | 'mustChangePassword' | 'sessionId'>) {
  const ctx: RequestContext = systemContext('demo');
  ctx.actor = {
    ...actor,
    capabilities: new Set(
      capabilitiesFor({
        globalRole: actor.globalRole,
        clientRole: actor.clientRole,
        inClient: actor.clientId !== null,
      }),
    ),
    mustChangePassword: false,
    sessionId: '00000000-0000-4000-8000-000000000000',
  };
  return ctx;
}

/** A readable random password: three groups of four characters. */
function demoPassword(): string {
  const raw = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}`;
}

const log = (line = '') => process.stdout.write(`${line}\n`);

/** Wall-clock seconds per phase, printed at the end so a slow run shows where time went. */
function phaseClock() {
  const spent = new Map<string, number>();
  return {
    async time<T>(phase: string, work: () => Promise<T>): Promise<T> {
      const t0 = performance.now();
      try {
        return await work();
      } finally {
        spent.set(phase, (spent.get(phase) ?? 0) + performance.now() - t0);
      }
    },
    toString(): string {
      return [...spent].map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)} s`).join(' · ');
    },
  };
}

interface DemoLogin {
  client: string;
  role: Role;
  email: string;
  password: string;
  hash: Promise<string>;
}

/**
 * `finops demo`: demo clients from the public sample files, through the real pipeline, with a
 * user per role, findings, and every report in every format and language under `outDir`.
 * Running it again is harmless: clients and users are reused (with new passwords) and the same
 * files are recognised as already ingested.
 */
export async function runDemo(config: Config, outDir: string): Promise<void> {
  const started = performance.now();
  const phases = phaseClock();

  // bcrypt runs on libuv's thread pool: hashing the six passwords now overlaps it with the
  // database start-up on the main thread instead of adding ~2 s of cost-12 hashes later.
  const logins: DemoLogin[] = DEMO_CLIENTS.flatMap((spec) =>
    ROLES.map((role) => {
      const password = demoPassword();
      const hash = hashPassword(password);
      // Awaited later; without a handler, a failure before then would crash the process.
      hash.catch(() => undefined);
      return { client: spec.slug, role, email: memberEmail(role, spec), password, hash };
    }),
  );

  const logger = createLogger({ log: { level: 'warn', pretty: false } });
  const opened = await phases.time('database', () => openReady(config, logger));
  const { infra, mailer } = infraFor(config, logger, opened, false);
  const db = opened.database.db;

  try {
    const services = createServices(infra);
    const system = systemContext('demo');
    const root = await phases.time('users', () => ensureRootUser(db, system, config.root));
    if (root?.oneTimePassword) {
      log(`Root account created: ${root.email} / ${root.oneTimePassword} (change it first)`);
    }
    const rootUser = await withPlatform(db, (tx) =>
      tx.select().from(users).where(eq(users.globalRole, 'root')).limit(1),
    );
    const rootCtx = actorCtx({
      userId: rootUser[0]!.id,
      email: rootUser[0]!.email,
      locale: 'en',
      globalRole: 'root',
      clientId: null,
      clientRole: null,
    });

    const clientIds = await phases.time('users', async () => {
      const ids = new Map<string, string>();
      for (const spec of DEMO_CLIENTS) {
        const clientId = await ensureClient(services, db, rootCtx, spec);
        ids.set(spec.slug, clientId);
        for (const login of logins.filter((l) => l.client === spec.slug)) {
          await ensureMember(services, db, rootCtx, clientId, login);
        }
      }
      return ids;
    });

    // Every file at once: each runs DuckDB in its own child process, so the parsing spreads
    // over the cores while the main thread loads whichever finished first. Period swaps are
    // serialised by the database (one transaction and advisory lock per period).
    const ingested = await phases.time('ingestion', () =>
      settleAll(
        DEMO_CLIENTS.flatMap((spec) =>
          spec.files.map((file) =>
            services.ingestions.ingestLocal(spec.slug, [join(FIXTURES, file)]),
          ),
        ),
      ),
    );

    const summaries: string[] = [];
    const months = new Map<string, string>();
    let done = 0;
    for (const spec of DEMO_CLIENTS) {
      log(`\n== ${spec.name} (${spec.slug})`);
      for (const file of spec.files) printIngestion(file, ingested[done++]!);

      const clientId = clientIds.get(spec.slug)!;
      await phases.time('findings', () => services.findings.recompute(system, clientId));

      const owner = logins.find((l) => l.client === spec.slug && l.role === 'owner')!;
      const ownerUser = await withPlatform(db, (tx) => findUserByEmail(tx, owner.email));
      const ctx = actorCtx({
        userId: ownerUser!.id,
        email: owner.email,
        locale: 'es',
        globalRole: null,
        clientId,
        clientRole: 'owner',
      });
      const month = await busiestMonth(db, clientId);
      months.set(spec.slug, month);
      const evidence = await findingsEvidence(services, ctx, clientId);
      summaries.push(await clientSummary(services, ctx, spec, month, evidence));

      // A client report shows only the findings whose evidence overlaps its period, so the
      // busiest month alone may show none of the savings printed above: the month the
      // evidence ends in gets its reports too (~3 s more, well inside the 60 s budget).
      const reportMonths = [...new Set([month, evidence?.to.slice(0, 7) ?? month])].sort();
      const dir = join(outDir, spec.slug);
      await phases.time('reports', async () => {
        for (const m of reportMonths) {
          await writeReports(dir, (format, lang) =>
            services.reports.exportClient(ctx, format, reportQuery({ period: m }, lang)),
          );
        }
      });
      summaries.push(
        `  reports: ${dir}/ (${reportMonths.join(' and ')}; pdf, csv, xlsx in es, en, pt-BR)`,
      );
    }

    // The platform report's operational figures (new clients, loads, sign-ins) are of its
    // period, and the demo has just made them all today: the billing months would read 0.
    // From the earliest data to today would be over the reports' one-year limit.
    const today = new Date().toISOString().slice(0, 10);
    const adminPeriod = { from: `${today.slice(0, 8)}01`, to: today };
    const adminDir = join(outDir, 'admin');
    await phases.time('reports', () =>
      writeReports(adminDir, (format, lang) =>
        services.reports.exportAdmin(rootCtx, format, reportQuery(adminPeriod, lang)),
      ),
    );

    log('\n== Summary');
    for (const line of summaries) log(line);
    log(`  admin reports: ${adminDir}/ (${adminPeriod.from} → ${adminPeriod.to})`);
    log('\n== Sign in (passwords are new on every run)');
    for (const l of logins) {
      log(`  ${l.client.padEnd(10)} ${l.role.padEnd(12)} ${l.email}  ${l.password}`);
    }
    printCurlLines(config.port, logins[0]!, months.get(logins[0]!.client)!);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(`\nDone in ${seconds} s (${phases}).`);
  } finally {
    mailer.close();
    await opened.release();
  }
}

/** Like Promise.all, but throws only once every task has ended, so none outlives the database. */
async function settleAll<T>(tasks: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

function memberEmail(role: Role, spec: DemoClient): string {
  return `${role.replace('_', '-')}@${spec.slug}.example`;
}

function printIngestion(file: string, result: { ingestion: IngestionDto; duplicate: boolean }) {
  const { ingestion, duplicate } = result;
  const totals = ingestion.totals
    .map((t) => `${t.currency} ${Number(t.effective_cost).toFixed(2)}`)
    .join(', ');
  log(
    `  ${file.split('/').pop()}: ${duplicate ? 'already ingested' : ingestion.status}` +
      ` · ${ingestion.format ?? '?'} · ${ingestion.rows_read} rows → ` +
      `${ingestion.facts ?? 0} daily facts · amortized ${totals}`,
  );
  if (ingestion.status === 'failed') {
    log(`    ${ingestion.error?.code}: ${ingestion.error?.message}`);
  }
}

function reportQuery(
  period: { period: string } | { from: string; to: string },
  lang: (typeof LANGS)[number],
): ReportQuery {
  return { ...period, metric: 'amortized', lang, delimiter: ',' } as ReportQuery;
}

type ExportOne = (
  format: (typeof FORMATS)[number],
  lang: (typeof LANGS)[number],
) => Promise<ReportExport>;

/**
 * Every format in every language, in two lanes: the PDFs (rendered on the reports' worker
 * thread) beside the CSV and XLSX files (built on this thread), so both cores work. Two at a
 * time is also the most exports a client may run at once.
 */
async function writeReports(dir: string, exportOne: ExportOne): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const lane = async (formats: readonly (typeof FORMATS)[number][]) => {
    for (const lang of LANGS) {
      for (const format of formats) {
        const out = await withSlot(() => exportOne(format, lang));
        // The name carries subject, period and language, so files of several months can share
        // a folder.
        const file = join(dir, out.fileName);
        await pipeline(out.stream, createWriteStream(file));
        await out.done;
      }
    }
  };
  await Promise.all([lane(['pdf']), lane(['csv', 'xlsx'])]);
}

/**
 * An export's slot is freed just after its last byte, once its audit event is written: the next
 * export of a lane may arrive a moment before that and be told to wait (429). It waits briefly.
 */
async function withSlot(start: () => Promise<ReportExport>): Promise<ReportExport> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'rate_limited' || attempt >= 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Ready commands for the first login, on the month its own summary shows. */
function printCurlLines(port: number, first: DemoLogin, month: string): void {
  log('\n== Try the API (start it first with `npm start`)');
  log(
    `  TOKEN=$(curl -s localhost:${port}/api/auth/login -H 'content-type: ` +
      `application/json' -d '{"email":"${first.email}","password":"${first.password}"}' ` +
      "| node -pe 'JSON.parse(fs.readFileSync(0)).access_token')",
  );
  const auth = '-H "authorization: Bearer $TOKEN"';
  const base = `localhost:${port}`;
  log(`  curl -s "${base}/api/v1/costs/summary?month=${month}" ${auth}`);
  log(`  curl -s "${base}/api/v1/findings?limit=5" ${auth}`);
  log(
    `  curl -s -o report.pdf "${base}/api/v1/reports/client/pdf?period=${month}&lang=es" ${auth}`,
  );
}

async function ensureClient(services: Services, db: Db, rootCtx: RequestContext, spec: DemoClient) {
  const existing = await withPlatform(db, (tx) =>
    tx.select().from(clients).where(eq(clients.slug, spec.slug)),
  );
  if (existing[0]) return existing[0].id;
  const created = await services.clients.create(rootCtx, {
    name: spec.name,
    slug: spec.slug,
    country: spec.country,
    currency: spec.currency,
    plan: spec.plan,
    owner_email: `owner@${spec.slug}.example`,
    owner_name: 'Demo Owner',
    owner_locale: 'es',
    subscription_status: 'active',
  });
  return created.id;
}

/** Makes the user a member with that role and gives it the fresh random password. */
async function ensureMember(
  services: Services,
  db: Db,
  rootCtx: RequestContext,
  clientId: string,
  login: DemoLogin,
): Promise<void> {
  const { email, role } = login;
  let user = await withPlatform(db, (tx) => findUserByEmail(tx, email));
  const member = user
    ? await withPlatform(db, (tx) =>
        queryRows<{ n: number }>(
          tx,
          sql`select 1 as n from memberships
              where client_id = ${clientId} and user_id = ${user!.id}`,
        ),
      )
    : [];
  if (member.length === 0) await services.members.adminAdd(rootCtx, clientId, { email, role });
  user = await withPlatform(db, (tx) => findUserByEmail(tx, email));

  const hash = await login.hash;
  await withPlatform(db, (tx) => replacePassword(tx, user!.id, hash, new Date()));
}

/** The month with the most amortized spend: the one worth showing in a demo report. */
async function busiestMonth(db: Db, clientId: string) {
  const rows = await withPlatform(db, (tx) =>
    queryRows<{ month: string | null }>(
      tx,
      sql`select to_char(charge_date, 'YYYY-MM') as month from cost_daily
          where client_id = ${clientId}
          group by 1 order by sum(effective_cost) desc limit 1`,
    ),
  );
  return rows[0]?.month ?? new Date().toISOString().slice(0, 7);
}

type EvidenceWindow = { from: string; to: string } | null;

/** The billing days the client's open findings are measured on; null when none is open. */
async function findingsEvidence(
  services: Services,
  ctx: RequestContext,
  clientId: string,
): Promise<EvidenceWindow> {
  const found = await services.findings.forReport(ctx, clientId, { limit: 0 });
  return found.evidenceWindow;
}

async function clientSummary(
  services: Services,
  ctx: RequestContext,
  spec: DemoClient,
  month: string,
  evidence: EvidenceWindow,
): Promise<string> {
  const summary = await services.costs.summary(ctx, summaryQuerySchema.parse({ month }));
  const top = await services.costs.breakdown(
    ctx,
    breakdownQuerySchema.parse({ month, group_by: 'service', limit: 5 }),
  );
  const findings = await services.findings.summary(ctx);
  const lines = [`${spec.name} — ${month} (amortized)`];
  for (const c of summary.currencies) {
    lines.push(`  spend: ${c.currency} ${Number(c.total).toFixed(2)}`);
  }
  // A service that rounds to 0.00 tells a reader nothing; credits (negative) still show.
  const services5 = top.rows
    .filter((r) => !r.others && Math.abs(Number(r.cost)) >= 0.005)
    .map((r) => `${r.label ?? r.key} ${Number(r.cost).toFixed(2)}`);
  lines.push(`  top services: ${services5.join(' · ') || '—'}`);
  const savings = findings.potential_monthly_savings
    .map((m) => `${m.currency} ${Number(m.amount).toFixed(2)}/month`)
    .join(', ');
  // The findings' days are not the month above: name them, so the two never read as one.
  const window = evidence ? ` (evidence ${evidence.from} → ${evidence.to})` : '';
  lines.push(
    `  findings${window}: ${findings.open} open · ` +
      `potential savings ${savings || `${spec.currency} 0.00/month`}`,
  );
  const byCategory = findings.by_category.map((g) => `${g.key} ${g.open}`).join(', ');
  if (byCategory) lines.push(`  by category: ${byCategory}`);
  return lines.join('\n');
}

export function defaultOutDir(): string {
  return resolve('out');
}

export function fixturesPresent(): boolean {
  return existsSync(FIXTURES);
}

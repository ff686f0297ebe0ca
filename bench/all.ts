/*
 * Runs every bench, one after another, each in its own process, and writes docs/benchmarks.md:
 * the machine, each bench's figures next to the issue targets, and how to reproduce them.
 *
 *   npm run bench [-- --full] [--only ingest,costs,api,reports] [--out docs/benchmarks.md]
 *     [--ingest-rows 200000] [--costs-months 24] [--api-months 6] [--api-duration 10]
 *     [--reports-rows 100000] [--admin-url postgres://…/postgres]
 *
 * The defaults take about 10–15 minutes on 2 idle cores (most of it loading 24 months of facts
 * for the costs bench the first time; later runs reuse them). `--full` uses the issues' full
 * sizes everywhere: 1,000,000 CUR rows and 24 months behind the API.
 *
 * Each bench prints text for people and, as its last stdout line, `BENCH_JSON {…}`; this script
 * reads that line only (a bench without it is read from its text, or shown as it is). The
 * ingest line it reads (times in ms, RSS in bytes, rates in line items/s; parts may be missing):
 *
 *   BENCH_JSON {"bench":"ingest","rows":200000,"ratioToScan":…,
 *     "endToEnd":{"queryableMs":…,"rate":…,"engineRss":…,"parentRss":…},
 *     "engine":{"ms":…,"rate":…,"rss":…},"duckdb":{"ms":…,"rate":…,"rss":…}}
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { DEFAULT_ADMIN_URL, RESULT_PREFIX, withAdmin } from './support.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCHES = ['ingest', 'costs', 'api', 'reports'] as const;
type BenchName = (typeof BENCHES)[number];

const { values: args } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    only: { type: 'string', default: BENCHES.join(',') },
    out: { type: 'string', default: join(ROOT, 'docs', 'benchmarks.md') },
    'ingest-rows': { type: 'string' },
    'costs-months': { type: 'string', default: '24' },
    'api-months': { type: 'string' },
    'api-duration': { type: 'string', default: '10' },
    'reports-rows': { type: 'string', default: '100000' },
    'admin-url': { type: 'string', default: DEFAULT_ADMIN_URL },
  },
});
const full = args.full!;
const adminUrl = args['admin-url']!;

/** The command line of each bench, as a person would type it to reproduce one table. */
const commands: Record<BenchName, string[]> = {
  ingest: ['bench/ingest.ts', args['ingest-rows'] ?? (full ? '1000000' : '200000')],
  costs: [
    'bench/costs.ts',
    '--months',
    args['costs-months']!,
    '--calls',
    '320',
    '--concurrency',
    '16',
  ],
  api: [
    'bench/api.ts',
    '--months',
    args['api-months'] ?? (full ? '24' : '6'),
    '--duration',
    args['api-duration']!,
  ],
  reports: ['bench/reports.ts', '--rows', args['reports-rows']!],
};
for (const name of ['ingest', 'costs', 'api'] as const)
  commands[name].push('--admin-url', adminUrl);

interface Outcome {
  name: BenchName;
  command: string;
  exitCode: number | null;
  seconds: number;
  result: Record<string, unknown> | null;
  text: string;
}

/** Runs one bench, echoing its output as it comes, and keeps its last `BENCH_JSON` line. */
function runBench(name: BenchName): Promise<Outcome> {
  const argv = ['--import', 'tsx', ...commands[name]];
  const shown = `node --import tsx ${commands[name].join(' ').replace(adminUrl, '<admin-url>')}`;
  process.stdout.write(`\n=== ${name}: ${shown}\n`);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.on('close', (exitCode) => {
      const line = text
        .split('\n')
        .reverse()
        .find((l) => l.startsWith(RESULT_PREFIX));
      let result: Record<string, unknown> | null = null;
      try {
        result = line ? JSON.parse(line.slice(RESULT_PREFIX.length)) : null;
      } catch {
        result = null;
      }
      const human = text
        .split('\n')
        .filter((l) => !l.startsWith(RESULT_PREFIX))
        .join('\n')
        .trim();
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      resolve({ name, command: shown, exitCode, seconds, result, text: human });
    });
  });
}

async function machine(): Promise<Record<string, string>> {
  const cpu = cpus();
  let os = `${osType()} ${release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (pretty) os = `${pretty[1]} (${osType()} ${release()})`;
  } catch {
    // not Linux: the kernel name is enough
  }
  const postgres = await withAdmin(adminUrl, (c) =>
    c.query<{ v: string }>(`select current_setting('server_version') as v`),
  )
    .then((r) => r.rows[0]!.v)
    .catch((err: Error) => `unreachable (${err.message})`);
  const duckdb = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', '@duckdb', 'node-api', 'package.json'), 'utf8'),
  ) as { version: string };
  return {
    CPU: `${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} logical cores`,
    RAM: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    OS: os,
    'Node.js': process.version,
    PostgreSQL: postgres,
    DuckDB: `@duckdb/node-api ${duckdb.version}`,
  };
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

// ---- rendering: one section per bench, each tolerant of a missing or older result ----

type Json = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' ? v : null);
const fmt = (v: unknown, digits = 0) =>
  num(v) === null ? '—' : num(v)!.toLocaleString('en', { maximumFractionDigits: digits });
const plural = (v: unknown, noun: string) => `${fmt(v)} ${noun}${v === 1 ? '' : 's'}`;
const mb = (v: unknown) => (num(v) === null ? '—' : `${Math.round(num(v)! / 1024 ** 2)} MB`);
const table = (header: string[], rows: string[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

/** The figures of an ingest bench that prints no `BENCH_JSON` line, read from its text. */
function ingestFromText(text: string): Json | null {
  const engine = new RegExp(
    String.raw`engine: (\d+) rows → \d+ facts in (\d+) ms wall.*?= (\d+) rows/s; ` +
      String.raw`peak RSS (\d+) MB`,
  ).exec(text);
  const duck = new RegExp(
    String.raw`duckdb typed scan.*?: \d+ rows → \d+ groups in (\d+) ms = (\d+) rows/s; ` +
      String.raw`peak RSS (\d+) MB`,
  ).exec(text);
  if (!engine) return null;
  const part = (ms: string, rate: string, rss: string) => ({
    ms: Number(ms),
    rate: Number(rate),
    rss: Number(rss) * 1024 ** 2,
  });
  return {
    bench: 'ingest',
    rows: Number(engine[1]),
    engine: part(engine[2]!, engine[3]!, engine[4]!),
    duckdb: duck ? part(duck[1]!, duck[2]!, duck[3]!) : undefined,
  };
}

function ingestSection(o: Outcome): string {
  const r = o.result ?? ingestFromText(o.text);
  if (!r) return `Its text output (no \`BENCH_JSON\` line):\n\n\`\`\`\n${o.text}\n\`\`\``;
  const rows: string[][] = [];
  const line = (label: string, part: unknown, target: string) => {
    if (!part || typeof part !== 'object') return;
    const p = part as Json;
    const rss =
      p.engineRss !== undefined ? `${mb(p.engineRss)} (parent ${mb(p.parentRss)})` : mb(p.rss);
    rows.push([label, `${fmt(p.queryableMs ?? p.ms)} ms`, fmt(p.rate), rss, target]);
  };
  line(
    'End to end on PostgreSQL (`finops ingest` path, until queryable in `cost_daily`)',
    r.endToEnd,
    '≥ 150,000 line items/s',
  );
  line('Engine alone (child process: read, validate, aggregate)', r.engine, '—');
  line('DuckDB alone: typed scan + GROUP BY of the same file', r.duckdb, '—');
  const ratio =
    num(r.ratioToScan) === null
      ? ''
      : `\n\n${r.endToEnd ? 'End to end' : 'Engine'} / DuckDB scan: ${fmt(r.ratioToScan, 2)}× ` +
        "the scan's time (target: within 2.5×).";
  return (
    `${fmt(r.rows)} rows of a generated 120-column legacy CUR (CSV.gz).\n\n` +
    table(['Measure', 'Wall time', 'Line items/s', 'Peak RSS', 'Target (issue 5)'], rows) +
    ratio
  );
}

function costsSection(o: Outcome): string {
  const r = o.result;
  if (!r) return `No result; its output:\n\n\`\`\`\n${o.text.slice(-2000)}\n\`\`\``;
  const rows = ((r.results as Json[]) ?? []).map((m) => [
    String(m.name),
    fmt(m.p50Ms),
    fmt(m.p99Ms),
    fmt(m.callsPerSecond, 1),
    fmt(m.failed),
    'p99 < 150 ms',
  ]);
  return (
    `Service calls (no HTTP) on one client with ${fmt(r.facts)} daily facts over ` +
    `${plural(r.months, 'month')}, ${fmt(r.concurrency)} in flight, pool ${fmt(r.pool)}, ` +
    `${fmt(r.calls)} calls per query.\n\n` +
    table(['Query', 'p50 ms', 'p99 ms', 'Calls/s', 'Failed', 'Target (issue 6)'], rows)
  );
}

function apiSection(o: Outcome): string {
  const r = o.result;
  if (!r) return `No result; its output:\n\n\`\`\`\n${o.text.slice(-2000)}\n\`\`\``;
  const target = (endpoint: unknown) =>
    String(endpoint).startsWith('summary') || String(endpoint).startsWith('breakdown')
      ? 'p99 < 150 ms at 16'
      : '—';
  const rows = ((r.rows as Json[]) ?? []).map((row) => [
    String(row.endpoint),
    fmt(row.connections),
    fmt(row.requestsPerSecond, 1),
    fmt(row.p50Ms),
    fmt(row.p99Ms),
    fmt(row.requests),
    `${fmt(row.errors)} / ${fmt(row.non2xx)}`,
    target(row.endpoint),
  ]);
  const logged = ((r.rows as Json[]) ?? [])
    .filter((row) => Array.isArray(row.serverErrors) && row.serverErrors.length > 0)
    .map(
      (row) =>
        `- ${row.endpoint} × ${row.connections}: ${(row.serverErrors as string[]).join('; ')}`,
    );
  const errors = logged.length > 0 ? `\n\nThe server logged errors:\n\n${logged.join('\n')}` : '';
  return (
    `\`finops serve\` in production mode on PostgreSQL, one client with ${fmt(r.facts)} daily ` +
    `facts over ${plural(r.months, 'month')}, ${fmt(r.users)} users, ${fmt(r.durationSeconds)} s ` +
    'per run (logins longer), autocannon in the parent process on the same machine. ' +
    '`summary` and `breakdown` ask for last month (answered from the per-process answer cache ' +
    'after the first request); the `-ranges` rows ask for random date ranges, mostly cache ' +
    'misses. ' +
    'Bench-only setting: `AUTH_RATE_LIMIT_PER_MINUTE=100000`, because every request comes ' +
    'from one address (see `bench/api.ts`).\n\n' +
    table(
      [
        'Endpoint',
        'Connections',
        'Req/s',
        'p50 ms',
        'p99 ms',
        'Requests',
        'Errors / non-2xx',
        'Target',
      ],
      rows,
    ) +
    errors
  );
}

function reportsSection(o: Outcome): string {
  const r = o.result;
  if (!r) return `No result; its output:\n\n\`\`\`\n${o.text.slice(-2000)}\n\`\`\``;
  const pdf = (r.pdf ?? {}) as Json;
  const xlsx = (r.xlsx ?? {}) as Json;
  const csv = (r.csv ?? {}) as Json;
  const worker = r.pdfWorker as Json | undefined;
  return table(
    ['Report', 'Wall time', 'Peak RSS', 'Target (issue 8)'],
    [
      ['Client PDF, 24-month trend, first render', `${fmt(pdf.coldMs)} ms`, '—', 'under 2 s'],
      ['Client PDF, warm median', `${fmt(pdf.warmMedianMs)} ms`, '—', 'under 2 s'],
      ...(worker
        ? [
            [
              'Client PDF on the worker pool (as the API renders it), warm median; longest ' +
                `event-loop stall ${fmt(worker.maxStallMs)} ms`,
              `${fmt(worker.warmMedianMs)} ms`,
              '—',
              'under 2 s',
            ],
          ]
        : []),
      [
        `XLSX, ${fmt(r.detailRows)} detail rows`,
        `${fmt(xlsx.ms)} ms`,
        mb(xlsx.peakRss),
        'under 8 s',
      ],
      [`CSV, ${fmt(r.detailRows)} detail rows`, `${fmt(csv.ms)} ms`, mb(csv.peakRss), '—'],
    ],
  );
}

const SECTIONS: Record<BenchName, { title: string; render: (o: Outcome) => string }> = {
  ingest: { title: 'Ingestion', render: ingestSection },
  costs: { title: 'Cost analytics (service level)', render: costsSection },
  api: { title: 'API throughput and latency (HTTP)', render: apiSection },
  reports: { title: 'Report generation', render: reportsSection },
};

async function main(): Promise<void> {
  const only = args.only!.split(',') as BenchName[];
  for (const name of only) {
    if (!BENCHES.includes(name)) throw new Error(`unknown bench "${name}" (${BENCHES.join(', ')})`);
  }
  const date = new Date().toISOString();
  const loadStart = load();
  const host = await machine();
  const outcomes: Outcome[] = [];
  for (const name of only) outcomes.push(await runBench(name));
  const loadEnd = load();

  const out = args.out!;
  const parts = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (\`bench/all.ts\`) on ${date.slice(0, 16).replace('T', ' ')} ` +
      'UTC. Re-run it to replace this file; each table names the command that reproduces it.',
    '',
    '## Machine',
    '',
    table(
      ['', ''],
      [
        ...Object.entries(host),
        ['Load average (1 / 5 / 15 min) at start', loadStart],
        ['Load average at end', loadEnd],
        ['Date', date],
      ],
    ),
    '',
    'A load average above the number of cores means other work shared the machine: treat the ' +
      'figures as upper bounds then.',
  ];
  for (const o of outcomes) {
    const { title, render } = SECTIONS[o.name];
    parts.push('', `## ${title}`, '', `\`${o.command}\` — ${o.seconds} s`, '');
    if (o.exitCode !== 0) parts.push(`**The bench failed (exit ${o.exitCode}).**`, '');
    parts.push(render(o));
  }
  parts.push(
    '',
    '## Reproduce',
    '',
    '```bash',
    'npm run bench                       # every bench, ~10–15 min on 2 cores; writes this file',
    'npm run bench -- --full             # full sizes: 1M CUR rows, 24 months behind the API',
    'npm run bench -- --only api,costs   # some of them',
    '```',
    '',
    'The ingest, costs and API benches need a PostgreSQL server (`--admin-url`, default ' +
      '`postgres://postgres@127.0.0.1:5432/postgres`, or `BENCH_DATABASE_URL`) where they create ' +
      'their own databases: `finops_bench_costs` (kept and reused, `--fresh` rebuilds it) and ' +
      '`finops_bench_api` (dropped after the run). Each bench also runs alone: ' +
      '`npm run bench:ingest|bench:costs|bench:api|bench:reports`.',
    '',
  );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, parts.join('\n'));
  process.stdout.write(`\nwrote ${relative(process.cwd(), out)}\n`);
  if (outcomes.some((o) => o.exitCode !== 0)) process.exitCode = 1;
}

await main();

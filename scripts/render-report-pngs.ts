/**
 * Renders the sample client and admin PDF reports, and a client report of a month without data,
 * and turns every page into a PNG with pdftoppm (Debian: `apt-get install -y poppler-utils`), so
 * a person can look at the layout. A PNG or JPEG logo is checked as the upload route checks it.
 *
 *   node --import tsx scripts/render-report-pngs.ts [--lang es,pt-BR,en] [--out out/report-pngs]
 *     [--dpi 80] [--logo path/to/logo.png|.svg]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';

import { inspectLogo } from '../src/modules/branding/branding.fns.js';
import { exportAdminPdf, exportClientPdf } from '../src/modules/reports/exporters/pdf.js';
import {
  REPORT_LOCALES,
  type ClientReportModel,
  type ReportLocale,
  type ReportLogo,
} from '../src/modules/reports/report.types.js';
import { buildAdminModel, buildClientModel } from '../test/reports/fixture.js';
import { readAll } from '../test/reports/parse.js';

const { values } = parseArgs({
  options: {
    lang: { type: 'string', default: 'es,pt-BR,en' },
    out: { type: 'string', default: 'out/report-pngs' },
    dpi: { type: 'string', default: '80' },
    logo: { type: 'string' },
  },
});

const languages = values.lang.split(',').map((l) => l.trim()) as ReportLocale[];
for (const language of languages) {
  if (!REPORT_LOCALES.includes(language)) throw new Error(`unknown language ${language}`);
}

const probe = spawnSync('pdftoppm', ['-v'], { encoding: 'utf8' });
if (probe.error) {
  console.error('pdftoppm not found: apt-get install -y poppler-utils');
  process.exit(1);
}

function readLogo(path: string): ReportLogo {
  const data = readFileSync(path);
  if (extname(path).toLowerCase() === '.svg') return { type: 'svg', data };
  const image = inspectLogo(data, null);
  const type = image.contentType === 'image/png' ? 'png' : 'jpeg';
  return { type, data, width: image.width, height: image.height };
}

const logo = values.logo ? readLogo(values.logo) : undefined;

/** The sample client in a month before its first charge: what a new customer sees first. */
function emptyMonth(language: ReportLocale): ClientReportModel {
  const model = buildClientModel({ language });
  return {
    ...model,
    keyFigures: [],
    monthlyTrend: [],
    topServices: [],
    accounts: [],
    dailyTrend: [],
    dailyDetail: [],
    topFindings: [],
    commitments: [],
    movers: [],
    methodology: { ...model.methodology, dataThrough: null, providers: [], notes: [] },
  };
}

/**
 * The sample client with what the demo data holds and the fixture does not: a client name with
 * a suffix, ten findings on one service told apart only by their resource, reservation ARNs,
 * and a pt-BR anomaly date. Long values like these are what used to be cut in the tables.
 */
function demoLike(language: ReportLocale): ClientReportModel {
  const model = buildClientModel({ language });
  const account = '123456789012';
  const findings = Array.from({ length: 10 }, (_, i) => ({
    id: `demo-f-${i}`,
    title: model.topFindings[0]!.title,
    category: 'rightsizing',
    provider: 'aws',
    accountId: account,
    serviceName: 'Amazon Elastic Compute Cloud',
    resourceId: `arn:aws:ec2:us-east-1:${account}:instance/i-0${i}a1b2c3d4e5f6789`,
    currency: 'USD',
    monthlySavings: (900 - i * 55.5).toFixed(4),
    effort: 'low' as const,
  }));
  const commitments = Array.from({ length: 4 }, (_, i) => ({
    id: `arn:aws:ec2:us-east-1:${account}:reserved-instances/4b2${i}c9e1-77aa-4d0e-9f11-aa0${i}`,
    type: 'Reserved Instance',
    provider: 'aws',
    scope: 'EC2 · us-east-1',
    currency: 'USD',
    periodCost: (1200 + i * 10).toFixed(4),
    periodSavings: (300 + i).toFixed(4),
    utilization: 0.9 - i * 0.1,
    endDate: `2020-0${i + 1}-15`,
  }));
  return {
    ...model,
    cover: { ...model.cover, clientName: 'Andes Retail (demo)', clientSlug: 'demo-aws' },
    topFindings: findings,
    commitments,
    findingsWindow: { from: '2019-10-28', to: '2019-11-26' },
  };
}

mkdirSync(values.out, { recursive: true });

for (const language of languages) {
  const renders = [
    ['client', () => exportClientPdf(buildClientModel({ language }), logo ? { logo } : {})],
    ['client-empty', () => exportClientPdf(emptyMonth(language), logo ? { logo } : {})],
    ['client-demo', () => exportClientPdf(demoLike(language), logo ? { logo } : {})],
    ['admin', () => exportAdminPdf(buildAdminModel(language))],
  ] as const;

  for (const [kind, render] of renders) {
    const started = performance.now();
    const pdf = await readAll(render().stream);
    const ms = Math.round(performance.now() - started);

    const base = join(values.out, `${kind}-${language}`);
    writeFileSync(`${base}.pdf`, pdf);
    const run = spawnSync('pdftoppm', ['-png', '-r', values.dpi, `${base}.pdf`, base], {
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`pdftoppm failed: ${run.stderr}`);
    console.log(`${base}.pdf (${pdf.length} bytes, ${ms} ms) → ${base}-N.png`);
  }
}

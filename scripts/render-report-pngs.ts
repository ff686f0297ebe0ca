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

mkdirSync(values.out, { recursive: true });

for (const language of languages) {
  const renders = [
    ['client', () => exportClientPdf(buildClientModel({ language }), logo ? { logo } : {})],
    ['client-empty', () => exportClientPdf(emptyMonth(language), logo ? { logo } : {})],
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

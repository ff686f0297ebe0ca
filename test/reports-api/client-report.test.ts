/**
 * The client report over HTTP on synthetic facts: every format parses back and carries the
 * numbers the cost API answers for the same period and metric; languages, CSV options, the
 * download name, plan gates, validation, concurrency and the audit event.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { addDecimals } from '../../src/modules/costs/costs.fns.js';
import { ReportFormatter, reportStrings } from '../../src/modules/reports/i18n.js';
import { moneyDecimal } from '../../src/modules/reports/report.fns.js';
import { csvRecords, pdfPages, sheetRows, workbook } from '../reports/parse.js';
import {
  ACCENTED_ACCOUNT,
  INJECTION_TAG,
  createWorld,
  exportEvent,
  months,
  type World,
} from './setup.js';

/** Client CSV columns (layout documented in src/modules/reports/exporters/csv.ts). */
const C = { section: 0, measure: 1, date: 2, service: 7, currency: 9, value: 10, unit: 11 };

const norm = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

interface Summary {
  currencies: Array<{ currency: string; total: string }>;
}
interface Breakdown {
  rows: Array<{
    currency: string;
    key: string | null;
    label: string | null;
    cost: string;
    others: boolean;
  }>;
}

describe('client report API', () => {
  let w: World;
  const { M, mFrom, mTo, prevFrom } = months();
  let summary: Summary;
  let previous: Summary;
  let services: Breakdown;
  let csvText: string;
  let records: string[][];
  let csvRequestId: string;

  before(async () => {
    w = await createWorld();
    summary = (await w.get(`/api/v1/costs/summary?month=${M}&metric=list`, w.viewer)).json();
    previous = (
      await w.get(`/api/v1/costs/summary?month=${prevFrom.slice(0, 7)}&metric=list`, w.viewer)
    ).json();
    services = (
      await w.get(
        `/api/v1/costs/breakdown?month=${M}&metric=list&group_by=service&limit=10`,
        w.viewer,
      )
    ).json();
    const res = await w.get(`/api/v1/reports/client/csv?period=${M}&metric=list`, w.viewer);
    assert.equal(res.statusCode, 200, res.body);
    csvText = res.body;
    csvRequestId = String(res.headers['x-request-id']);
    records = csvRecords(csvText, ',');
  });
  after(async () => {
    await w.t.close();
  });

  const en = reportStrings('en');
  const figure = (rows: string[][], measure: string, currency: string) =>
    rows.find(
      (r) =>
        r[C.section] === en.sections.keyFigures &&
        r[C.measure] === measure &&
        r[C.currency] === currency &&
        r[C.unit] === currency,
    )?.[C.value];

  it('CSV: key figures equal the summary API, per currency, for the same metric', () => {
    assert.equal(summary.currencies.length, 2);
    for (const c of summary.currencies) {
      assert.equal(figure(records, en.figures.totalSpend, c.currency), moneyDecimal(c.total));
      const prev = previous.currencies.find((p) => p.currency === c.currency)!;
      assert.equal(figure(records, en.figures.previousMonth, c.currency), moneyDecimal(prev.total));
    }
    // The user's language is the default; the reporting currency comes first.
    assert.equal(records[0]?.[0], en.columns.section);
    assert.equal(records.find((r) => r[C.section] === en.sections.keyFigures)?.[C.currency], 'USD');
  });

  it('CSV: top services equal the breakdown API; the detail adds up to the total', () => {
    for (const row of services.rows.filter((r) => !r.others)) {
      const found = records.find(
        (r) =>
          r[C.section] === en.sections.topServices &&
          r[C.measure] === en.columns.amount &&
          r[C.service] === row.label &&
          r[C.currency] === row.currency,
      );
      assert.equal(found?.[C.value], moneyDecimal(row.cost), row.label ?? '');
    }
    for (const c of summary.currencies) {
      const detail = records.filter(
        (r) => r[C.section] === en.sections.detail && r[C.currency] === c.currency,
      );
      assert.ok(detail.length > 0);
      // Detail lines keep every digit, so they add up to the total exactly.
      assert.equal(addDecimals(...detail.map((r) => r[C.value]!)), addDecimals(c.total));
    }
    // The listed services and the "Other / credits" row add up to the total: no credit or tail
    // is hidden, and the shares (on the total) add up to 100 %.
    for (const c of summary.currencies) {
      const listed = records.filter(
        (r) => r[C.section] === en.sections.topServices && r[C.currency] === c.currency,
      );
      const amounts = listed.filter((r) => r[C.measure] === en.columns.amount);
      const cents = amounts.reduce((acc, r) => acc + Math.round(Number(r[C.value]) * 100), 0);
      assert.ok(Math.abs(cents - Math.round(Number(c.total) * 100)) <= amounts.length / 2);
    }
    const shares = records.filter(
      (r) => r[C.section] === en.sections.topServices && r[C.measure] === en.columns.share,
    );
    assert.ok(shares.length > 0);
    // Credits stay negative numbers; tag values that look like formulas are neutralized.
    assert.ok(records.some((r) => r[C.section] === en.sections.detail && r[C.value] === '-12.5'));
    assert.ok(records.some((r) => r.includes(`'${INJECTION_TAG}`)));
    assert.ok(!records.some((r) => r.includes(INJECTION_TAG)));
  });

  it('records report.exported with who, period, format and rows after the end', async () => {
    const event = await exportEvent(w.t, csvRequestId);
    assert.equal(event.client_id, w.clientA);
    assert.equal(event.details.report, 'client');
    assert.equal(event.details.format, 'csv');
    assert.equal(event.details.metric, 'list_cost');
    assert.deepEqual(event.details.period, { from: mFrom, to: mTo, month: M });
    assert.equal(event.details.rows, records.length - 1);
  });

  it('XLSX and PDF carry the same numbers as the CSV', async () => {
    const xlsx = await w.get(`/api/v1/reports/client/xlsx?period=${M}&metric=list`, w.viewer);
    assert.equal(xlsx.statusCode, 200, xlsx.body);
    assert.match(String(xlsx.headers['content-type']), /spreadsheetml/);
    const wb = await workbook(xlsx.rawPayload);
    const summarySheet = sheetRows(wb.getWorksheet(en.sheets.summary)!);
    const header = summarySheet[0]!;
    const totals = summarySheet.find((r) => r[0] === en.figures.totalSpend)!;
    for (const c of summary.currencies) {
      assert.equal(totals[header.indexOf(c.currency)], Number(c.total), c.currency);
    }
    const serviceSheet = sheetRows(wb.getWorksheet(en.sheets.services)!);
    for (const row of services.rows.filter((r) => !r.others)) {
      const found = serviceSheet.find((r) => r[1] === row.label && r[3] === row.currency);
      assert.equal(found?.[4], Number(row.cost), row.label ?? '');
    }
    const detail = sheetRows(wb.getWorksheet(en.sheets.detail)!);
    assert.ok(detail.some((r) => r.includes(ACCENTED_ACCOUNT)));

    const pdf = await w.get(`/api/v1/reports/client/pdf?period=${M}&metric=list`, w.viewer);
    assert.equal(pdf.statusCode, 200, pdf.body);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    const text = norm((await pdfPages(pdf.rawPayload)).join('\n'));
    const fmt = new ReportFormatter('en');
    for (const c of summary.currencies) {
      assert.ok(text.includes(norm(fmt.money(c.total, c.currency))), c.currency);
    }
    assert.ok(text.includes(ACCENTED_ACCOUNT));
  });

  it('switches language, delimiter and BOM, and names the download safely', async () => {
    const pt = await w.get(
      `/api/v1/reports/client/csv?from=${mFrom}&to=${mTo}&lang=pt-BR&delimiter=;&bom=true`,
      w.viewer,
    );
    assert.equal(pt.statusCode, 200, pt.body);
    const body = pt.rawPayload.toString('utf8');
    assert.ok(body.startsWith('\ufeff'));
    const rows = csvRecords(body, ';');
    const ptStrings = reportStrings('pt-BR');
    assert.equal(rows[0]?.[0], ptStrings.columns.section);
    assert.ok(rows.length > 10 && rows.every((r) => r.length === rows[0]!.length));
    assert.equal(
      pt.headers['content-disposition'],
      `attachment; filename="finopslatam-senales-andinas-${M}-pt-BR.csv"; ` +
        `filename*=UTF-8''finopslatam-senales-andinas-${M}-pt-BR.csv`,
    );

    const es = await w.get(`/api/v1/reports/client/csv?period=${M}&lang=es`, w.viewer);
    assert.equal(csvRecords(es.body, ',')[0]?.[0], reportStrings('es').columns.section);

    const range = await w.get(
      `/api/v1/reports/client/csv?from=${mFrom}&to=${mFrom.slice(0, 8)}10`,
      w.viewer,
    );
    assert.match(
      String(range.headers['content-disposition']),
      new RegExp(
        `filename="finopslatam-senales-andinas-${mFrom}_${mFrom.slice(0, 8)}10-[a-zA-Z-]+\\.csv"`,
      ),
    );
  });

  it('answers 400 naming the parameter for bad values and periods', async () => {
    const cases: Array<[string, string]> = [
      ['period=2024-13', 'period'],
      ['lang=fr', 'lang'],
      ['delimiter=%7C', 'delimiter'],
      ['bom=maybe', 'bom'],
      ['metric=blended', 'metric'],
      [`period=${M}&from=${mFrom}&to=${mTo}`, 'period'],
      [`from=${mFrom}`, 'to'],
      ['from=2021-01-01&to=2024-06-30', 'to'],
      ['from=2023-01-01&to=2024-06-30', 'to'],
      ['client_id=x', 'client_id'],
    ];
    for (const [query, param] of cases) {
      const res = await w.get(`/api/v1/reports/client/csv?${query}`, w.viewer);
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      assert.match(res.json().error.message, new RegExp(param), query);
    }
    const format = await w.get('/api/v1/reports/client/docx', w.viewer);
    assert.equal(format.statusCode, 400);
  });

  it('lets the plan decide the formats; parts outside the plan stay empty', async () => {
    const xlsx = await w.get(`/api/v1/reports/client/xlsx?period=${M}`, w.ownerB);
    assert.equal(xlsx.statusCode, 403);
    assert.equal(xlsx.json().error.code, 'feature_not_in_plan');
    assert.equal(xlsx.json().error.details.feature, 'reports.xlsx');

    // No anomalies, forecast or commitments in this plan: the report still renders.
    const csv = await w.get(`/api/v1/reports/client/csv?period=${M}`, w.ownerB);
    assert.equal(csv.statusCode, 200, csv.body);
    const es = reportStrings('es');
    const rows = csvRecords(csv.body, ',');
    assert.equal(rows[0]?.[0], es.columns.section, 'the owner speaks Spanish');
    assert.ok(!rows.some((r) => r[C.section] === es.sections.commitments));
  });
});

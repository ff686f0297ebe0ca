import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AppError } from '../../src/lib/errors.js';
import { ReportFormatter, reportStrings } from '../../src/modules/reports/i18n.js';
import {
  canonicalDecimal,
  moneyDecimal,
  contentDisposition,
  decimalToNumber,
  neutralizeSpreadsheetText,
  periodDays,
  reportFileName,
  resolveReportPeriod,
} from '../../src/modules/reports/report.fns.js';
import { REPORT_LOCALES } from '../../src/modules/reports/report.types.js';

describe('decimal text', () => {
  it('drops NUMERIC padding without touching a digit', () => {
    assert.equal(canonicalDecimal('1234.5600000000'), '1234.56');
    assert.equal(canonicalDecimal('-12.5000000000'), '-12.5');
    assert.equal(canonicalDecimal('100.0000'), '100');
    assert.equal(canonicalDecimal('-0.0000'), '0');
    assert.equal(canonicalDecimal('0.0000000001'), '0.0000000001');
    assert.equal(canonicalDecimal('123456789012345.1234567891'), '123456789012345.1234567891');
    assert.equal(canonicalDecimal('-12.5', ','), '-12,5');
  });

  it('refuses anything that is not a decimal string as a provider bug', () => {
    for (const bad of ['1e5', '12,5', '', ' 1', 'NaN', '--1']) {
      assert.throws(
        () => canonicalDecimal(bad),
        (e: unknown) => {
          return e instanceof AppError && e.code === 'internal';
        },
      );
    }
    assert.throws(() => decimalToNumber(12.5 as unknown as string), AppError);
  });
});

describe('spreadsheet-safe text', () => {
  it('prefixes every formula trigger with an apostrophe', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r', '\0']) {
      assert.equal(neutralizeSpreadsheetText(`${lead}1+1`), `'${lead}1+1`);
    }
  });

  it('leaves ordinary text alone', () => {
    for (const text of ['Señales ção €', 'a=1', ' =1', "'quoted", '12-3']) {
      assert.equal(neutralizeSpreadsheetText(text), text);
    }
  });
});

describe('reporting period', () => {
  const now = new Date('2024-10-03T12:00:00Z');

  it('defaults to the last full month', () => {
    assert.deepEqual(resolveReportPeriod({}, now), {
      from: '2024-09-01',
      to: '2024-09-30',
      month: '2024-09',
    });
    assert.deepEqual(resolveReportPeriod({}, new Date('2025-01-01T00:00:00Z')).month, '2024-12');
  });

  it('takes a month or an inclusive range, and names a range that is a whole month', () => {
    assert.deepEqual(resolveReportPeriod({ period: '2024-02' }, now), {
      from: '2024-02-01',
      to: '2024-02-29',
      month: '2024-02',
    });
    assert.equal(resolveReportPeriod({ from: '2024-09-01', to: '2024-09-15' }, now).month, null);
    const wholeMonth = resolveReportPeriod({ from: '2024-09-01', to: '2024-09-30' }, now);
    assert.equal(wholeMonth.month, '2024-09');
    assert.equal(periodDays({ from: '2024-02-27', to: '2024-03-01', month: null }).length, 4);
  });

  it('rejects malformed, reversed, mixed and oversized periods', () => {
    const bad = [
      { period: '2024-13' },
      { period: '2024-9' },
      { from: '2024-02-30', to: '2024-03-01' },
      { from: '2024-09-10', to: '2024-09-01' },
      { from: '2023-01-01', to: '2024-09-01' },
      { from: '2024-09-01' },
      { period: '2024-09', from: '2024-09-01', to: '2024-09-02' },
    ];
    for (const query of bad) {
      assert.throws(
        () => resolveReportPeriod(query, now),
        (e: unknown) => e instanceof AppError && e.code === 'validation_failed',
        JSON.stringify(query),
      );
    }
  });
});

describe('moneyDecimal', () => {
  it('rounds half up on the decimal digits to exactly two decimals', () => {
    assert.equal(moneyDecimal('1234.5600000000'), '1234.56');
    assert.equal(moneyDecimal('2.675'), '2.68'); // a float would give 2.67
    assert.equal(moneyDecimal('1.005'), '1.01');
    assert.equal(moneyDecimal('-12.5'), '-12.50');
    assert.equal(moneyDecimal('-2.675'), '-2.68');
    assert.equal(moneyDecimal('-0.0040000000'), '0.00');
    assert.equal(moneyDecimal('0.0050000000'), '0.01');
    assert.equal(moneyDecimal('99.995'), '100.00');
    assert.equal(moneyDecimal('7'), '7.00');
    assert.equal(moneyDecimal('123456789012345.1234567891'), '123456789012345.12');
    assert.equal(moneyDecimal('-12.5', ','), '-12,50');
  });
});

describe('download file name', () => {
  it('carries the client slug, the period and the language', () => {
    const month = { from: '2024-09-01', to: '2024-09-30', month: '2024-09' };
    const range = { from: '2024-09-01', to: '2024-09-15', month: null };
    assert.equal(reportFileName('acme', month, 'pdf', 'es'), 'finopslatam-acme-2024-09-es.pdf');
    assert.equal(reportFileName('acme', month, 'pdf', 'en'), 'finopslatam-acme-2024-09-en.pdf');
    assert.equal(
      reportFileName('Señales Andinas', range, 'csv', 'pt-BR'),
      'finopslatam-senales-andinas-2024-09-01_2024-09-15-pt-BR.csv',
    );
    assert.equal(
      reportFileName('../../etc/passwd', month, 'xlsx', 'en'),
      'finopslatam-etc-passwd-2024-09-en.xlsx',
    );
    // A language that is not a plain tag never reaches the header.
    assert.equal(
      reportFileName('acme', month, 'pdf', 'en"\r\n' as 'en'),
      'finopslatam-acme-2024-09-es.pdf',
    );
  });

  it('builds an RFC 6266 header that no name can break out of', () => {
    assert.equal(
      contentDisposition('finopslatam-acme-2024-09.pdf'),
      `attachment; filename="finopslatam-acme-2024-09.pdf"; ` +
        `filename*=UTF-8''finopslatam-acme-2024-09.pdf`,
    );

    const hostile = contentDisposition('a\r\nSet-Cookie: x=1"; b\\c/d.csv');
    assert.doesNotMatch(hostile, /[\r\n]/);
    assert.match(
      hostile,
      /^attachment; filename="[^"\\]*"; filename\*=UTF-8''[A-Za-z0-9%!#$&+\-.^_`|~]+$/,
    );

    const accented = contentDisposition('informe-señales-ção-€.pdf');
    assert.match(accented, /filename="informe-senales-cao-_\.pdf"/);
    assert.match(accented, /filename\*=UTF-8''informe-se%C3%B1ales-%C3%A7%C3%A3o-%E2%82%AC\.pdf$/);
  });
});

describe('labels and formatting', () => {
  function keysOf(value: unknown, prefix = ''): string[] {
    if (typeof value !== 'object' || value === null) return [prefix];
    return Object.entries(value)
      .flatMap(([k, v]) => keysOf(v, `${prefix}.${k}`))
      .sort();
  }

  it('has every label in every language, none left empty', () => {
    const reference = keysOf(reportStrings('es'));
    for (const locale of REPORT_LOCALES) {
      const strings = reportStrings(locale);
      assert.deepEqual(keysOf(strings), reference, locale);
      for (const path of keysOf(strings)) {
        const value = path
          .split('.')
          .slice(1)
          .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], strings);
        if (typeof value === 'string') assert.ok(value.length > 0, `${locale}${path}`);
      }
    }
  });

  it('formats money from the decimal string per locale, and missing figures as a dash', () => {
    const es = new ReportFormatter('es');
    const pt = new ReportFormatter('pt-BR');
    const en = new ReportFormatter('en');
    // 1.234,56 in Spanish and Portuguese, 1,234.56 in English, four-digit numbers grouped too.
    assert.equal(es.money('1234567.8950', 'USD'), 'US$\u00a01.234.567,90');
    assert.equal(es.money('1234.56', 'USD'), 'US$\u00a01.234,56');
    assert.equal(en.money('1234.56', 'USD'), '$1,234.56');
    assert.equal(pt.decimal('1234.56'), '1.234,56');
    assert.equal(es.count(12345), '12.345');
    assert.equal(es.ratio(0.125), '12,5%');
    assert.equal(pt.money('1234567.8950', 'BRL'), 'R$\u00a01.234.567,90');
    assert.equal(en.money('-12.5000000000', 'USD'), '-$12.50');
    assert.equal(pt.signedMoney('6070.5012', 'USD'), '+US$\u00a06.070,50');
    assert.equal(es.money(null, 'USD'), '—');
    assert.equal(es.ratio(null), '—');
    assert.equal(pt.ratio(0.1843), '18,4%');
    assert.equal(en.ratio(-0.0597, { signed: true }), '-6.0%');
    assert.equal(es.date('2024-09-30'), '30 sept 2024');
    assert.equal(pt.month('2024-09'), 'setembro de 2024');
  });

  it('shows instants in the reader time zone with its offset', () => {
    const fmt = new ReportFormatter('pt-BR', 'America/Sao_Paulo');
    assert.equal(fmt.dateTime('2024-10-01T14:05:09.000Z'), '1 de out. de 2024, 11:05 (GMT-3)');
  });
});

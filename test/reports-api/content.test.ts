/**
 * What the report says beyond its figures: a period without data, the data-through line,
 * translated service categories, number formats per language, realized savings of the period
 * only, and movers over equal numbers of days when the data stops early. Outputs are parsed
 * (PDF text, XLSX read back) and compared with the API's own answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { addMonths, monthEnd } from '../../src/modules/costs/costs.fns.js';
import { findings, savingsLedger } from '../../src/db/schema.js';
import { pdfPages, sheetRows, workbook } from '../reports/parse.js';
import { addMember, makePlan, makeUser, subscribe } from '../support/factories.js';
import { createClient, eachDay, fact, insertFacts } from '../support/facts.js';
import { ALL_FEATURES, createWorld, months, type World } from './setup.js';

/** Two decimals with the given separators, from the API's decimal string (half up). */
function written(decimal: string, group: string, point: string): string {
  const cents = Math.round(Number(decimal) * 100);
  const int = Math.floor(Math.abs(cents) / 100).toString();
  const frac = (Math.abs(cents) % 100).toString().padStart(2, '0');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return `${cents < 0 ? '-' : ''}${grouped}${point}${frac}`;
}

describe('report content', () => {
  let w: World;
  let lagToken = '';
  const { M, mFrom, mTo } = months();
  const lagDay = `${M}-20`;

  const pdfText = async (query: string, token = w.viewer) => {
    const res = await w.get(`/api/v1/reports/client/pdf?${query}`, token);
    assert.equal(res.statusCode, 200, res.body);
    return (await pdfPages(res.rawPayload)).join(' ');
  };
  const xlsx = async (query: string, token = w.viewer) => {
    const res = await w.get(`/api/v1/reports/client/xlsx?${query}`, token);
    assert.equal(res.statusCode, 200, res.body);
    return workbook(res.rawPayload);
  };

  before(async () => {
    w = await createWorld();
    const db = w.t.database.db;

    // A resolution in the middle of month M that still holds: 60.00 a month once measured.
    const resolvedOn = `${M}-16`;
    const [finding] = await db
      .insert(findings)
      .values({
        clientId: w.clientA,
        ruleId: 'aws.ec2.idle_instance',
        resourceKey: 'aws|111111111111|i-00',
        resourceId: 'i-00',
        provider: 'aws',
        billingAccountId: '111111111111',
        currency: 'USD',
        category: 'idle',
        status: 'resolved',
        monthlyCost: '60.00',
        monthlySavings: '60.00',
        confidence: 'high',
        effort: 'low',
        windowStart: addMonths(mFrom, -1),
        windowEnd: mFrom,
      })
      .returning({ id: findings.id });
    await db.insert(savingsLedger).values({
      clientId: w.clientA,
      findingId: finding!.id,
      ruleId: 'aws.ec2.idle_instance',
      resourceKey: 'aws|111111111111|i-00',
      resourceId: 'i-00',
      provider: 'aws',
      billingAccountId: '111111111111',
      currency: 'USD',
      how: 'manual',
      resolvedOn,
      beforeFrom: addMonths(resolvedOn, -1),
      beforeTo: resolvedOn,
      afterFrom: resolvedOn,
      afterDays: 30,
      cost30dBefore: '60',
      cost30dAfter: '0',
      realizedMonthly: '60.00',
      estimatedMonthly: '60.00',
    });

    // A client whose data for month M stops on the 20th (a provider's late files).
    const lag = await createClient(db, 'datos-tardios', 'USD');
    await subscribe(db, lag, (await makePlan(db, ALL_FEATURES)).id);
    const prevFrom = addMonths(mFrom, -1);
    await insertFacts(db, [
      ...eachDay(prevFrom, monthEnd(prevFrom)).map((day) =>
        fact({ clientId: lag, chargeDate: day, cost: '10', serviceName: 'Amazon S3' }),
      ),
      ...eachDay(mFrom, lagDay).map((day) =>
        fact({ clientId: lag, chargeDate: day, cost: '12', serviceName: 'Amazon S3' }),
      ),
    ]);
    const user = await makeUser(db, { locale: 'en' });
    await addMember(db, lag, user.id, 'viewer');
    const login = await w.t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: user.password },
    });
    lagToken = login.json().access_token as string;
  });
  after(() => w.t.close());

  it('says plainly that a month has no data, in every language', async () => {
    const empty = addMonths(mFrom, -4).slice(0, 7);
    const expected = {
      es: 'No hay datos de costo para este período.',
      en: 'There is no cost data for this period.',
      'pt-BR': 'Não há dados de custo para este período.',
    };
    for (const [lang, message] of Object.entries(expected)) {
      const text = await pdfText(`period=${empty}&lang=${lang}`);
      assert.ok(text.includes(message), `${lang}: the notice is missing`);
    }
    const en = await pdfText(`period=${empty}&lang=en`);
    assert.match(en, /No charges recorded for this period yet/);
    assert.doesNotMatch(en, /Data through —/);
    // No empty chart frames: the period's own charts are left out.
    assert.doesNotMatch(en, /The 10 services with the highest spend|Daily trend of the period/);

    const summary = (await xlsx(`period=${empty}&lang=en`)).worksheets[0]!;
    assert.ok(sheetRows(summary).flat().includes(expected.en));
  });

  it('dates the data with the last charge day', async () => {
    const text = await pdfText(`period=${M}&lang=en`);
    const day = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date(`${mTo}T00:00:00Z`),
    );
    assert.ok(text.includes(`Data through ${day}.`), `no "Data through ${day}"`);
  });

  it('translates service categories in the PDF and the XLSX', async () => {
    const es = await pdfText(`period=${M}&lang=es`);
    assert.match(es, /Cómputo/);
    assert.match(es, /Almacenamiento/);
    assert.match(es, /Bases de datos/);
    // The legend, not the service names (which keep the provider's English).
    assert.doesNotMatch(es, /Compute Storage|Storage Compute/);

    const pt = await xlsx(`period=${M}&lang=pt-BR`);
    const services = sheetRows(pt.getWorksheet('Serviços')!);
    const categories = new Set(services.slice(1).map((r) => r[2]));
    assert.ok(
      categories.has('Computação') && categories.has('Armazenamento'),
      String([...categories]),
    );
  });

  it('writes 1.234,56 in es and pt-BR and 1,234.56 in en, from the API figure', async () => {
    const summary = await w.get(`/api/v1/costs/summary?from=${mFrom}&to=${mTo}`, w.viewer);
    const usd = summary.json().currencies.find((c: { currency: string }) => c.currency === 'USD');
    const total = usd.total as string;
    assert.ok(Number(total) > 1000, 'the total needs a thousands group');

    for (const [lang, group, point] of [
      ['es', '.', ','],
      ['pt-BR', '.', ','],
      ['en', ',', '.'],
    ] as const) {
      const text = await pdfText(`period=${M}&lang=${lang}`);
      assert.ok(
        text.includes(written(total, group, point)),
        `${lang}: ${written(total, group, point)}`,
      );
    }

    // The workbook keeps numbers as numbers with a grouped two-decimal format; Excel shows
    // them with the reader's separators.
    const book = await xlsx(`period=${M}&lang=es`);
    const sheet = book.worksheets[0]!;
    const cell = sheet.getRow(2).getCell(2);
    assert.equal(cell.value, Number(total));
    assert.match(String(cell.numFmt), /#,##0\.00/);
  });

  it('counts realized savings of the period only, and says so', async () => {
    const ledger = await w.get('/api/v1/findings/savings-ledger', w.viewer);
    assert.deepEqual(ledger.json().totals, [{ currency: 'USD', amount: '60.00' }]);

    const days = Number(mTo.slice(8)) - 16 + 1;
    const inPeriod = ((60 * days) / 30).toFixed(2);
    const book = await xlsx(`period=${M}&lang=en`);
    const rows = sheetRows(book.worksheets[0]!);
    const row = rows.find((r) => r[0] === 'Realized savings in the period');
    assert.ok(row, 'the label says the figure is the period’s');
    assert.equal(row[1], Number(inPeriod));

    const text = await pdfText(`period=${M}&lang=en`);
    assert.ok(text.includes(`$${inPeriod}`), `PDF shows $${inPeriod}`);
  });

  it('compares the same number of days when the month’s data stops early', async () => {
    const api = await w.get(
      `/api/v1/costs/movers?from=${mFrom}&to=${lagDay}&group_by=service`,
      lagToken,
    );
    const answer = api.json();
    assert.equal(answer.previousPeriod.days, 20);

    const [s3] = answer.currencies[0].increases;
    assert.deepEqual([s3.previous, s3.current], ['200.0000000000', '240.0000000000']);

    // The report's movers are the API's for the days with data: +40, not a fall against the
    // whole previous month.
    const book = await xlsx(`period=${M}&lang=en`, lagToken);
    const movers = sheetRows(book.getWorksheet('Movers')!).slice(1);
    assert.deepEqual(
      // Kind, service, currency, previous, current, change: movers have no account column.
      movers.map((r) => [r[1], r[3], r[4], r[5]]),
      [['Amazon S3', 200, 240, 40]],
    );

    const text = await pdfText(`period=${M}&lang=en`, lagToken);
    assert.match(text, /partial data: the same days are compared/);
  });
});

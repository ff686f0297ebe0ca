/**
 * What a new reader of the client report found wrong, checked through the API: findings only
 * from the report's period and labelled with their window, no forecast for a closed month,
 * account names from cloud accounts, the language in the file name, and services that round
 * to 0.00 left out of the top lists and the movers. Outputs are parsed, never matched as bytes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { findings } from '../../src/db/schema.js';
import { monthEnd } from '../../src/modules/costs/costs.fns.js';
import { ReportFormatter } from '../../src/modules/reports/i18n.js';
import { pdfPages, sheetRows, workbook } from '../reports/parse.js';
import { addMember, makeUser } from '../support/factories.js';
import { fact, insertFacts } from '../support/facts.js';
import { createWorld, months, type World } from './setup.js';

const es = new ReportFormatter('es', 'UTC');

describe('client report: audit fixes', () => {
  let w: World;
  let owner = '';
  const { M, prevFrom, lastYearFrom } = months();

  const xlsx = async (query: string) => {
    const res = await w.get(`/api/v1/reports/client/xlsx?${query}`, w.viewer);
    assert.equal(res.statusCode, 200, res.body);
    return workbook(res.rawPayload);
  };
  const pdfText = async (query: string) => {
    const res = await w.get(`/api/v1/reports/client/pdf?${query}`, w.viewer);
    assert.equal(res.statusCode, 200, res.body);
    return (await pdfPages(res.rawPayload)).join(' ').replace(/[\u00a0\u202f]/g, ' ');
  };
  /** The finding ids (by resource) on the Findings sheet, and the savings row of Summary. */
  const findingsOf = async (query: string) => {
    const wb = await xlsx(`${query}&lang=es`);
    const rows = sheetRows(wb.getWorksheet(es.strings.sheets.findings)!).slice(1);
    const summary = sheetRows(wb.getWorksheet(es.strings.sheets.summary)!);
    const savings = summary.find((r) =>
      String(r[0] ?? '').startsWith(es.strings.figures.potentialMonthlySavings),
    );
    // An empty sheet carries one note row (column A), like the PDF, and no resource.
    const listed = rows.filter((r) => r[0] !== es.strings.empty.findings);
    return { resources: listed.map((r) => r[5]), note: rows.length - listed.length, savings };
  };

  before(async () => {
    w = await createWorld();
    const db = w.t.database.db;

    // One open finding measured inside month M, one measured a year before.
    const base = {
      clientId: w.clientA,
      ruleId: 'aws.ec2.previous_generation',
      provider: 'aws',
      billingAccountId: '111111111111',
      currency: 'USD',
      category: 'compute',
      status: 'open',
      confidence: 'high',
      effort: 'low',
    };
    await db.insert(findings).values([
      {
        ...base,
        resourceKey: 'aws|111111111111|i-in-period',
        resourceId: 'i-in-period',
        monthlyCost: '45.00',
        monthlySavings: '45.00',
        windowStart: `${M}-05`,
        windowEnd: `${M}-20`,
      },
      {
        ...base,
        resourceKey: 'aws|111111111111|i-last-year',
        resourceId: 'i-last-year',
        monthlyCost: '999.00',
        monthlySavings: '999.00',
        windowStart: lastYearFrom,
        windowEnd: monthEnd(lastYearFrom),
      },
    ]);

    // A service billing fractions of a cent, only in month M: it would look "new".
    await insertFacts(db, [
      fact({
        clientId: w.clientA,
        chargeDate: `${M}-10`,
        cost: '0.0001',
        serviceName: 'CloudWatch Events',
        serviceCategory: 'Management and Governance',
      }),
    ]);

    const ownerUser = await makeUser(db, { locale: 'es' });
    await addMember(db, w.clientA, ownerUser.id, 'owner');
    const login = await w.t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: ownerUser.email, password: ownerUser.password },
    });
    owner = login.json().access_token as string;
  });
  after(() => w.t.close());

  it('lists only the findings whose window overlaps the period, labelled with it', async () => {
    const inM = await findingsOf(`period=${M}`);
    assert.deepEqual(inM.resources, ['i-in-period']);
    const [year, month] = M.split('-');
    const window = `datos del 05/${month}/${year} al 20/${month}/${year}`;
    const label = `${es.strings.figures.potentialMonthlySavings} (${window})`;
    assert.equal(inM.savings?.[0], label);
    assert.equal(inM.savings?.[1], 45);

    const lastYear = await findingsOf(`period=${lastYearFrom.slice(0, 7)}`);
    assert.deepEqual(lastYear.resources, ['i-last-year']);
    assert.equal(lastYear.savings?.[1], 999);
  });

  it('a period without such findings shows none and says so', async () => {
    const prev = await findingsOf(`period=${prevFrom.slice(0, 7)}`);
    assert.deepEqual(prev.resources, []);
    assert.equal(prev.note, 1);
    assert.equal(prev.savings?.[0], es.strings.figures.potentialMonthlySavings);
    assert.equal(prev.savings?.[1], 0);

    const text = await pdfText(`period=${prevFrom.slice(0, 7)}&lang=es`);
    assert.ok(text.includes(es.strings.empty.findings));
    assert.ok(!text.includes('i-last-year') && !text.includes('i-in-period'));
  });

  it('a closed month has no forecast in the API, as in the report', async () => {
    const res = await w.get(`/api/v1/costs/summary?month=${M}`, w.viewer);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { currencies: Array<{ forecastMonthEnd: string | null }> };
    assert.ok(body.currencies.length > 0);
    for (const c of body.currencies) assert.equal(c.forecastMonthEnd, null);

    const text = await pdfText(`period=${M}&lang=es`);
    assert.ok(text.includes(`${es.strings.figures.forecast} —`));
  });

  it('a renamed cloud account shows its new name in the breakdown and the report', async () => {
    const created = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/cloud-accounts',
      headers: { authorization: `Bearer ${owner}` },
      payload: { provider: 'aws', billing_account_id: '333333333333', name: 'Cuenta UE' },
    });
    assert.ok([200, 201].includes(created.statusCode), created.body);
    const renamed = await w.t.app.inject({
      method: 'PATCH',
      url: `/api/v1/cloud-accounts/${created.json().id}`,
      headers: { authorization: `Bearer ${owner}` },
      payload: { name: 'Producción Europa' },
    });
    assert.equal(renamed.statusCode, 200, renamed.body);

    const breakdown = await w.get(`/api/v1/costs/breakdown?month=${M}&group_by=account`, w.viewer);
    assert.equal(breakdown.statusCode, 200, breakdown.body);
    const rows = breakdown.json().rows as Array<{ key: string; label: string | null }>;
    assert.equal(rows.find((r) => r.key === '333333333333')?.label, 'Producción Europa');
    // Without a name of its own, an account keeps the billing data's name.
    assert.equal(rows.find((r) => r.key === '222222222222')?.label, 'Staging');

    const wb = await xlsx(`period=${M}&lang=es`);
    const accounts = sheetRows(wb.getWorksheet(es.strings.sheets.accounts)!);
    assert.equal(accounts.find((r) => r[1] === '333333333333')?.[2], 'Producción Europa');
    const detail = sheetRows(wb.getWorksheet(es.strings.sheets.detail)!);
    assert.ok(detail.some((r) => r.includes('Producción Europa')));
    assert.ok(!detail.some((r) => r.includes('333333333333') && !r.includes('Producción Europa')));

    const text = await pdfText(`period=${M}&lang=es`);
    assert.ok(text.includes('Producción Europa'));
  });

  it('names the download after the language', async () => {
    for (const lang of ['es', 'en', 'pt-BR']) {
      const res = await w.get(`/api/v1/reports/client/csv?period=${M}&lang=${lang}`, w.viewer);
      assert.equal(res.statusCode, 200, res.body);
      const name = `finopslatam-senales-andinas-${M}-${lang}.csv`;
      assert.equal(
        res.headers['content-disposition'],
        `attachment; filename="${name}"; filename*=UTF-8''${name}`,
      );
    }
  });

  it('a month with no data before it lists no movers and says why', async () => {
    // The world's facts start a year before M: the month before that has no data at all.
    const first = lastYearFrom.slice(0, 7);
    const wb = await xlsx(`period=${first}&lang=es`);
    const movers = sheetRows(wb.getWorksheet(es.strings.sheets.movers)!).slice(1);
    assert.deepEqual(
      movers.map((r) => r[0]),
      [es.strings.empty.moversNoPrevious],
    );
    const text = await pdfText(`period=${first}&lang=es`);
    assert.ok(text.includes(es.strings.empty.moversNoPrevious));
    assert.ok(!text.includes(es.strings.moverGroups.new));
  });

  it('leaves services that round to 0.00 out of the top list and the movers', async () => {
    const wb = await xlsx(`period=${M}&lang=es`);
    const services = sheetRows(wb.getWorksheet(es.strings.sheets.services)!);
    const movers = sheetRows(wb.getWorksheet(es.strings.sheets.movers)!);
    assert.ok(services.length > 1 && movers.length > 1);
    assert.ok(!services.some((r) => r.includes('CloudWatch Events')));
    assert.ok(!movers.some((r) => r.includes('CloudWatch Events')));
    // It is still part of the detail: nothing is hidden, only not ranked.
    const detail = sheetRows(wb.getWorksheet(es.strings.sheets.detail)!);
    assert.ok(detail.some((r) => r.includes('CloudWatch Events')));
  });
});

/**
 * The platform report over HTTP: global roles only, and the figures are those of
 * `GET /api/admin/stats` for the default period (the last full month).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { findings } from '../../src/db/schema.js';
import { addDecimals, addMonths } from '../../src/modules/costs/costs.fns.js';
import { reportStrings } from '../../src/modules/reports/i18n.js';
import { moneyDecimal } from '../../src/modules/reports/report.fns.js';
import { csvRecords, pdfPages, sheetRows, workbook } from '../reports/parse.js';
import { createWorld, exportEvent, months, type World } from './setup.js';

/** Admin CSV columns (layout documented in src/modules/reports/exporters/csv.ts). */
const A = { section: 0, measure: 1, item: 2, slug: 3, plan: 4, currency: 7, value: 8 };

describe('admin report API', () => {
  let w: World;
  const { M, mFrom, mTo } = months();

  before(async () => {
    w = await createWorld();
  });
  after(async () => {
    await w.t.close();
  });

  it('is refused to client roles, whatever the format', async () => {
    for (const format of ['pdf', 'csv', 'xlsx']) {
      for (const token of [w.viewer, w.ownerB]) {
        const res = await w.get(`/api/v1/reports/admin/${format}`, token);
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(res.json().error.code, 'forbidden');
      }
    }
  });

  it('gives root the figures of GET /api/admin/stats, in the user language', async () => {
    const stats = (await w.get('/api/admin/stats', w.root)).json();
    const res = await w.get('/api/v1/reports/admin/csv', w.root);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(
      res.headers['content-disposition'],
      `attachment; filename="finopslatam-admin-${M}-pt-BR.csv"; ` +
        `filename*=UTF-8''finopslatam-admin-${M}-pt-BR.csv`,
    );
    const pt = reportStrings('pt-BR');
    const rows = csvRecords(res.body, ',');
    assert.equal(rows[0]?.[0], pt.columns.section, 'root reads Portuguese');
    const value = (measure: string, currency?: string) =>
      rows.find(
        (r) =>
          r[A.section] === pt.sections.platform &&
          r[A.measure] === measure &&
          (currency === undefined || r[A.currency] === currency),
      )?.[A.value];

    const clients = stats.clients.by_status.reduce((n: number, r: { n: number }) => n + r.n, 0);
    assert.equal(value(pt.platform.clientsTotal), String(clients));
    assert.equal(value(pt.platform.usersActive), String(stats.users.active));

    // Spend under management: the stats' last full month, per currency.
    const spend = new Map<string, string>();
    for (const s of stats.spend_under_management as Array<{ currency: string; amount: string }>) {
      spend.set(s.currency, addDecimals(spend.get(s.currency) ?? '0', s.amount));
    }
    assert.equal(spend.size, 2);
    for (const [currency, amount] of spend) {
      assert.equal(value(pt.platform.spendUnderManagement, currency), moneyDecimal(amount));
    }

    // One line per client with its plan, and the client's own spend.
    const andinas = rows.filter(
      (r) => r[A.section] === pt.sections.clients && r[A.slug] === 'senales-andinas',
    );
    assert.ok(andinas.length >= 2);
    assert.equal(andinas.find((r) => r[A.measure] === pt.columns.members)?.[A.value], '1');

    const event = await exportEvent(w.t, String(res.headers['x-request-id']));
    assert.equal(event.client_id, null);
    assert.equal(event.details.report, 'admin');
    assert.equal(event.details.rows, rows.length - 1);
  });

  it('gives support the PDF and XLSX with the same figures', async () => {
    const stats = (await w.get('/api/admin/stats', w.support)).json();
    const en = reportStrings('en');
    const xlsx = await w.get(`/api/v1/reports/admin/xlsx?period=${M}&lang=en`, w.support);
    assert.equal(xlsx.statusCode, 200, xlsx.body);
    const summary = sheetRows((await workbook(xlsx.rawPayload)).getWorksheet(en.sheets.summary)!);
    const active = summary.find((r) => r[0] === en.platform.usersActive);
    assert.ok(active?.includes(stats.users.active), JSON.stringify(active));

    const pdf = await w.get(`/api/v1/reports/admin/pdf?lang=es`, w.support);
    assert.equal(pdf.statusCode, 200, pdf.body);
    const text = (await pdfPages(pdf.rawPayload)).join('\n');
    assert.ok(text.includes('senales-andinas'));
  });

  it('counts only the open savings whose evidence overlaps the period', async () => {
    // Two open findings of one client: evidence inside M, and evidence that ended months before.
    const finding = (resource: string, savings: string, from: string, to: string) => ({
      clientId: w.clientB,
      ruleId: 'aws.ec2.graviton',
      resourceKey: `aws|111111111111|${resource}`,
      resourceId: resource,
      provider: 'aws',
      billingAccountId: '111111111111',
      currency: 'USD',
      category: 'compute',
      status: 'open',
      monthlyCost: savings,
      monthlySavings: savings,
      confidence: 'high',
      effort: 'low',
      windowStart: from,
      windowEnd: to,
    });
    const old = addMonths(mFrom, -3);
    await w.t.database.db
      .insert(findings)
      .values([
        finding('i-in', '40.00', mFrom, mTo),
        finding('i-old', '25.00', old, addMonths(old, 1)),
      ]);

    const en = reportStrings('en');
    const savingsIn = async (query: string) => {
      const res = await w.get(`/api/v1/reports/admin/csv?${query}&lang=en`, w.root);
      assert.equal(res.statusCode, 200, res.body);
      const rows = csvRecords(res.body, ',');
      const client = rows.filter(
        (r) =>
          r[A.section] === en.sections.clients &&
          r[A.slug] === 'pampa-chica' &&
          r[A.measure] === en.columns.potentialSavings,
      );
      const platform = rows.filter(
        (r) =>
          r[A.section] === en.sections.platform &&
          r[A.measure] === en.platform.potentialMonthlySavings,
      );
      return {
        client: client.map((r) => `${r[A.currency]} ${r[A.value]}`),
        platform: platform.map((r) => `${r[A.currency]} ${r[A.value]}`),
      };
    };

    const inM = await savingsIn(`period=${M}`);
    assert.deepEqual(inM.client, [`USD ${moneyDecimal('40.00')}`]);
    assert.deepEqual(inM.platform, [`USD ${moneyDecimal('40.00')}`]);
    const oldMonth = await savingsIn(`period=${old.slice(0, 7)}`);
    assert.deepEqual(oldMonth.client, [`USD ${moneyDecimal('25.00')}`]);
    // A period without evidence shows no savings rather than today's open list.
    const between = addMonths(old, 2);
    assert.deepEqual((await savingsIn(`from=${between}&to=${between}`)).client, []);
  });
});

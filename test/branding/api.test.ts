/**
 * The logo routes end to end: upload (raw and multipart), read back, the PDF report carrying
 * the image, refusal of bad images and of roles and plans without the right, tenancy, removal.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { sql } from 'drizzle-orm';

import { queryRows } from '../../src/db/client.js';
import { MAX_LOGO_BYTES } from '../../src/modules/branding/branding.types.js';
import { addMonths, monthEnd } from '../../src/modules/costs/costs.fns.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { addMember, makePlan, makeUser, subscribe } from '../support/factories.js';
import { createClient, eachDay, fact, insertFacts } from '../support/facts.js';
import {
  animatedPng,
  hugePng,
  jpeg,
  jpegWithoutScanData,
  pdfImageSizes,
  png,
  pngWithDataOf,
} from './images.js';

const URL = '/api/v1/client/branding/logo';
const FEATURES = ['costs', 'findings', 'reports.pdf', 'reports.csv', 'custom_logo'];

function multipart(file: Buffer, type: string) {
  const boundary = '----finops-test-boundary';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="logo"; filename="logo"\r\n` +
        `Content-Type: ${type}\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

describe('client logo', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  let clientA = '';

  const put = (token: string, body: Buffer | string, type: string) =>
    t.app.inject({
      method: 'PUT',
      url: URL,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      payload: body,
    });
  const call = (method: 'GET' | 'DELETE', url: string, token: string) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
  const pdfOf = async (token: string) => {
    const res = await call('GET', '/api/v1/reports/client/pdf?lang=en', token);
    assert.equal(res.statusCode, 200, res.body);
    return res.rawPayload;
  };
  const events = (requestId: string) =>
    queryRows<{ type: string; client_id: string; details: Record<string, unknown> }>(
      t.database.db,
      sql`select type, client_id, details from security_events where request_id = ${requestId}`,
    );

  before(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
    const db = t.database.db;
    clientA = await createClient(db, 'logo-andes');
    const clientB = await createClient(db, 'logo-pampa');
    const clientC = await createClient(db, 'logo-small');
    const full = await makePlan(db, FEATURES);
    await subscribe(db, clientA, full.id);
    await subscribe(db, clientB, full.id);
    await subscribe(db, clientC, (await makePlan(db)).id);

    const month = addMonths(`${new Date().toISOString().slice(0, 7)}-01`, -1);
    const days = eachDay(month, monthEnd(month));
    await insertFacts(db, [
      ...days.map((d) => fact({ clientId: clientA, chargeDate: d, cost: '10' })),
      ...days.map((d) => fact({ clientId: clientB, chargeDate: d, cost: '5' })),
    ]);

    const member = async (clientId: string, role: 'owner' | 'finops_admin' | 'viewer') => {
      const user = await makeUser(db);
      await addMember(db, clientId, user.id, role);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: user.email, password: user.password },
      });
      return res.json().access_token as string;
    };
    tokens.owner = await member(clientA, 'owner');
    tokens.admin = await member(clientA, 'finops_admin');
    tokens.viewer = await member(clientA, 'viewer');
    tokens.ownerB = await member(clientB, 'owner');
    tokens.ownerC = await member(clientC, 'owner');
  });
  after(() => t.close());

  it('prints FinOpsLatam’s default (no image) before any upload', async () => {
    assert.equal((await call('GET', URL, tokens.owner!)).statusCode, 404);
    assert.deepEqual(pdfImageSizes(await pdfOf(tokens.owner!)), []);
  });

  it('stores a PNG sent as the raw body, records it, and the PDF carries it once', async () => {
    const logo = png(160, 48);
    const res = await put(tokens.owner!, logo, 'image/png');
    assert.equal(res.statusCode, 200, res.body);
    const sha256 = createHash('sha256').update(logo).digest('hex');
    assert.deepEqual(
      { ...(res.json() as object), updated_at: undefined },
      {
        content_type: 'image/png',
        bytes: logo.length,
        width: 160,
        height: 48,
        sha256,
        updated_at: undefined,
      },
    );

    const [event] = await events(res.headers['x-request-id'] as string);
    assert.equal(event?.type, 'client.updated');
    assert.equal(event?.client_id, clientA);
    assert.equal(event?.details.change, 'logo.set');
    assert.equal(event?.details.sha256, sha256);

    const back = await call('GET', URL, tokens.viewer!);
    assert.equal(back.statusCode, 200);
    assert.equal(back.headers['content-type'], 'image/png');
    assert.ok(back.rawPayload.equals(logo));

    // Cover and every running header draw the same image object: embedded exactly once.
    assert.deepEqual(pdfImageSizes(await pdfOf(tokens.viewer!)), [{ width: 160, height: 48 }]);
  });

  it('replaces it with a JPEG sent as multipart by a finops_admin', async () => {
    const logo = jpeg(120, 40);
    const form = multipart(logo, 'image/jpeg');
    const res = await put(tokens.admin!, form.body, form.type);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().content_type, 'image/jpeg');

    const pdf = await pdfOf(tokens.owner!);
    assert.deepEqual(pdfImageSizes(pdf), [{ width: 120, height: 40 }]);
    assert.match(pdf.toString('latin1'), /\/Filter \/DCTDecode/);
  });

  it('never shows one client’s logo to another', async () => {
    assert.equal((await call('GET', URL, tokens.ownerB!)).statusCode, 404);
    assert.deepEqual(pdfImageSizes(await pdfOf(tokens.ownerB!)), []);
    // B removing "its" logo touches nothing of A's.
    assert.equal((await call('DELETE', URL, tokens.ownerB!)).statusCode, 204);
    assert.equal((await call('GET', URL, tokens.owner!)).statusCode, 200);
  });

  it('refuses bad images with clear 4xx codes and keeps the current logo', async () => {
    const before = (await call('GET', URL, tokens.owner!)).rawPayload;
    const cases: Array<[string, Buffer | string, string, number, string]> = [
      ['gif', Buffer.from('GIF89a\x10\x00\x10\x00', 'latin1'), 'image/png', 415, ''],
      ['svg', '<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/svg+xml', 415, ''],
      ['json', '{}', 'application/json', 415, ''],
      ['lying type', jpeg(64, 64), 'image/png', 415, ''],
      ['animated', animatedPng(64, 64), 'image/png', 422, 'animated'],
      ['huge', hugePng(30_000, 30_000), 'image/png', 422, 'dimensions'],
      ['truncated', png(64, 64).subarray(0, 60), 'image/png', 422, 'truncated'],
      ['short pixel data', pngWithDataOf(100, 100, 100), 'image/png', 422, 'truncated'],
      ['JPEG without scan data', jpegWithoutScanData(64, 64), 'image/jpeg', 422, 'truncated'],
      ['empty', Buffer.alloc(0), 'image/png', 400, ''],
      ['too big', Buffer.alloc(MAX_LOGO_BYTES + 1), 'image/png', 413, ''],
    ];
    for (const [name, body, type, status, reason] of cases) {
      const res = await put(tokens.owner!, body, type);
      assert.equal(res.statusCode, status, `${name}: ${res.body}`);
      if (reason) assert.equal(res.json().error.details.reason, reason, name);
    }
    const bigForm = multipart(Buffer.alloc(MAX_LOGO_BYTES + 10), 'image/png');
    assert.equal((await put(tokens.owner!, bigForm.body, bigForm.type)).statusCode, 413);
    const gifForm = multipart(Buffer.from('GIF89a', 'latin1'), 'image/gif');
    assert.equal((await put(tokens.owner!, gifForm.body, gifForm.type)).statusCode, 415);

    assert.ok((await call('GET', URL, tokens.owner!)).rawPayload.equals(before));
  });

  it('refuses a viewer and a plan without custom_logo', async () => {
    const viewer = await put(tokens.viewer!, png(64, 64), 'image/png');
    assert.equal(viewer.statusCode, 403);
    assert.equal(viewer.json().error.code, 'forbidden');
    assert.equal((await call('DELETE', URL, tokens.viewer!)).statusCode, 403);

    const small = await put(tokens.ownerC!, png(64, 64), 'image/png');
    assert.equal(small.statusCode, 403);
    assert.equal(small.json().error.code, 'feature_not_in_plan');
  });

  it('removes it: reports go back to FinOpsLatam’s and the removal is recorded', async () => {
    const res = await call('DELETE', URL, tokens.owner!);
    assert.equal(res.statusCode, 204);
    const [event] = await events(res.headers['x-request-id'] as string);
    assert.equal(event?.details.change, 'logo.removed');

    assert.equal((await call('GET', URL, tokens.owner!)).statusCode, 404);
    assert.deepEqual(pdfImageSizes(await pdfOf(tokens.owner!)), []);
  });
});

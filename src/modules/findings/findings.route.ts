import { z } from 'zod';

import type { TypedApp } from '../../http/app.js';
import { errorResponses } from '../../http/schemas.js';
import type { FindingsService } from './findings.service.js';
import {
  detailResponseSchema,
  idParams,
  ledgerResponseSchema,
  listQuerySchema,
  listResponseSchema,
  patchBodySchema,
  recomputeBodySchema,
  recomputeResponseSchema,
  ruleDtoSchema,
  ruleParams,
  ruleSettingBodySchema,
  summaryResponseSchema,
} from './findings.types.js';

const COMMON =
  'Client-scoped: the client is the one of your token; another client’s finding answers 404. ' +
  'Needs the plan feature `findings` (403 feature_not_in_plan). Amounts are per billing ' +
  'currency, never added across currencies.';

/** Findings, their lifecycle, realized savings and the client's rule settings. */
export function registerFindingRoutes(app: TypedApp, findings: FindingsService): void {
  const read = { auth: { capability: 'findings:read' } } as const;
  const manage = { auth: { capability: 'findings:manage' } } as const;
  const tags = ['findings'];

  app.get(
    '/api/v1/findings',
    {
      config: read,
      schema: {
        tags,
        summary: 'Findings, largest monthly saving first (cursor pagination)',
        description:
          'Every finding stays listed even when several rules price one resource; ' +
          '`counted_in_totals` marks the one whose saving totals count. Findings of rules ' +
          `switched off for your client are hidden. ${COMMON}`,
        querystring: listQuerySchema,
        response: { 200: listResponseSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => findings.list(request.ctx, request.query),
  );

  app.get(
    '/api/v1/findings/summary',
    {
      config: read,
      schema: {
        tags,
        summary: 'Open findings by category, rule and account; deduplicated savings',
        description: COMMON,
        response: { 200: summaryResponseSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => findings.summary(request.ctx),
  );

  app.get(
    '/api/v1/findings/savings-ledger',
    {
      config: read,
      schema: {
        tags,
        summary: 'Realized savings: cost 30 days before and after each resolution',
        description:
          'One entry per resolution (by hand or automatic). The "after" side covers the days ' +
          'of data that exist after the resolution and is brought up to date by every ' +
          `recompute until it spans 30 days. ${COMMON}`,
        response: { 200: ledgerResponseSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => findings.ledger(request.ctx),
  );

  app.post(
    '/api/v1/findings/recompute',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Run the rules again over the last 30 days of your data',
        description:
          'The window ends at your last billed day. New findings open; dismissed ones stay ' +
          'dismissed; resolved ones found again reopen; open ones no longer found resolve ' +
          'automatically with a ledger entry. Read-only when the subscription is canceled. ' +
          COMMON,
        body: recomputeBodySchema,
        response: { 200: recomputeResponseSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const clientId = request.ctx.actor?.clientId ?? '';
      const periods = request.body?.periods;
      return findings.recompute(request.ctx, clientId, periods ? { periods } : {});
    },
  );

  app.get(
    '/api/v1/findings/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'One finding: evidence, reasoning in your language, how to fix it, history',
        description: COMMON,
        params: idParams,
        response: { 200: detailResponseSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => findings.get(request.ctx, request.params.id),
  );

  app.patch(
    '/api/v1/findings/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Dismiss (with a reason), resolve by hand, or reopen a finding',
        description:
          'Resolving records the resource’s cost of the 30 days before in the savings ledger. ' +
          `Read-only when the subscription is canceled. ${COMMON}`,
        params: idParams,
        body: patchBodySchema,
        response: { 200: detailResponseSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => findings.setStatus(request.ctx, request.params.id, request.body),
  );

  app.get(
    '/api/v1/rules',
    {
      config: read,
      schema: {
        tags: ['rules'],
        summary: 'The rule catalog with your client’s switches and effective thresholds',
        description: COMMON,
        response: { 200: z.object({ items: z.array(ruleDtoSchema) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => findings.rules(request.ctx),
  );

  app.put(
    '/api/v1/rules/:id',
    {
      config: manage,
      schema: {
        tags: ['rules'],
        summary: 'Turn a rule on or off and override its thresholds for your client',
        description:
          'Replaces the earlier setting. Thresholds must be keys of the rule’s defaults, of the ' +
          `same kind, non-negative (rates at most 1, percentages at most 100). ${COMMON}`,
        params: ruleParams,
        body: ruleSettingBodySchema,
        response: { 200: ruleDtoSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => findings.setRule(request.ctx, request.params.id, request.body),
  );
}

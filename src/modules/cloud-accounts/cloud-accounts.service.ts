import type { Db, Tx } from '../../db/client.js';
import { withTenant } from '../../db/tenant.js';
import type { RequestContext } from '../../http/context.js';
import { AppError, notFound } from '../../lib/errors.js';
import { requireActor } from '../identity/identity.service.js';
import { loadEntitlements, requireWithinLimit, requireWritable } from '../plans/entitlements.js';
import * as model from './cloud-accounts.model.js';
import { toCloudAccountDto, type CloudAccountDto, type Provider } from './cloud-accounts.types.js';

export interface CreateCloudAccountInput {
  provider: Provider;
  billing_account_id: string;
  name: string;
}

export type CloudAccountsService = ReturnType<typeof createCloudAccountsService>;

/**
 * The client's cloud billing accounts. The plan's `cloud_accounts` limit counts active billing
 * accounts of any origin and holds when a user adds one; accounts discovered in ingested data
 * never block an ingestion (refusing data the customer already pays for helps no one), so they
 * may take usage past the limit, which the subscription view shows.
 */
export function createCloudAccountsService(deps: { db: Db }) {
  const { db } = deps;

  function clientOf(ctx: RequestContext): string {
    const actor = requireActor(ctx);
    if (!actor.clientId) throw new AppError('forbidden', 'Select a client first (switch-client).');
    return actor.clientId;
  }

  /** Changes need a live subscription; a canceled one leaves the client read-only. */
  async function writable<T>(ctx: RequestContext, fn: (tx: Tx, clientId: string) => Promise<T>) {
    const clientId = clientOf(ctx);
    return withTenant(db, clientId, async (tx) => {
      requireWritable(await loadEntitlements(tx, clientId));
      return fn(tx, clientId);
    });
  }

  async function requireRoomForOne(tx: Tx, clientId: string): Promise<void> {
    const entitlements = await loadEntitlements(tx, clientId);
    requireWithinLimit(
      entitlements,
      'cloud_accounts',
      await model.countActiveBillingAccounts(tx, clientId),
    );
  }

  return {
    async list(ctx: RequestContext, includeArchived: boolean): Promise<CloudAccountDto[]> {
      const clientId = clientOf(ctx);
      const rows = await withTenant(db, clientId, (tx) =>
        model.listAccounts(tx, clientId, includeArchived),
      );
      return rows.map(toCloudAccountDto);
    },

    /** Adds a billing account; an archived one with the same id comes back under the new name. */
    create: (ctx: RequestContext, input: CreateCloudAccountInput) =>
      writable(ctx, async (tx, clientId) => {
        const existing = await model.findByNaturalKey(
          tx,
          clientId,
          input.provider,
          input.billing_account_id,
        );
        if (existing && existing.archivedAt === null) {
          throw new AppError(
            'conflict',
            `The ${input.provider} account ${input.billing_account_id} already exists ` +
              `("${existing.name}"); rename it instead.`,
            { details: { id: existing.id } },
          );
        }
        if (!existing || existing.kind === 'billing') await requireRoomForOne(tx, clientId);

        if (existing) {
          const restored = await model.updateAccount(tx, clientId, existing.id, {
            name: input.name,
            archivedAt: null,
          });
          return { account: toCloudAccountDto(restored!), restored: true };
        }
        const row = await model.insertAccount(tx, {
          clientId,
          provider: input.provider,
          billingAccountId: input.billing_account_id,
          name: input.name,
          kind: 'billing',
          origin: 'manual',
        });
        return { account: toCloudAccountDto(row), restored: false };
      }),

    rename: (ctx: RequestContext, id: string, name: string) =>
      writable(ctx, async (tx, clientId) => {
        if (!(await model.findAccountForUpdate(tx, clientId, id))) throw notFound('Cloud account');
        return toCloudAccountDto((await model.updateAccount(tx, clientId, id, { name }))!);
      }),

    /** Archiving hides the account and frees its place in the plan; its cost data stays. */
    archive: (ctx: RequestContext, id: string) =>
      writable(ctx, async (tx, clientId) => {
        const row = await model.findAccountForUpdate(tx, clientId, id);
        if (!row) throw notFound('Cloud account');
        if (row.archivedAt) return toCloudAccountDto(row);
        const archived = await model.updateAccount(tx, clientId, id, { archivedAt: new Date() });
        return toCloudAccountDto(archived!);
      }),
  };
}

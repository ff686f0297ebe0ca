import { createHash } from 'node:crypto';

import type { Db } from '../../db/client.js';
import { withTenant } from '../../db/tenant.js';
import type { RequestContext } from '../../http/context.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, notFound } from '../../lib/errors.js';
import { recordSecurityEvent } from '../audit/audit.model.js';
import { requireActor } from '../identity/identity.service.js';
import { loadEntitlements, requireFeature, requireWritable } from '../plans/entitlements.js';
import { inspectLogo } from './branding.fns.js';
import * as model from './branding.model.js';
import { toLogoDto, type LogoContentType, type LogoDto } from './branding.types.js';

export interface LogoUpload {
  bytes: Buffer;
  /** The type the request declared (raw body Content-Type or the multipart part's). */
  declaredType: string | null;
}

/** The stored logo as the PDF exporter takes it. */
export interface BrandLogo {
  contentType: LogoContentType;
  data: Buffer;
  width: number;
  height: number;
}

export type BrandingService = ReturnType<typeof createBrandingService>;

/**
 * A client's own logo for its reports. The client is always the token's; uploading needs the
 * plan feature `custom_logo` and a live subscription, removing only a live subscription, so a
 * client that moved to a smaller plan can still go back to FinOpsLatam's look.
 */
export function createBrandingService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  function clientOf(ctx: RequestContext): string {
    const actor = requireActor(ctx);
    if (!actor.clientId) throw new AppError('forbidden', 'Select a client first (switch-client).');
    return actor.clientId;
  }

  return {
    async putLogo(ctx: RequestContext, upload: LogoUpload): Promise<LogoDto> {
      const clientId = clientOf(ctx);

      return withTenant(db, clientId, async (tx) => {
        const entitlements = await loadEntitlements(tx, clientId);
        requireWritable(entitlements);
        requireFeature(entitlements, 'custom_logo');

        const image = inspectLogo(upload.bytes, upload.declaredType);
        const sha256 = createHash('sha256').update(upload.bytes).digest('hex');

        const row = await model.upsertLogo(
          tx,
          clientId,
          { logo: upload.bytes, sha256, updatedBy: ctx.actor?.userId ?? null, ...image },
          clock.now(),
        );

        await recordSecurityEvent(tx, ctx, {
          type: 'client.updated',
          clientId,
          targetType: 'client_branding',
          targetId: clientId,
          details: {
            change: 'logo.set',
            contentType: image.contentType,
            bytes: upload.bytes.length,
            width: image.width,
            height: image.height,
            sha256,
          },
        });
        return toLogoDto(row);
      });
    },

    async getLogo(ctx: RequestContext): Promise<BrandLogo & { sha256: string }> {
      const clientId = clientOf(ctx);
      const row = await withTenant(db, clientId, (tx) => model.findLogo(tx, clientId));
      if (!row) throw notFound('Logo');
      return {
        contentType: row.logoContentType as LogoContentType,
        data: row.logo,
        width: row.logoWidth,
        height: row.logoHeight,
        sha256: row.logoSha256,
      };
    },

    /** Back to FinOpsLatam's default; removing when there is none is a no-op. */
    async deleteLogo(ctx: RequestContext): Promise<void> {
      const clientId = clientOf(ctx);

      await withTenant(db, clientId, async (tx) => {
        requireWritable(await loadEntitlements(tx, clientId));

        const removed = await model.deleteLogo(tx, clientId);
        if (!removed) return;

        await recordSecurityEvent(tx, ctx, {
          type: 'client.updated',
          clientId,
          targetType: 'client_branding',
          targetId: clientId,
          details: { change: 'logo.removed', sha256: removed.logoSha256 },
        });
      });
    },

    /**
     * The logo a report of this client prints, or null for FinOpsLatam's default: none stored,
     * or the plan no longer includes `custom_logo`.
     */
    async logoForReport(ctx: RequestContext): Promise<BrandLogo | null> {
      const clientId = clientOf(ctx);
      return withTenant(db, clientId, async (tx) => {
        const entitlements = await loadEntitlements(tx, clientId);
        if (!entitlements.features.has('custom_logo')) return null;

        const row = await model.findLogo(tx, clientId);
        if (!row) return null;
        return {
          contentType: row.logoContentType as LogoContentType,
          data: row.logo,
          width: row.logoWidth,
          height: row.logoHeight,
        };
      });
    },
  };
}

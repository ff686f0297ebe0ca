import { eq } from 'drizzle-orm';

import type { Tx } from '../../db/client.js';
import { clientBranding } from '../../db/schema.js';
import type { BrandingRow, LogoContentType } from './branding.types.js';

export interface LogoInput {
  logo: Buffer;
  contentType: LogoContentType;
  sha256: string;
  width: number;
  height: number;
  updatedBy: string | null;
}

export async function findLogo(tx: Tx, clientId: string): Promise<BrandingRow | null> {
  const [row] = await tx.select().from(clientBranding).where(eq(clientBranding.clientId, clientId));
  return row ?? null;
}

/** One logo per client: a new upload replaces the old one. */
export async function upsertLogo(
  tx: Tx,
  clientId: string,
  input: LogoInput,
  now: Date,
): Promise<BrandingRow> {
  const values = {
    logo: input.logo,
    logoContentType: input.contentType,
    logoSha256: input.sha256,
    logoWidth: input.width,
    logoHeight: input.height,
    updatedBy: input.updatedBy,
    updatedAt: now,
  };
  const [row] = await tx
    .insert(clientBranding)
    .values({ clientId, ...values })
    .onConflictDoUpdate({ target: clientBranding.clientId, set: values })
    .returning();
  return row!;
}

/** The removed row's metadata, or null when the client had no logo. */
export async function deleteLogo(
  tx: Tx,
  clientId: string,
): Promise<Pick<BrandingRow, 'logoSha256'> | null> {
  const [row] = await tx
    .delete(clientBranding)
    .where(eq(clientBranding.clientId, clientId))
    .returning({ logoSha256: clientBranding.logoSha256 });
  return row ?? null;
}

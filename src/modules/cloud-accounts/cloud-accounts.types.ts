import { z } from 'zod';

import type { CloudAccountRow } from './cloud-accounts.model.js';

export const PROVIDERS = ['aws', 'azure', 'gcp', 'oci'] as const;
export type Provider = (typeof PROVIDERS)[number];

// Account ids are text (AWS keeps leading zeros, Azure uses GUIDs, GCP dashes); printable only.
const accountId = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'printable characters without spaces');
const accountName = z.string().trim().min(1).max(200);

export const cloudAccountCreateBody = z
  .object({ provider: z.enum(PROVIDERS), billing_account_id: accountId, name: accountName })
  .strict();

export const cloudAccountRenameBody = z.object({ name: accountName }).strict();

export const cloudAccountListQuery = z
  .object({ include_archived: z.enum(['true', 'false']).default('false') })
  .strict();

export const cloudAccountDto = z.object({
  id: z.uuid(),
  provider: z.string(),
  billing_account_id: z.string(),
  name: z.string(),
  kind: z.enum(['billing', 'sub']),
  parent_account_id: z.string().nullable(),
  origin: z.enum(['manual', 'discovered']),
  archived: z.boolean(),
  archived_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type CloudAccountDto = z.infer<typeof cloudAccountDto>;

export function toCloudAccountDto(row: CloudAccountRow): CloudAccountDto {
  return {
    id: row.id,
    provider: row.provider,
    billing_account_id: row.billingAccountId,
    name: row.name,
    kind: row.kind as CloudAccountDto['kind'],
    parent_account_id: row.parentAccountId,
    origin: row.origin as CloudAccountDto['origin'],
    archived: row.archivedAt !== null,
    archived_at: row.archivedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

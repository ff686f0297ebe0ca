import { z } from 'zod';

import type { clientBranding } from '../../db/schema.js';

/** The table's own bound (a CHECK on octet_length): 1 MiB. */
export const MAX_LOGO_BYTES = 1024 * 1024;

/**
 * Pixel bounds of a logo. The PDF draws it in a box of about 150 × 64 points, so anything
 * larger only costs memory: pdfkit decodes every pixel of a PNG with transparency.
 */
export const LOGO_LIMITS = {
  minSide: 16,
  maxSide: 4096,
  maxPixels: 8 * 1024 * 1024,
} as const;

export const LOGO_CONTENT_TYPES = ['image/png', 'image/jpeg'] as const;
export type LogoContentType = (typeof LOGO_CONTENT_TYPES)[number];

/** What the bytes turned out to be, read from their own headers. */
export interface LogoImage {
  contentType: LogoContentType;
  width: number;
  height: number;
}

export type BrandingRow = typeof clientBranding.$inferSelect;

export const logoDto = z.object({
  content_type: z.enum(LOGO_CONTENT_TYPES),
  bytes: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  sha256: z.string(),
  updated_at: z.string(),
});
export type LogoDto = z.infer<typeof logoDto>;

export function toLogoDto(row: BrandingRow): LogoDto {
  return {
    content_type: row.logoContentType as LogoContentType,
    bytes: row.logo.length,
    width: row.logoWidth,
    height: row.logoHeight,
    sha256: row.logoSha256,
    updated_at: row.updatedAt.toISOString(),
  };
}

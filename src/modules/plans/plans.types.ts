import { z } from 'zod';

/** Every feature a plan can switch on; routes and services check these names. */
export const FEATURES = [
  'costs',
  'findings',
  'reports.pdf',
  'reports.csv',
  'reports.xlsx',
  'anomalies',
  'forecast',
  'commitments',
  'exports.focus',
  'custom_logo',
] as const;
export type Feature = (typeof FEATURES)[number];

export const LIMITS = ['members', 'cloud_accounts', 'history_months', 'upload_mb'] as const;
export type LimitName = (typeof LIMITS)[number];

export const planLimits = z
  .object({
    members: z.number().int().min(1).max(100_000),
    cloud_accounts: z.number().int().min(1).max(100_000),
    history_months: z.number().int().min(1).max(120),
    upload_mb: z.number().int().min(1).max(100_000),
  })
  .strict();

const money = z
  .string()
  .regex(/^\d{1,10}(\.\d{1,2})?$/, 'a plain decimal amount such as "790.00"');

export const planCreateBody = z
  .object({
    code: z.string().regex(/^[a-z][a-z0-9_-]{1,39}$/, 'lowercase letters, digits, - or _'),
    name: z.string().trim().min(2).max(80),
    monthly_price: money,
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
    limits: planLimits,
    features: z.array(z.enum(FEATURES)).max(FEATURES.length),
  })
  .strict();

export const planUpdateBody = planCreateBody.omit({ code: true }).partial().strict();

export const planDto = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  monthly_price: z.string(),
  currency: z.string(),
  limits: z.record(z.string(), z.unknown()),
  features: z.array(z.string()),
  archived: z.boolean(),
});
export type PlanDto = z.infer<typeof planDto>;

import { z } from 'zod';

export const SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due', 'canceled'] as const;

export const clientCreateBody = z
  .object({
    name: z.string().trim().min(2).max(120),
    slug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes, 2–63 long'),
    country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as CL'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
    plan: z.string().min(2).max(40),
    owner_email: z.email(),
    owner_name: z.string().trim().min(1).max(120).optional(),
    owner_locale: z.enum(['es', 'en', 'pt-BR']).optional(),
    subscription_status: z.enum(SUBSCRIPTION_STATUSES).default('active'),
  })
  .strict();
export type ClientCreateInput = z.infer<typeof clientCreateBody>;

export const clientUpdateBody = z
  .object({
    name: z.string().trim().min(2).max(120),
    country: z.string().regex(/^[A-Z]{2}$/),
    currency: z.string().regex(/^[A-Z]{3}$/),
  })
  .partial()
  .strict();

export const clientListQuery = z
  .object({
    q: z.string().max(100).optional(),
    status: z.enum(['active', 'suspended']).optional(),
    plan: z.string().max(40).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

export const subscriptionChangeBody = z
  .object({
    plan: z.string().min(2).max(40).optional(),
    status: z.enum(SUBSCRIPTION_STATUSES).optional(),
  })
  .strict()
  .refine((b) => b.plan !== undefined || b.status !== undefined, {
    message: 'send a plan, a status or both',
  });

export const clientDto = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  country: z.string(),
  currency: z.string(),
  status: z.string(),
  plan: z.string().nullable(),
  subscription_status: z.string().nullable(),
  members: z.number().int(),
  created_at: z.string(),
});

export const subscriptionDto = z.object({
  current: z
    .object({
      plan: z.string(),
      plan_name: z.string(),
      status: z.string(),
      started_at: z.string(),
      limits: z.record(z.string(), z.unknown()),
      features: z.array(z.string()),
    })
    .nullable(),
  history: z.array(
    z.object({
      plan: z.string(),
      status: z.string(),
      started_at: z.string(),
      ended_at: z.string().nullable(),
    }),
  ),
});

import { z } from 'zod';

const role = z.enum(['owner', 'finops_admin', 'viewer']);

export const userListQuery = z
  .object({
    q: z.string().max(100).optional(),
    status: z.enum(['active', 'disabled']).optional(),
    global_role: z.enum(['root', 'support']).optional(),
    client_id: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

export const userCreateBody = z
  .object({
    email: z.email(),
    name: z.string().trim().min(1).max(120),
    locale: z.enum(['es', 'en', 'pt-BR']).default('es'),
    global_role: z.enum(['root', 'support']).nullable().default(null),
  })
  .strict();

export const userUpdateBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    locale: z.enum(['es', 'en', 'pt-BR']),
    global_role: z.enum(['root', 'support']).nullable(),
  })
  .partial()
  .strict();

export const membershipBody = z.object({ client_id: z.uuid(), role }).strict();
export const roleBody = z.object({ role }).strict();

export const adminUserDto = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  locale: z.string(),
  global_role: z.enum(['root', 'support']).nullable(),
  status: z.string(),
  locked: z.boolean(),
  must_change_password: z.boolean(),
  last_login_at: z.string().nullable(),
  memberships: z.array(z.object({ client_id: z.uuid(), slug: z.string(), role })),
});

import { z } from 'zod';

const email = z
  .string()
  .trim()
  .min(3)
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address');
// Length rules for new passwords live in passwords.ts (with clear reasons); here only a ceiling
// that stops absurd bodies before any work.
const password = z.string().min(1).max(1024);

export const loginBody = z.object({ email, password, client_id: z.uuid().optional() }).strict();
export type LoginInput = z.infer<typeof loginBody>;

export const refreshBody = z.object({ refresh_token: z.string().min(20).max(200) }).strict();

export const switchClientBody = z
  .object({ client_id: z.uuid(), reason: z.string().max(200).optional() })
  .strict();
export type SwitchClientInput = z.infer<typeof switchClientBody>;

export const changePasswordBody = z
  .object({ current_password: password, new_password: password })
  .strict();
export type ChangePasswordInput = z.infer<typeof changePasswordBody>;

export const forgotPasswordBody = z.object({ email }).strict();

export const resetPasswordBody = z
  .object({ token: z.string().min(20).max(200), new_password: password })
  .strict();

const role = z.enum(['owner', 'finops_admin', 'viewer']);
const globalRole = z.enum(['root', 'support']);

export const userDto = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  locale: z.string(),
  global_role: globalRole.nullable(),
  status: z.string(),
  must_change_password: z.boolean(),
});

export const sessionResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  refresh_token: z.string(),
  user: userDto,
  client: z
    .object({ id: z.uuid(), slug: z.string(), name: z.string(), role: role.nullable() })
    .nullable(),
  permissions: z.array(z.string()),
});
export type SessionResponse = z.infer<typeof sessionResponse>;

export const meResponse = z.object({
  user: userDto,
  client: z
    .object({
      id: z.uuid(),
      slug: z.string(),
      name: z.string(),
      country: z.string(),
      currency: z.string(),
      status: z.string(),
      role: role.nullable(),
    })
    .nullable(),
  global_role: globalRole.nullable(),
  client_role: role.nullable(),
  memberships: z.array(
    z.object({
      client_id: z.uuid(),
      slug: z.string(),
      name: z.string(),
      role,
      status: z.string(),
    }),
  ),
  permissions: z.array(z.string()),
  plan: z
    .object({
      code: z.string(),
      name: z.string(),
      status: z.string(),
      features: z.array(z.string()),
    })
    .nullable(),
  features: z.array(z.string()),
});
export type MeResponse = z.infer<typeof meResponse>;

export const acceptedResponse = z.object({ message: z.string() });

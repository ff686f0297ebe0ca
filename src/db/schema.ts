import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/*
 * Platform tables (users, clients, plans, tokens, outbox) are not owned by one tenant.
 * Tenant tables carry `client_id` first in their primary key (so Citus can distribute them)
 * and get ENABLE + FORCE row-level security from `finops_secure_tenant_tables()`.
 */

const tsz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => tsz('created_at').notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    locale: text('locale').notNull().default('es'),
    passwordHash: text('password_hash'),
    globalRole: text('global_role'),
    status: text('status').notNull().default('active'),
    failedLoginCount: integer('failed_login_count').notNull().default(0),
    lockedUntil: tsz('locked_until'),
    tokenVersion: integer('token_version').notNull().default(0),
    passwordChangedAt: tsz('password_changed_at'),
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    lastLoginAt: tsz('last_login_at'),
    lastClientId: uuid('last_client_id'),
    createdAt: createdAt(),
    updatedAt: tsz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    check('users_locale_check', sql`${t.locale} in ('es', 'en', 'pt-BR')`),
    check('users_global_role_check', sql`${t.globalRole} in ('root', 'support')`),
    check('users_status_check', sql`${t.status} in ('active', 'disabled')`),
  ],
);

export const clients = pgTable(
  'clients',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    country: text('country').notNull(),
    currency: text('currency').notNull(),
    status: text('status').notNull().default('active'),
    createdAt: createdAt(),
    updatedAt: tsz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('clients_slug_key').on(t.slug),
    check('clients_status_check', sql`${t.status} in ('active', 'suspended')`),
    check('clients_slug_check', sql`${t.slug} ~ '^[a-z0-9][a-z0-9-]{1,62}$'`),
  ],
);

export const memberships = pgTable(
  'memberships',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    role: text('role').notNull(),
    createdAt: createdAt(),
    updatedAt: tsz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.userId] }),
    index('memberships_user_idx').on(t.userId),
    check('memberships_role_check', sql`${t.role} in ('owner', 'finops_admin', 'viewer')`),
  ],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    // The client the session is working in; a user-scoped table, so not named client_id.
    activeClientId: uuid('active_client_id'),
    expiresAt: tsz('expires_at').notNull(),
    revokedAt: tsz('revoked_at'),
    replacedBy: uuid('replaced_by'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash),
    index('refresh_tokens_family_idx').on(t.familyId),
    index('refresh_tokens_user_idx').on(t.userId),
  ],
);

export const passwordResetTokens = pgTable(
  'password_reset_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    tokenHash: text('token_hash').notNull(),
    expiresAt: tsz('expires_at').notNull(),
    usedAt: tsz('used_at'),
    voidedAt: tsz('voided_at'),
    requestIp: text('request_ip'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('password_reset_tokens_hash_key').on(t.tokenHash),
    index('password_reset_tokens_user_idx').on(t.userId, t.createdAt),
  ],
);

/**
 * Append-only: the application roles may INSERT and SELECT only, and a trigger refuses UPDATE
 * and DELETE for everyone (migration 0001). Platform-wide events have no client.
 */
export const securityEvents = pgTable(
  'security_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    occurredAt: tsz('occurred_at').notNull().defaultNow(),
    type: text('type').notNull(),
    severity: text('severity').notNull(),
    actorUserId: uuid('actor_user_id'),
    actorGlobalRole: text('actor_global_role'),
    actorClientRole: text('actor_client_role'),
    clientId: uuid('client_id'),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    details: jsonb('details').notNull().default({}),
  },
  (t) => [
    index('security_events_time_idx').on(t.occurredAt),
    index('security_events_client_idx').on(t.clientId, t.occurredAt),
    index('security_events_type_idx').on(t.type, t.occurredAt),
    check('security_events_severity_check', sql`${t.severity} in ('info', 'warning', 'critical')`),
  ],
);

/** Mails are queued in the same transaction as the change that causes them, sent after commit. */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    toAddress: text('to_address').notNull(),
    locale: text('locale').notNull(),
    template: text('template').notNull(),
    payload: jsonb('payload').notNull().default({}),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tsz('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    sentAt: tsz('sent_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('mail_outbox_pending_idx').on(t.status, t.nextAttemptAt),
    check('mail_outbox_status_check', sql`${t.status} in ('pending', 'sent', 'failed')`),
  ],
);

export const plans = pgTable(
  'plans',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    monthlyPrice: numeric('monthly_price', { precision: 12, scale: 2 }).notNull(),
    currency: text('currency').notNull(),
    limits: jsonb('limits').notNull().default({}),
    features: jsonb('features').notNull().default([]),
    archivedAt: tsz('archived_at'),
    createdAt: createdAt(),
    updatedAt: tsz('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('plans_code_key').on(t.code)],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    id: uuid('id').notNull().defaultRandom(),
    planId: uuid('plan_id')
      .notNull()
      .references(() => plans.id),
    status: text('status').notNull(),
    startedAt: tsz('started_at').notNull().defaultNow(),
    endedAt: tsz('ended_at'),
    changedBy: uuid('changed_by'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.id] }),
    check(
      'subscriptions_status_check',
      sql`${t.status} in ('trialing', 'active', 'past_due', 'canceled')`,
    ),
  ],
);

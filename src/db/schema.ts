import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  customType,
  boolean,
  check,
  date,
  foreignKey,
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
    /**
     * Bumped in the transaction that changes the client's cost facts (ingestion swap), so a
     * cached analytics answer keyed by it can never outlive the data it was computed from.
     */
    costDataVersion: bigint('cost_data_version', { mode: 'number' }).notNull().default(0),
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

/**
 * Failed sign-ins for addresses that match no user, so an unknown address locks exactly like a
 * known one and the lock itself does not reveal which addresses exist. Keyed by a hash.
 */
export const loginThrottle = pgTable('login_throttle', {
  emailKey: text('email_key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  lockedUntil: tsz('locked_until'),
  updatedAt: tsz('updated_at').notNull().defaultNow(),
});

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

/* ----------------------------------------------------------------------------------------------
 * Billing data. Money is NUMERIC end to end; one daily fact aggregates a day's line items over
 * every dimension below, per resource. Column meanings follow FOCUS; `x` keeps provider extras
 * the rules need (e.g. commitment end dates), never raw line items.
 * -------------------------------------------------------------------------------------------- */

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * A client's own look in its reports: the logo printed on the cover and page headers. Kept in
 * the database (not on local disk) so every stateless API process and worker renders the same.
 */
export const clientBranding = pgTable(
  'client_branding',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    logo: bytea('logo').notNull(),
    logoContentType: text('logo_content_type').notNull(),
    logoSha256: text('logo_sha256').notNull(),
    logoWidth: integer('logo_width').notNull(),
    logoHeight: integer('logo_height').notNull(),
    updatedBy: uuid('updated_by'),
    updatedAt: tsz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId] }),
    check(
      'client_branding_content_type_check',
      sql`${t.logoContentType} in ('image/png', 'image/jpeg')`,
    ),
    check('client_branding_logo_size_check', sql`octet_length(${t.logo}) <= 1048576`),
  ],
);

export const cloudAccounts = pgTable(
  'cloud_accounts',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    id: uuid('id').notNull().defaultRandom(),
    provider: text('provider').notNull(),
    billingAccountId: text('billing_account_id').notNull(),
    name: text('name').notNull(),
    // Set for sub-accounts (AWS linked accounts, Azure subscriptions, GCP projects).
    parentAccountId: text('parent_account_id'),
    kind: text('kind').notNull().default('billing'),
    origin: text('origin').notNull().default('manual'),
    archivedAt: tsz('archived_at'),
    createdAt: createdAt(),
    updatedAt: tsz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.id] }),
    uniqueIndex('cloud_accounts_natural_key').on(t.clientId, t.provider, t.billingAccountId),
    check('cloud_accounts_provider_check', sql`${t.provider} in ('aws', 'azure', 'gcp', 'oci')`),
    check('cloud_accounts_kind_check', sql`${t.kind} in ('billing', 'sub')`),
    check('cloud_accounts_origin_check', sql`${t.origin} in ('manual', 'discovered')`),
  ],
);

export const ingestions = pgTable(
  'ingestions',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    id: uuid('id').notNull().defaultRandom(),
    status: text('status').notNull().default('queued'),
    source: text('source').notNull().default('upload'),
    createdBy: uuid('created_by'),
    sha256: text('sha256').notNull(),
    files: jsonb('files').notNull().default([]),
    totalBytes: numeric('total_bytes', { precision: 20, scale: 0 }).notNull().default('0'),
    format: text('format'),
    progress: jsonb('progress').notNull().default({}),
    periods: jsonb('periods').notNull().default([]),
    accounts: jsonb('accounts').notNull().default([]),
    rowsRead: integer('rows_read').notNull().default(0),
    rowsLoaded: integer('rows_loaded').notNull().default(0),
    rowsRejected: integer('rows_rejected').notNull().default(0),
    rejects: jsonb('rejects').notNull().default([]),
    totals: jsonb('totals').notNull().default([]),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    supersededBy: uuid('superseded_by'),
    heartbeatAt: tsz('heartbeat_at'),
    startedAt: tsz('started_at'),
    finishedAt: tsz('finished_at'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.id] }),
    index('ingestions_client_created_idx').on(t.clientId, t.createdAt),
    // One live ingestion per content: two uploads of the same bytes racing each other end as one
    // row, and the loser answers with the winner (a failed or superseded one may be sent again).
    uniqueIndex('ingestions_live_sha_key')
      .on(t.clientId, t.sha256)
      .where(sql`${t.status} in ('queued', 'running', 'succeeded')`),
    check(
      'ingestions_status_check',
      sql`${t.status} in ('queued', 'running', 'succeeded', 'failed', 'superseded')`,
    ),
  ],
);

/** Columns shared by the live fact table and its staging twin. */
const factColumns = () => ({
  clientId: uuid('client_id').notNull(),
  ingestionId: uuid('ingestion_id').notNull(),
  provider: text('provider').notNull(),
  billingAccountId: text('billing_account_id').notNull(),
  billingAccountName: text('billing_account_name'),
  subAccountId: text('sub_account_id'),
  subAccountName: text('sub_account_name'),
  billingPeriodStart: date('billing_period_start', { mode: 'string' }).notNull(),
  chargeDate: date('charge_date', { mode: 'string' }).notNull(),
  serviceName: text('service_name'),
  serviceCategory: text('service_category'),
  serviceCode: text('service_code'),
  regionId: text('region_id'),
  resourceId: text('resource_id'),
  resourceType: text('resource_type'),
  skuId: text('sku_id'),
  usageType: text('usage_type'),
  operation: text('operation'),
  instanceType: text('instance_type'),
  lineItemType: text('line_item_type'),
  chargeCategory: text('charge_category').notNull(),
  chargeClass: text('charge_class'),
  pricingCategory: text('pricing_category'),
  commitmentId: text('commitment_id'),
  commitmentType: text('commitment_type'),
  commitmentCategory: text('commitment_category'),
  commitmentStatus: text('commitment_status'),
  billingCurrency: text('billing_currency').notNull(),
  tags: jsonb('tags').notNull().default({}),
  x: jsonb('x').notNull().default({}),
  billedCost: numeric('billed_cost', { precision: 24, scale: 10 }).notNull(),
  netBilledCost: numeric('net_billed_cost', { precision: 24, scale: 10 }).notNull(),
  effectiveCost: numeric('effective_cost', { precision: 24, scale: 10 }).notNull(),
  netEffectiveCost: numeric('net_effective_cost', { precision: 24, scale: 10 }).notNull(),
  listCost: numeric('list_cost', { precision: 24, scale: 10 }).notNull(),
  usageQuantity: numeric('usage_quantity', { precision: 30, scale: 10 }),
  usageUnit: text('usage_unit'),
  lineCount: integer('line_count').notNull(),
});

export const costDaily = pgTable(
  'cost_daily',
  {
    ...factColumns(),
    id: bigserial('id', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.id] }),
    index('cost_daily_client_day_idx').on(t.clientId, t.chargeDate),
    index('cost_daily_period_idx').on(
      t.clientId,
      t.provider,
      t.billingAccountId,
      t.billingPeriodStart,
    ),
    index('cost_daily_resource_idx').on(t.clientId, t.resourceId),
    check(
      'cost_daily_charge_category_check',
      sql`${t.chargeCategory} in ('Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment')`,
    ),
  ],
);

/**
 * `cost_daily` summed over everything the summary, breakdown and trend read except per-resource
 * detail (resource, usage type, operation, SKU, tag values): one row per day (`grain` 'day') and
 * one per calendar month (`grain` 'month', `charge_date` is then the month's first day). Kept
 * right by `refreshRollup()` in the transaction that writes the facts of a period; every row
 * belongs to one (provider, billing account, billing period), the unit a swap replaces.
 */
export const costDailyRollup = pgTable(
  'cost_daily_rollup',
  {
    clientId: uuid('client_id').notNull(),
    id: bigserial('id', { mode: 'number' }).notNull(),
    grain: text('grain').notNull(),
    provider: text('provider').notNull(),
    billingAccountId: text('billing_account_id').notNull(),
    billingAccountName: text('billing_account_name'),
    subAccountId: text('sub_account_id'),
    subAccountName: text('sub_account_name'),
    billingPeriodStart: date('billing_period_start', { mode: 'string' }).notNull(),
    chargeDate: date('charge_date', { mode: 'string' }).notNull(),
    serviceName: text('service_name'),
    serviceCategory: text('service_category'),
    regionId: text('region_id'),
    lineItemType: text('line_item_type'),
    chargeCategory: text('charge_category').notNull(),
    pricingCategory: text('pricing_category'),
    commitmentId: text('commitment_id'),
    commitmentType: text('commitment_type'),
    commitmentStatus: text('commitment_status'),
    billingCurrency: text('billing_currency').notNull(),
    /** The group's facts carry at least one tag (`tags <> '{}'`); a grouping key, not a sum. */
    tagged: boolean('tagged').notNull(),
    billedCost: numeric('billed_cost', { precision: 30, scale: 10 }).notNull(),
    netBilledCost: numeric('net_billed_cost', { precision: 30, scale: 10 }).notNull(),
    effectiveCost: numeric('effective_cost', { precision: 30, scale: 10 }).notNull(),
    netEffectiveCost: numeric('net_effective_cost', { precision: 30, scale: 10 }).notNull(),
    listCost: numeric('list_cost', { precision: 30, scale: 10 }).notNull(),
    lineCount: bigint('line_count', { mode: 'number' }).notNull(),
    factCount: integer('fact_count').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.id] }),
    index('cost_daily_rollup_client_day_idx').on(t.clientId, t.grain, t.chargeDate),
    index('cost_daily_rollup_period_idx').on(
      t.clientId,
      t.provider,
      t.billingAccountId,
      t.billingPeriodStart,
    ),
    check('cost_daily_rollup_grain_check', sql`${t.grain} in ('day', 'month')`),
  ],
);

/** Rows of an ingestion in flight; swapped into cost_daily in one transaction, then deleted. */
export const costDailyStaging = pgTable(
  'cost_daily_staging',
  {
    ...factColumns(),
    id: bigserial('id', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.id] }),
    index('cost_daily_staging_ingestion_idx').on(t.clientId, t.ingestionId),
  ],
);

/* ----------------------------------------------------------------------------------------------
 * Findings. One row per (rule, resource) and client, kept across recomputes so its lifecycle
 * (open → dismissed | resolved → reopened) and history survive. Money is NUMERIC; `facts` and
 * `reasoning` are the rule's numbers and its sentence in every locale at the last recompute.
 * -------------------------------------------------------------------------------------------- */

export const findings = pgTable(
  'findings',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    id: uuid('id').notNull().defaultRandom(),
    ruleId: text('rule_id').notNull(),
    /** provider, billing account and resource id joined; the dedup and uniqueness key. */
    resourceKey: text('resource_key').notNull(),
    resourceId: text('resource_id').notNull(),
    provider: text('provider').notNull(),
    billingAccountId: text('billing_account_id').notNull(),
    subAccountId: text('sub_account_id'),
    serviceName: text('service_name'),
    regionId: text('region_id'),
    currency: text('currency').notNull(),
    category: text('category').notNull(),
    status: text('status').notNull().default('open'),
    monthlyCost: numeric('monthly_cost', { precision: 20, scale: 2 }).notNull(),
    monthlySavings: numeric('monthly_savings', { precision: 20, scale: 2 }).notNull(),
    confidence: text('confidence').notNull(),
    effort: text('effort').notNull(),
    evidence: jsonb('evidence').notNull().default([]),
    facts: jsonb('facts').notNull().default({}),
    reasoning: jsonb('reasoning').notNull().default({}),
    windowStart: date('window_start', { mode: 'string' }).notNull(),
    windowEnd: date('window_end', { mode: 'string' }).notNull(),
    firstSeen: tsz('first_seen').notNull().defaultNow(),
    lastSeen: tsz('last_seen').notNull().defaultNow(),
    dismissedBy: uuid('dismissed_by'),
    dismissedReason: text('dismissed_reason'),
    dismissedAt: tsz('dismissed_at'),
    resolvedBy: uuid('resolved_by'),
    resolvedAt: tsz('resolved_at'),
    resolvedHow: text('resolved_how'),
    updatedAt: tsz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.id] }),
    uniqueIndex('findings_rule_resource_key').on(t.clientId, t.ruleId, t.resourceKey),
    index('findings_status_savings_idx').on(t.clientId, t.status, t.monthlySavings),
    check('findings_status_check', sql`${t.status} in ('open', 'dismissed', 'resolved')`),
    check('findings_resolved_how_check', sql`${t.resolvedHow} in ('manual', 'auto')`),
    check('findings_provider_check', sql`${t.provider} in ('aws', 'azure', 'gcp', 'oci')`),
  ],
);

/** Append-only history of a finding: creation, status changes, who, why and when. */
export const findingEvents = pgTable(
  'finding_events',
  {
    clientId: uuid('client_id').notNull(),
    id: bigserial('id', { mode: 'number' }).notNull(),
    findingId: uuid('finding_id').notNull(),
    type: text('type').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    actorUserId: uuid('actor_user_id'),
    reason: text('reason'),
    details: jsonb('details').notNull().default({}),
    occurredAt: tsz('occurred_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.id] }),
    // client_id in the key so Citus keeps the event beside its finding.
    foreignKey({
      name: 'finding_events_finding_fk',
      columns: [t.clientId, t.findingId],
      foreignColumns: [findings.clientId, findings.id],
    }).onDelete('cascade'),
    index('finding_events_finding_idx').on(t.clientId, t.findingId, t.id),
    check(
      'finding_events_type_check',
      sql`${t.type} in ('opened', 'dismissed', 'resolved', 'reopened')`,
    ),
  ],
);

/** A client's overrides of one rule: on/off and threshold values (validated on write). */
export const ruleSettings = pgTable(
  'rule_settings',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => clients.id),
    ruleId: text('rule_id').notNull(),
    enabled: boolean('enabled'),
    thresholds: jsonb('thresholds').notNull().default({}),
    updatedBy: uuid('updated_by'),
    updatedAt: tsz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.ruleId] })],
);

/**
 * Realized savings: the resource's cost in the 30 days before a finding resolved and in the 30
 * days after (as far as data exists when it is recorded), one row per resolution.
 */
export const savingsLedger = pgTable(
  'savings_ledger',
  {
    clientId: uuid('client_id').notNull(),
    id: uuid('id').notNull().defaultRandom(),
    findingId: uuid('finding_id').notNull(),
    ruleId: text('rule_id').notNull(),
    resourceKey: text('resource_key').notNull(),
    resourceId: text('resource_id').notNull(),
    provider: text('provider').notNull(),
    billingAccountId: text('billing_account_id').notNull(),
    currency: text('currency').notNull(),
    how: text('how').notNull(),
    resolvedOn: date('resolved_on', { mode: 'string' }).notNull(),
    beforeFrom: date('before_from', { mode: 'string' }).notNull(),
    beforeTo: date('before_to', { mode: 'string' }).notNull(),
    afterFrom: date('after_from', { mode: 'string' }).notNull(),
    afterTo: date('after_to', { mode: 'string' }),
    afterDays: integer('after_days').notNull(),
    cost30dBefore: numeric('cost_30d_before', { precision: 24, scale: 10 }).notNull(),
    cost30dAfter: numeric('cost_30d_after', { precision: 24, scale: 10 }).notNull(),
    // Null until one day of data after the resolution exists.
    realizedMonthly: numeric('realized_monthly', { precision: 20, scale: 2 }),
    estimatedMonthly: numeric('estimated_monthly', { precision: 20, scale: 2 }).notNull(),
    recordedBy: uuid('recorded_by'),
    recordedAt: tsz('recorded_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.id] }),
    foreignKey({
      name: 'savings_ledger_finding_fk',
      columns: [t.clientId, t.findingId],
      foreignColumns: [findings.clientId, findings.id],
    }).onDelete('cascade'),
    index('savings_ledger_recorded_idx').on(t.clientId, t.recordedAt),
    check('savings_ledger_how_check', sql`${t.how} in ('manual', 'auto')`),
  ],
);

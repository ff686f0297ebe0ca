/**
 * The typed models of the executive reports. A stats provider builds one model per export from
 * the analytics, findings and admin services; the PDF, CSV and XLSX exporters only format it, so
 * the three formats carry the same numbers.
 *
 * Money rules, which every provider must honour:
 * - Amounts are `Decimal` strings exactly as PostgreSQL NUMERIC returns them ("1234.5600000000",
 *   "-12.5"). Exporters turn them into display text or spreadsheet numbers at the last moment,
 *   so no rounding happens before the reader sees a figure.
 * - Every amount travels with its ISO 4217 currency. Amounts in different currencies are never
 *   added up: figures that would mix them are lists with one entry per currency.
 * - A figure that cannot be computed (no month last year, no list price, no eligible spend) is
 *   `null` and renders as "—" or an empty cell, never as 0.
 */
import type { Readable } from 'node:stream';

import type { RequestContext } from '../../http/context.js';

/** A decimal number as text: optional minus, digits, optional fraction ("-12.5", "100.0000"). */
export type Decimal = string;

/** ISO 4217 code, e.g. "USD", "BRL", "MXN". */
export type CurrencyCode = string;

/** A share in [0, 1] (or beyond for growth rates): 0.125 means 12.5 %. */
export type Ratio = number;

/** Calendar date "YYYY-MM-DD" (billing days have no time zone). */
export type IsoDate = string;

/** Calendar month "YYYY-MM". */
export type IsoMonth = string;

/** Instant as ISO 8601 with offset, e.g. "2024-10-01T14:05:00.000Z". */
export type IsoDateTime = string;

export const REPORT_LOCALES = ['es', 'en', 'pt-BR'] as const;
export type ReportLocale = (typeof REPORT_LOCALES)[number];

/** The FOCUS cost columns a report may be computed on. */
export const COST_METRICS = [
  'billed_cost',
  'net_billed_cost',
  'effective_cost',
  'net_effective_cost',
  'list_cost',
] as const;
export type CostMetric = (typeof COST_METRICS)[number];

export interface Money {
  amount: Decimal;
  currency: CurrencyCode;
}

/**
 * Rows that may be far too many to hold at once (the daily detail of a client with millions of
 * facts). Exporters iterate a source exactly once, so a provider hands a fresh cursor-backed
 * iterable to every export; plain arrays are fine for small data and tests.
 */
export type RowSource<T> = Iterable<T> | AsyncIterable<T>;

/** The reporting window. `from` and `to` are inclusive billing days. */
export interface ReportPeriod {
  from: IsoDate;
  to: IsoDate;
  /** Set when the window is exactly one calendar month (the default report). */
  month: IsoMonth | null;
}

/** Facts about the export itself, shown on the cover and in every footer. */
export interface ReportCover {
  period: ReportPeriod;
  generatedAt: IsoDateTime;
  /** IANA zone in which times are shown to the reader (the client's, else "UTC"). */
  timeZone: string;
  language: ReportLocale;
  requestId: string;
}

/* --------------------------------------------------------------------------------------------
 * Client report
 * ------------------------------------------------------------------------------------------ */

export interface ClientReportCover extends ReportCover {
  clientName: string;
  /** Lower-case slug, `^[a-z0-9][a-z0-9-]{1,62}$` (the file name carries it). */
  clientSlug: string;
  metric: CostMetric;
  /** The client's reporting currency; listed first wherever figures are grouped by currency. */
  currency: CurrencyCode;
  /** Every currency present in the period, reporting currency first. */
  currencies: CurrencyCode[];
}

/** A figure compared with a reference period; all three are null when the reference is missing. */
export interface Comparison {
  reference: Decimal | null;
  /** current − reference. */
  change: Decimal | null;
  /** change / reference; null as well when the reference is 0. */
  changeRatio: Ratio | null;
}

/** The key figures of one currency. */
export interface KeyFigures {
  currency: CurrencyCode;
  totalSpend: Decimal;
  vsPreviousMonth: Comparison;
  vsSameMonthLastYear: Comparison;
  /** Projected spend of the whole month; null for closed periods or too little history. */
  forecast: Decimal | null;
  /** Null when no findings source is available (the findings module is not wired). */
  potentialMonthlySavings: Decimal | null;
  realizedSavings: Decimal | null;
  effectiveSavingsRate: Ratio | null;
  commitmentCoverage: Ratio | null;
  tagCoverage: Ratio | null;
}

export interface MonthlyCategorySpend {
  month: IsoMonth;
  /** FOCUS ServiceCategory ("Compute", "Storage", …) or the provider's "Other". */
  category: string;
  currency: CurrencyCode;
  amount: Decimal;
}

export interface ServiceSpend {
  /** 1-based rank within its currency. */
  rank: number;
  serviceName: string;
  category: string;
  currency: CurrencyCode;
  amount: Decimal;
  /** Share of the currency's total spend. */
  share: Ratio | null;
  vsPreviousMonth: Comparison;
  /**
   * The row that makes the list add up to the total: services below the top ones and credits
   * (negative spend). Exporters label it "Other / credits" and give it no rank.
   */
  remainder?: boolean;
}

export interface AccountSpend {
  provider: string;
  accountId: string;
  accountName: string | null;
  currency: CurrencyCode;
  amount: Decimal;
  share: Ratio | null;
}

export type AnomalySeverity = 'low' | 'medium' | 'high';

export interface DailyAnomaly {
  expected: Decimal;
  severity: AnomalySeverity;
  /** What drove it, already in the report's language (e.g. "Amazon EC2 · 123456789012"). */
  driver: string | null;
}

/** One day of the period's trend, per currency; `anomaly` marks the days flagged as unusual. */
export interface DailySpend {
  date: IsoDate;
  currency: CurrencyCode;
  amount: Decimal;
  anomaly: DailyAnomaly | null;
}

/** One row of the daily detail: a day × account × service × region × charge category. */
export interface DailyDetailRow {
  date: IsoDate;
  provider: string;
  accountId: string;
  accountName: string | null;
  serviceCategory: string | null;
  serviceName: string | null;
  region: string | null;
  chargeCategory: string;
  currency: CurrencyCode;
  amount: Decimal;
  /** Values of `ClientReportModel.detailTagKeys`; missing keys are untagged. */
  tags: Readonly<Record<string, string>>;
}

/**
 * One stored daily fact as the FOCUS export reads it: every value as PostgreSQL text (money
 * keeps all its digits), `tags` as JSON text. The exporter maps it to FOCUS 1.2 columns.
 */
export interface FocusFactRow {
  provider: string;
  billing_account_id: string;
  billing_account_name: string | null;
  sub_account_id: string | null;
  sub_account_name: string | null;
  billing_period_start: IsoDate;
  charge_date: IsoDate;
  service_name: string | null;
  service_category: string | null;
  service_code: string | null;
  region_id: string | null;
  resource_id: string | null;
  resource_type: string | null;
  sku_id: string | null;
  usage_type: string | null;
  operation: string | null;
  instance_type: string | null;
  line_item_type: string | null;
  charge_category: string;
  charge_class: string | null;
  pricing_category: string | null;
  commitment_id: string | null;
  commitment_type: string | null;
  commitment_category: string | null;
  commitment_status: string | null;
  billing_currency: CurrencyCode;
  tags: string;
  billed_cost: Decimal;
  net_billed_cost: Decimal;
  effective_cost: Decimal;
  net_effective_cost: Decimal;
  list_cost: Decimal;
  usage_quantity: Decimal | null;
  usage_unit: string | null;
  line_count: number;
}

export type Effort = 'low' | 'medium' | 'high';

export interface FindingSummary {
  id: string;
  /** Already in the report's language. */
  title: string;
  /** Rule family, e.g. "rightsizing", "idle", "commitment". */
  category: string;
  provider: string;
  accountId: string | null;
  serviceName: string | null;
  resourceId: string | null;
  currency: CurrencyCode;
  monthlySavings: Decimal;
  effort: Effort;
}

export interface CommitmentSummary {
  id: string;
  /** "Savings Plan", "Reserved Instance", "Committed Use Discount" … as the provider names it. */
  type: string;
  provider: string;
  /** What it covers, e.g. "Compute · us-east-1". */
  scope: string | null;
  currency: CurrencyCode;
  /** The commitment's cost in the period. */
  periodCost: Decimal;
  /** Saved against on-demand prices in the period. */
  periodSavings: Decimal | null;
  utilization: Ratio | null;
  endDate: IsoDate | null;
}

/** `credit`: negative spend (a refund or credit note), which is neither new usage nor a price. */
export type MoverKind = 'price' | 'usage' | 'new' | 'removed' | 'credit';

/**
 * A service whose spend moved most against the previous month, classified by what dominated:
 * price (rate changed, same usage), usage (more or less consumed), new or removed.
 */
export interface Mover {
  kind: MoverKind;
  serviceName: string;
  accountId: string | null;
  currency: CurrencyCode;
  previous: Decimal;
  current: Decimal;
  change: Decimal;
  /** (new unit price − old unit price) × new quantity; null where no unit price exists. */
  priceEffect: Decimal | null;
  /** (new quantity − old quantity) × old unit price. */
  usageEffect: Decimal | null;
  /**
   * The change that comes from spend with no counterpart in the previous period (a new service
   * or SKU), and from spend that stopped (negative). With the two effects above they add up to
   * `change` on every row, so a reader can check each line.
   */
  newEffect: Decimal | null;
  removedEffect: Decimal | null;
}

/** The two windows the movers compare, as the analytics service answered them. */
export interface MoversComparison {
  current: { from: IsoDate; to: IsoDate };
  previous: { from: IsoDate; to: IsoDate };
  /** The period's data ends before its last day: equal numbers of days are compared. */
  partial: boolean;
  /**
   * The previous window has no data at all: every service would read as new, so the report
   * lists no movers and says there is nothing to compare with.
   */
  previousEmpty?: boolean;
}

export interface MethodologyFacts {
  /** The period's last day with a charge; null when the period has no charge yet. */
  dataThrough: IsoDate | null;
  lastIngestionAt: IsoDateTime | null;
  /** Cloud providers with data in the period. */
  providers: string[];
  /** Required cost-allocation tag keys behind the tag coverage. */
  requiredTagKeys: string[];
  /** Extra remarks in the report's language (partial data, late invoices …). */
  notes: string[];
}

export interface ClientReportModel {
  kind: 'client';
  cover: ClientReportCover;
  /** One entry per currency, reporting currency first. */
  keyFigures: KeyFigures[];
  /** Twelve months ending with the period's month, per category and currency. */
  monthlyTrend: MonthlyCategorySpend[];
  /** Up to ten per currency. */
  topServices: ServiceSpend[];
  accounts: AccountSpend[];
  dailyTrend: DailySpend[];
  /** Tag keys that get a column of their own in the detail. */
  detailTagKeys: string[];
  dailyDetail: RowSource<DailyDetailRow>;
  /** Only findings whose evidence window overlaps the period. */
  topFindings: FindingSummary[];
  /**
   * The span of the evidence windows behind the potential savings and the top findings; null
   * when no finding overlaps the period (or none is wired). Absent in older test models.
   */
  findingsWindow?: { from: IsoDate; to: IsoDate } | null;
  commitments: CommitmentSummary[];
  movers: Mover[];
  /** Absent in models built without the analytics service (tests, samples). */
  moversComparison?: MoversComparison | null;
  methodology: MethodologyFacts;
}

/* --------------------------------------------------------------------------------------------
 * Admin report
 * ------------------------------------------------------------------------------------------ */

export interface AdminReportCover extends ReportCover {
  /** E-mail of the global user who asked for it. */
  generatedBy: string | null;
}

/** The figures of `GET /api/admin/stats`, for the period. */
export interface PlatformFigures {
  clients: { total: number; active: number; suspended: number; newInPeriod: number };
  users: { total: number; active: number; disabled: number };
  memberships: number;
  cloudAccounts: number;
  ingestions: { succeeded: number; failed: number };
  /** Daily facts stored for the period, over all clients. */
  factRows: number;
  spendUnderManagement: Money[];
  potentialMonthlySavings: Money[];
}

export type ClientStatus = 'active' | 'suspended';

export interface AdminClientRow {
  name: string;
  slug: string;
  planCode: string | null;
  planName: string | null;
  status: ClientStatus;
  members: number;
  /** One entry per currency the client is billed in; empty when it has no data. */
  spendUnderManagement: Money[];
  potentialMonthlySavings: Money[];
  lastIngestionAt: IsoDateTime | null;
}

export interface PlanSubscriptions {
  planCode: string;
  planName: string;
  currency: CurrencyCode;
  monthlyPrice: Decimal;
  trialing: number;
  active: number;
  pastDue: number;
  canceled: number;
  /** monthlyPrice × (active + pastDue): what the plan bills each month. */
  monthlyRecurringRevenue: Decimal;
}

export interface SubscriptionSummary {
  plans: PlanSubscriptions[];
  /** Sum of the plans' recurring revenue, per currency. */
  monthlyRecurringRevenue: Money[];
  newInPeriod: number;
  canceledInPeriod: number;
}

export interface SecuritySummary {
  logins: number;
  loginFailures: number;
  lockouts: number;
  privilegedAccesses: number;
  passwordResets: number;
  /** The same counts for the previous period of equal length; null before the first. */
  previous: Omit<SecuritySummary, 'previous'> | null;
}

export interface AdminReportModel {
  kind: 'admin';
  cover: AdminReportCover;
  platform: PlatformFigures;
  clients: RowSource<AdminClientRow>;
  subscriptions: SubscriptionSummary;
  security: SecuritySummary;
}

export type ReportModel = ClientReportModel | AdminReportModel;

/* --------------------------------------------------------------------------------------------
 * Providers (implemented where the services live) and export options
 * ------------------------------------------------------------------------------------------ */

export interface ClientReportParams {
  period: ReportPeriod;
  metric: CostMetric;
  language: ReportLocale;
}

export interface AdminReportParams {
  period: ReportPeriod;
  language: ReportLocale;
}

/** Builds the client report of the actor's client; authorization happens inside `build`. */
export interface ClientReportStatsProvider {
  build(ctx: RequestContext, params: ClientReportParams): Promise<ClientReportModel>;
}

/** Builds the platform report; refuses any actor without a global role. */
export interface AdminReportStatsProvider {
  build(ctx: RequestContext, params: AdminReportParams): Promise<AdminReportModel>;
}

export type ReportFormat = 'pdf' | 'csv' | 'xlsx';

/** A logo for the PDF; SVG is drawn as vectors, PNG and JPEG as an image. */
export interface ReportLogo {
  type: 'png' | 'jpeg' | 'svg';
  data: Buffer;
  /** Pixel size when known (stored logos), so the header can size its box to the logo. */
  width?: number;
  height?: number;
}

export interface PdfExportOptions {
  /** The client's own logo; FinOpsLatam's when absent. */
  logo?: ReportLogo;
}

export interface CsvExportOptions {
  delimiter?: ',' | ';';
  /** Prefix a UTF-8 byte-order mark so Excel on Windows opens the file as UTF-8. */
  bom?: boolean;
  /**
   * Decimal separator of numbers. Spanish- and Portuguese-locale Excel expects ';' between
   * fields and ',' in numbers; ',' is refused together with the ',' delimiter.
   */
  decimalSeparator?: '.' | ',';
}

/** What every exporter returns: the bytes as a stream plus what the HTTP reply needs. */
export interface ReportExport {
  stream: Readable;
  contentType: string;
  fileName: string;
  contentDisposition: string;
  /**
   * Settles when the last byte was produced: the data rows written (for the `report.exported`
   * audit event), or the error that destroyed the stream. Never left as an unhandled rejection.
   */
  done: Promise<{ rows: number }>;
}

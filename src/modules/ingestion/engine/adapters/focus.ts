import { jsonFromPairs, lit, type Mapper } from '../sql.js';
import {
  FOCUS_CHARGE_CATEGORIES,
  monthStart,
  share,
  type FormatAdapter,
  type HeaderInfo,
  type LineSelect,
} from './adapter.js';

/**
 * FOCUS 1.0 / 1.1 / 1.2 (CSV or Parquet), any provider. FOCUS costs are already net of
 * negotiated discounts, so net_* equal their gross columns; `x_*` columns go to `x`.
 */

/** Names only FOCUS uses; a file with these but missing mandatory columns gets bad_header. */
const SIGNATURE = ['BilledCost', 'EffectiveCost', 'ChargePeriodStart', 'ChargeCategory'];

/** Dedicated fact columns take these AWS extension columns; every other x_ column goes to x. */
const MAPPED_X = new Set(['x_servicecode', 'x_usagetype', 'x_operation']);

/** Low-cardinality FOCUS columns without a fact column of their own that the rules read. */
const X_FOCUS_COLUMNS = [
  'ChargeFrequency',
  'CapacityReservationId',
  'CapacityReservationStatus',
  'CommitmentDiscountName',
  'ServiceSubcategory',
  'AvailabilityZone',
  'PublisherName',
  'InvoiceIssuerName',
  'RegionName',
  'ResourceName',
  'SkuPriceId',
];

const PROVIDERS: [RegExp, string][] = [
  [/^(aws|amazon)/i, 'aws'],
  [/^(microsoft|azure)/i, 'azure'],
  [/^(google|gcp)/i, 'gcp'],
  [/^(oracle|oci)/i, 'oci'],
];

function providerExpr(m: Mapper): string {
  const name = m.text('ProviderName');
  const whens = PROVIDERS.map(
    ([re, id]) => `WHEN regexp_matches(${name}, ${lit(re.source)}, 'i') THEN ${lit(id)}`,
  ).join(' ');
  const provider = `CASE ${whens} END`;
  m.check(
    `${provider} IS NULL`,
    `'ProviderName "' || coalesce(left(${name}, 40), '') || '" ' || ` +
      "'is not AWS, Microsoft, Google Cloud or Oracle'",
  );
  return provider;
}

function mapFocus(m: Mapper): LineSelect {
  const start = m.time(['ChargePeriodStart'], { required: true });
  const end = m.time(['ChargePeriodEnd']);
  m.check(`${end} < ${start}`, lit('ChargePeriodEnd is before ChargePeriodStart'));
  const periodStart = m.time(['BillingPeriodStart']);

  const account = m.text('BillingAccountId');
  m.check(`${account} IS NULL`, lit('BillingAccountId is empty'));
  const currency = m.text('BillingCurrency');
  m.check(`${currency} IS NULL`, lit('BillingCurrency is empty'));

  const category = m.text('ChargeCategory');
  const allowed = FOCUS_CHARGE_CATEGORIES.map(lit).join(', ');
  m.check(
    `${category} IS NULL OR ${category} NOT IN (${allowed})`,
    `'ChargeCategory "' || coalesce(left(${category}, 40), '') || '" is not a FOCUS 1.x value'`,
  );

  const billed = m.money(['BilledCost'], { required: true });
  const effective = m.money(['EffectiveCost'], { required: true });

  return {
    provider: providerExpr(m),
    billing_account_id: account,
    billing_account_name: m.text('BillingAccountName'),
    sub_account_id: m.text('SubAccountId'),
    sub_account_name: m.text('SubAccountName'),
    billing_period_start: `coalesce(${monthStart(periodStart)}, ${monthStart(start)})`,
    charge_date: `CAST(${start} AS DATE)`,
    service_name: m.text('ServiceName'),
    service_category: m.text('ServiceCategory'),
    service_code: m.text('x_ServiceCode'),
    region_id: m.text('RegionId'),
    resource_id: m.text('ResourceId'),
    resource_type: m.text('ResourceType'),
    sku_id: m.text('SkuId'),
    usage_type: m.text('x_UsageType'),
    operation: m.text('x_Operation'),
    instance_type: 'NULL::VARCHAR',
    line_item_type: 'NULL::VARCHAR',
    charge_category: category,
    charge_class: m.text('ChargeClass'),
    pricing_category: m.text('PricingCategory'),
    commitment_id: m.text('CommitmentDiscountId'),
    commitment_type: m.text('CommitmentDiscountType'),
    commitment_category: m.text('CommitmentDiscountCategory'),
    commitment_status: m.text('CommitmentDiscountStatus'),
    billing_currency: currency,
    tags: m.jsonObject(['Tags']),
    x: extras(m),
    usage_unit: m.text('ConsumedUnit'),
    billed_cost: billed,
    net_billed_cost: billed,
    effective_cost: effective,
    net_effective_cost: effective,
    list_cost: `coalesce(${m.money(['ListCost'])}, 0)`,
    usage_quantity: m.quantity(['ConsumedQuantity']),
  };
}

function extras(m: Mapper): string {
  const pairs: [string, string][] = [];
  for (const name of X_FOCUS_COLUMNS) {
    if (m.has(name)) pairs.push([name, m.text(name)]);
  }
  for (const column of m.columns) {
    const lower = column.name.toLowerCase();
    if (lower.startsWith('x_') && !MAPPED_X.has(lower)) pairs.push([column.name, m.textOf(column)]);
  }
  return jsonFromPairs(pairs);
}

function version(h: HeaderInfo): string {
  const has = (name: string) => h.lower.has(name.toLowerCase());
  if (['InvoiceId', 'PricingCurrency', 'BillingAccountType'].some(has)) return '1.2';
  if (['CapacityReservationId', 'CommitmentDiscountQuantity', 'SkuMeter'].some(has)) return '1.1';
  return '1.0';
}

export const focusAdapter: FormatAdapter = {
  id: 'focus',
  detect: (h) => share(h, SIGNATURE),
  version,
  required: [
    ['BilledCost'],
    ['EffectiveCost'],
    ['ChargePeriodStart'],
    ['ChargeCategory'],
    ['BillingAccountId'],
    ['BillingCurrency'],
    ['ProviderName'],
  ],
  nullLiterals: ['NULL', 'null'],
  map: mapFocus,
};

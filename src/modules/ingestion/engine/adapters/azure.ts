import { caseMap, estimateProduct, jsonFromPairs, lit, type Mapper } from '../sql.js';
import { monthStart, type FormatAdapter, type HeaderInfo, type LineSelect } from './adapter.js';

/**
 * Azure cost details: EA and MCA (actual or amortized; v2 names such as CostInBillingCurrency),
 * pay-as-you-go v1 (UsageDateTime, PreTaxCost), PascalCase or camelCase (lookups ignore case).
 *
 * Mapping (our decision, documented because Azure has no single "net" column):
 * - billed = effective = net billed = net effective = the file's cost in billing currency
 *   (CostInBillingCurrency, else Cost, else PreTaxCost). An actual-cost file gives cash,
 *   an amortized-cost file gives amortized figures; the header does not say which it is.
 * - list = PayGPrice × Quantity when both are present, else the cost itself.
 * - ChargeType → charge category; PricingModel → pricing category and commitment kind;
 *   Unused{Reservation,SavingsPlan} rows are commitment status Unused.
 * - Numbers may use exponents (`5.64902E-05` in real EA exports).
 * - Dates are ISO or US month/day/year (Azure's CSV exports); day/month order is not guessed.
 */

const COST = ['CostInBillingCurrency', 'Cost', 'PreTaxCost'];
const DATE = ['Date', 'UsageDateTime', 'UsageDate'];
const SUBSCRIPTION = ['SubscriptionId', 'SubscriptionGuid'];

const CHARGE_CATEGORIES: Record<string, string> = {
  Usage: 'Usage',
  UnusedReservation: 'Usage',
  UnusedSavingsPlan: 'Usage',
  Purchase: 'Purchase',
  Tax: 'Tax',
  Refund: 'Credit',
  Credit: 'Credit',
  RoundingAdjustment: 'Adjustment',
};

const SERVICE_CATEGORIES: Record<string, string> = {
  'Virtual Machines': 'Compute',
  'Virtual Machines Licenses': 'Compute',
  'Azure App Service': 'Compute',
  Functions: 'Compute',
  'Container Instances': 'Compute',
  Storage: 'Storage',
  Backup: 'Storage',
  'SQL Database': 'Databases',
  'Azure Cosmos DB': 'Databases',
  'Azure Database for PostgreSQL': 'Databases',
  'Azure Database for MySQL': 'Databases',
  'Redis Cache': 'Databases',
  'Virtual Network': 'Networking',
  Bandwidth: 'Networking',
  'Load Balancer': 'Networking',
  'VPN Gateway': 'Networking',
  'Application Gateway': 'Networking',
  'Azure DNS': 'Networking',
  'Content Delivery Network': 'Networking',
  'Azure Monitor': 'Management and Governance',
  'Log Analytics': 'Management and Governance',
  'Key Vault': 'Security',
  'Microsoft Defender for Cloud': 'Security',
};

function mapAzure(m: Mapper): LineSelect {
  const day = m.time(DATE, { required: true });
  const periodStart = m.time(['BillingPeriodStartDate']);

  const subscription = m.text(...SUBSCRIPTION);
  // Pay-as-you-go v1 files carry no billing account: the subscription is the account.
  const account = m.has('BillingAccountId') ? m.text('BillingAccountId') : subscription;
  m.check(`${account} IS NULL`, lit('BillingAccountId (or SubscriptionId) is empty'));
  const currency = m.text('BillingCurrencyCode', 'BillingCurrency', 'Currency');
  m.check(`${currency} IS NULL`, lit('the billing currency is empty'));

  const chargeType = m.text('ChargeType');
  const pricingModel = m.text('PricingModel');
  const meterCategory = m.text('MeterCategory');
  const commitmentId = `coalesce(${m.text('ReservationId')}, ${m.text('benefitId')})`;

  const cost = m.money(COST, { required: true });
  const payg = m.money(['PayGPrice']);
  const quantity = m.quantity(['Quantity', 'UsageQuantity']);
  const list =
    `CASE WHEN ${payg} IS NOT NULL AND ${quantity} IS NOT NULL ` +
    `THEN ${estimateProduct(payg, quantity)} ELSE ${cost} END`;

  return {
    provider: "'azure'",
    billing_account_id: account,
    billing_account_name: m.text('BillingAccountName'),
    sub_account_id: subscription,
    sub_account_name: m.text('SubscriptionName'),
    billing_period_start: `coalesce(${monthStart(periodStart)}, ${monthStart(day)})`,
    charge_date: `CAST(${day} AS DATE)`,
    service_name: meterCategory,
    service_category: caseMap(meterCategory, SERVICE_CATEGORIES, "'Other'"),
    service_code: m.text('ConsumedService'),
    region_id: `lower(replace(${m.text('ResourceLocation')}, ' ', ''))`,
    resource_id: `lower(${m.text('ResourceId', 'InstanceId')})`,
    resource_type: m.text('ResourceType'),
    sku_id: m.text('MeterId'),
    usage_type: m.text('MeterName'),
    operation: 'NULL::VARCHAR',
    instance_type: instanceType(m),
    line_item_type: chargeType,
    charge_category: `coalesce(${caseMap(chargeType, CHARGE_CATEGORIES, "'Adjustment'")}, 'Usage')`,
    charge_class: `CASE WHEN ${chargeType} = 'Refund' THEN 'Correction' END`,
    pricing_category: caseMap(
      pricingModel,
      { OnDemand: 'Standard', Reservation: 'Committed', SavingsPlan: 'Committed', Spot: 'Dynamic' },
      'NULL',
    ),
    commitment_id: commitmentId,
    commitment_type: caseMap(
      pricingModel,
      { Reservation: 'Reservation', SavingsPlan: 'Savings Plan' },
      'NULL',
    ),
    commitment_category: caseMap(
      pricingModel,
      { Reservation: 'Usage', SavingsPlan: 'Spend' },
      'NULL',
    ),
    commitment_status:
      `CASE WHEN ${chargeType} IN ('UnusedReservation', 'UnusedSavingsPlan') THEN 'Unused' ` +
      `WHEN ${chargeType} = 'Usage' AND ${pricingModel} IN ('Reservation', 'SavingsPlan') ` +
      `THEN 'Used' END`,
    billing_currency: currency,
    tags: m.jsonObject(['Tags'], { wrapBraces: true }),
    x: jsonFromPairs(
      [
        ['resourceGroup', 'ResourceGroup'],
        ['meterSubCategory', 'MeterSubCategory'],
        ['meterRegion', 'MeterRegion'],
        ['reservationName', 'ReservationName'],
        ['benefitName', 'benefitName'],
        ['pricingModel', 'PricingModel'],
        ['frequency', 'Frequency'],
        ['publisherType', 'PublisherType'],
        ['offerId', 'OfferId'],
      ]
        .filter(([, name]) => m.has(name!))
        .map(([key, name]) => [key!, m.text(name!)]),
    ),
    usage_unit: m.text('UnitOfMeasure'),
    billed_cost: cost,
    net_billed_cost: cost,
    effective_cost: cost,
    net_effective_cost: cost,
    list_cost: list,
    usage_quantity: quantity,
  };
}

/** VM size from AdditionalInfo's ServiceType (e.g. Standard_B1s), when the JSON has it. */
function instanceType(m: Mapper): string {
  if (!m.has('AdditionalInfo')) return 'NULL::VARCHAR';
  const info = m.text('AdditionalInfo');
  return `CASE WHEN json_valid(${info}) THEN json_extract_string(${info}, '$.ServiceType') END`;
}

function detect(h: HeaderInfo): number {
  const has = (name: string) => h.lower.has(name.toLowerCase());
  const cost = COST.some(has) || has('paygcostinbillingcurrency');
  const date = DATE.some(has);
  const meter = has('MeterCategory') || has('MeterId');
  const subscription = SUBSCRIPTION.some(has);
  const hits = [cost, date, meter, subscription].filter(Boolean).length;
  return hits / 4;
}

function version(h: HeaderInfo): string {
  const has = (name: string) => h.lower.has(name.toLowerCase());
  if (has('PreTaxCost')) return 'payg-v1';
  if (has('BillingProfileId') && !has('AccountOwnerId')) return 'mca';
  return 'ea';
}

export const azureAdapter: FormatAdapter = {
  id: 'azure-cost-details',
  detect,
  version,
  required: [COST, DATE, SUBSCRIPTION, ['BillingCurrencyCode', 'BillingCurrency', 'Currency']],
  exponents: true,
  map: mapAzure,
};

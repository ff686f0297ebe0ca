import {
  MONEY_TYPE,
  caseMap,
  estimateProduct,
  jsonFromPairs,
  lit,
  type Mapper,
  type SourceColumn,
} from '../sql.js';
import {
  monthStart,
  share,
  type FormatAdapter,
  type HeaderInfo,
  type LineSelect,
} from './adapter.js';

/**
 * AWS Cost and Usage Reports in their three spellings, one mapping:
 * - legacy CSV (`lineItem/UnblendedCost`, tags as `resourceTags/user:Team` columns),
 * - legacy "Athena" snake_case (Parquet, CSV or Hive text: `line_item_unblended_cost`,
 *   `resource_tags_user_team`),
 * - CUR 2.0 (snake_case with `product`, `resource_tags`, `cost_category` and `discount` maps).
 * Metrics follow billing.md §3.2.
 */

type Flavour = 'legacy' | 'snake' | 'cur2';

/** `lineItem/UnblendedCost` → `line_item_unblended_cost`; `ReservationARN` → `…_a_r_n`. */
function athenaName(legacy: string): string[] {
  const [category = '', attribute = ''] = legacy.split('/');
  const perLetter = (s: string) =>
    s
      .replace(/([A-Z])/g, '_$1')
      .toLowerCase()
      .replace(/^_/, '')
      .replace(/[^a-z0-9_]/g, '_');
  const perWord = (s: string) =>
    s
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_');
  const names = [`${perLetter(category)}_${perLetter(attribute)}`];
  names.push(`${perWord(category)}_${perWord(attribute)}`);
  return [...new Set(names)];
}

/** Columns of a file, looked up by their legacy CUR name in whichever spelling is present. */
class AwsColumns {
  private readonly productMap: SourceColumn | undefined;

  constructor(
    readonly m: Mapper,
    readonly flavour: Flavour,
  ) {
    this.productMap = flavour === 'cur2' ? m.find('product') : undefined;
  }

  names(legacy: string): string[] {
    return [legacy, ...athenaName(legacy)];
  }

  has(legacy: string): boolean {
    return this.m.has(...this.names(legacy));
  }

  text(legacy: string): string {
    if (this.has(legacy) || !this.productMap || !legacy.startsWith('product/')) {
      return this.m.text(...this.names(legacy));
    }
    // CUR 2.0 keeps most product attributes in the `product` map, keyed in snake_case.
    // The per-word spelling (`product_product_name`); athenaName lists it last, and alone
    // when both spellings agree (`product_region`).
    const key = athenaName(legacy)
      .at(-1)!
      .replace(/^product_/, '');
    return mapValue(this.productMap, key, this.m);
  }

  money(legacy: string, required = false): string {
    return this.m.money(this.names(legacy), { required });
  }

  zero(legacy: string): string {
    return `coalesce(${this.money(legacy)}, 0)`;
  }
}

function mapValue(column: SourceColumn, key: string, m: Mapper): string {
  return `map_extract_value(${asMap(column, m)}, ${lit(key)})`;
}

/**
 * A CUR 2.0 map column as MAP(VARCHAR, VARCHAR): as it is in Parquet; parsed once per row from
 * its JSON text in CSV (NULL unless a JSON object), however many keys are read from it.
 */
function asMap(column: SourceColumn, m: Mapper): string {
  if (column.type.startsWith('MAP')) return column.ref;
  const text = m.textOf(column);
  // CASE, not AND: json_type throws on text that is not JSON.
  return m.once(
    `CASE WHEN json_valid(${text}) THEN CASE WHEN json_type(${text}) = 'OBJECT' ` +
      `THEN TRY_CAST(json(${text}) AS MAP(VARCHAR, VARCHAR)) END END`,
  );
}

const SERVICE_CATEGORIES: Record<string, string> = {
  AmazonEC2: 'Compute',
  AWSLambda: 'Compute',
  AmazonECS: 'Compute',
  AmazonEKS: 'Compute',
  AWSFargate: 'Compute',
  AmazonLightsail: 'Compute',
  ComputeSavingsPlans: 'Compute',
  AmazonS3: 'Storage',
  AmazonEFS: 'Storage',
  AmazonGlacier: 'Storage',
  AWSBackup: 'Storage',
  AmazonFSx: 'Storage',
  AmazonRDS: 'Databases',
  AmazonDynamoDB: 'Databases',
  AmazonElastiCache: 'Databases',
  AmazonRedshift: 'Databases',
  AmazonDocDB: 'Databases',
  AmazonNeptune: 'Databases',
  AmazonVPC: 'Networking',
  AmazonCloudFront: 'Networking',
  AmazonRoute53: 'Networking',
  AWSELB: 'Networking',
  AWSDataTransfer: 'Networking',
  AWSDirectConnect: 'Networking',
  AmazonApiGateway: 'Networking',
  AmazonCloudWatch: 'Management and Governance',
  AWSCloudTrail: 'Management and Governance',
  AWSConfig: 'Management and Governance',
  AWSCostExplorer: 'Management and Governance',
  AWSSystemsManager: 'Management and Governance',
  AmazonSNS: 'Integration',
  AWSQueueService: 'Integration',
  AmazonSQS: 'Integration',
  AmazonKinesis: 'Analytics',
  AmazonAthena: 'Analytics',
  AWSGlue: 'Analytics',
  AmazonES: 'Analytics',
  AmazonSageMaker: 'AI and Machine Learning',
  AmazonBedrock: 'AI and Machine Learning',
  awskms: 'Security',
  AWSSecretsManager: 'Security',
  AmazonGuardDuty: 'Security',
  AWSShield: 'Security',
  awswaf: 'Security',
  AmazonCognito: 'Identity',
  AmazonECR: 'Developer Tools',
  AWSCodePipeline: 'Developer Tools',
  AWSCodeCommit: 'Developer Tools',
};

const CHARGE_CATEGORIES: Record<string, string> = {
  Usage: 'Usage',
  DiscountedUsage: 'Usage',
  SavingsPlanCoveredUsage: 'Usage',
  SavingsPlanNegation: 'Usage',
  Fee: 'Purchase',
  RIFee: 'Purchase',
  SavingsPlanUpfrontFee: 'Purchase',
  SavingsPlanRecurringFee: 'Purchase',
  Tax: 'Tax',
  Credit: 'Credit',
  Refund: 'Credit',
};

/** Legacy CUR name → key in `x`: the extras the waste rules read (billing.md §2). */
const X_FIELDS: [string, string][] = [
  ['productFamily', 'product/productFamily'],
  ['volumeApiName', 'product/volumeApiName'],
  ['volumeType', 'product/volumeType'],
  ['currentGeneration', 'product/currentGeneration'],
  ['physicalProcessor', 'product/physicalProcessor'],
  ['databaseEngine', 'product/databaseEngine'],
  ['fromLocation', 'product/fromLocation'],
  ['toLocation', 'product/toLocation'],
  ['pricingTerm', 'pricing/term'],
  ['purchaseOption', 'pricing/PurchaseOption'],
  ['billType', 'bill/BillType'],
  ['availabilityZone', 'lineItem/AvailabilityZone'],
  ['reservationEndTime', 'reservation/EndTime'],
  ['savingsPlanEndTime', 'savingsPlan/EndTime'],
  ['savingsPlanOfferingType', 'savingsPlan/OfferingType'],
];

function tagsOf(a: AwsColumns): string {
  const m = a.m;
  if (a.flavour === 'cur2') return cur2Tags(m);

  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  for (const column of m.columns) {
    const key = tagKey(column.name);
    if (key === null || seen.has(key)) continue;
    seen.add(key);
    pairs.push([key, m.textOf(column)]);
  }
  return jsonFromPairs(pairs);
}

/** `resourceTags/user:Team` → `Team`; `resource_tags_aws_created_by` → `aws:created_by`. */
function tagKey(name: string): string | null {
  if (name.startsWith('resourceTags/')) return name.slice(13).replace(/^user:/, '');
  if (name.startsWith('costCategory/')) return name;
  if (name.startsWith('resource_tags_user_')) return name.slice(19);
  if (name.startsWith('resource_tags_aws_')) return `aws:${name.slice(18)}`;
  if (name.startsWith('cost_category_')) return `costCategory/${name.slice(14)}`;
  return null;
}

function cur2Tags(m: Mapper): string {
  const parts: string[] = [];
  const tags = m.find('resource_tags');
  const categories = m.find('cost_category');
  const userKey = "CASE WHEN starts_with(e.key, 'user_') THEN substr(e.key, 6) ELSE e.key END";
  if (tags) parts.push(mapEntries(tags, m, userKey));
  if (categories) parts.push(mapEntries(categories, m, "'costCategory/' || e.key"));
  if (parts.length === 0) return "'{}'";
  const entries = parts.length === 1 ? parts[0]! : `list_concat(${parts.join(', ')})`;
  // `user_team` and `team` both become `team`: the first one wins, so the same tags always
  // give the same JSON text (list_distinct reorders, and a duplicate key fails the map).
  const firstOfKey =
    `list_filter(${entries}, (e, i) -> ` +
    `list_position(list_transform(${entries}, x -> x.k), e.k) = i)`;
  return (
    `CASE WHEN len(${entries}) = 0 THEN '{}' ` +
    `ELSE CAST(to_json(map_from_entries(${firstOfKey})) AS VARCHAR) END`
  );
}

/** Entries {k, v} of a CUR 2.0 map column (MAP in Parquet, JSON text in CSV), empty values out. */
function mapEntries(column: SourceColumn, m: Mapper, keyExpr: string): string {
  const source = `map_entries(${asMap(column, m)})`;
  return (
    `list_transform(list_filter(coalesce(${source}, []), e -> coalesce(e.value, '') <> ''), ` +
    `e -> struct_pack(k := ${keyExpr}, v := e.value))`
  );
}

type MoneyColumn =
  'billed_cost' | 'net_billed_cost' | 'effective_cost' | 'net_effective_cost' | 'list_cost';

function mapAws(m: Mapper, flavour: Flavour): LineSelect {
  const a = new AwsColumns(m, flavour);
  const t = a.text('lineItem/LineItemType');
  const productCode = a.text('lineItem/ProductCode');
  const usageType = a.text('lineItem/UsageType');
  const riArn = a.text('reservation/ReservationARN');
  const spArn = a.text('savingsPlan/SavingsPlanARN');

  const start = m.time(a.names('lineItem/UsageStartDate'), { required: true });
  const end = m.time(a.names('lineItem/UsageEndDate'));
  m.check(`${end} < ${start}`, lit('lineItem/UsageEndDate is before lineItem/UsageStartDate'));
  const periodStart = m.time(a.names('bill/BillingPeriodStartDate'));

  const payer = a.text('bill/PayerAccountId');
  m.check(`${payer} IS NULL`, lit('bill/PayerAccountId is empty'));
  const currency = a.has('lineItem/CurrencyCode') ? a.text('lineItem/CurrencyCode') : "'USD'";
  m.check(`${currency} IS NULL`, lit('lineItem/CurrencyCode is empty'));

  const unblended = a.money('lineItem/UnblendedCost', true);
  const metrics = awsMetrics(a, t, unblended, productCode, riArn);

  return {
    provider: "'aws'",
    billing_account_id: payer,
    billing_account_name: a.text('bill/PayerAccountName'),
    sub_account_id: a.text('lineItem/UsageAccountId'),
    sub_account_name: a.text('lineItem/UsageAccountName'),
    billing_period_start: `coalesce(${monthStart(periodStart)}, ${monthStart(start)})`,
    charge_date: `CAST(${start} AS DATE)`,
    service_name: `coalesce(${a.text('product/ProductName')}, ${productCode})`,
    service_category: caseMap(productCode, SERVICE_CATEGORIES, "'Other'"),
    service_code: productCode,
    region_id: `coalesce(${a.text('product/regionCode')}, ${a.text('product/region')})`,
    resource_id: a.text('lineItem/ResourceId'),
    resource_type: 'NULL::VARCHAR',
    sku_id: a.text('product/sku'),
    usage_type: usageType,
    operation: a.text('lineItem/Operation'),
    instance_type: a.text('product/instanceType'),
    line_item_type: t,
    charge_category: caseMap(
      t,
      CHARGE_CATEGORIES,
      `CASE WHEN ${t} LIKE '%Discount' THEN 'Credit' ELSE 'Adjustment' END`,
    ),
    charge_class: `CASE WHEN ${t} = 'Refund' THEN 'Correction' END`,
    pricing_category:
      `CASE WHEN ${t} IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Committed' ` +
      `WHEN ${t} NOT IN ('Usage', 'SavingsPlanNegation') THEN NULL ` +
      `WHEN ${usageType} LIKE '%SpotUsage%' THEN 'Dynamic' ELSE 'Standard' END`,
    commitment_id: `coalesce(${spArn}, ${riArn})`,
    commitment_type:
      `CASE WHEN ${spArn} IS NOT NULL THEN 'Savings Plan' ` +
      `WHEN ${riArn} IS NOT NULL THEN 'Reserved Instance' END`,
    commitment_category:
      `CASE WHEN ${spArn} IS NOT NULL THEN 'Spend' ` + `WHEN ${riArn} IS NOT NULL THEN 'Usage' END`,
    commitment_status:
      `CASE WHEN ${t} IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Used' ` +
      `WHEN ${t} IN ('RIFee', 'SavingsPlanRecurringFee') THEN 'Unused' END`,
    billing_currency: currency,
    tags: tagsOf(a),
    x: jsonFromPairs(
      X_FIELDS.filter(([, legacy]) => a.has(legacy) || flavour === 'cur2').map(([key, legacy]) => [
        key,
        a.text(legacy),
      ]),
    ),
    usage_unit: a.text('pricing/unit'),
    ...metrics,
    usage_quantity: m.quantity(a.names('lineItem/UsageAmount')),
  };
}

/** billing.md §3.2: unblended, net unblended, amortized, net amortized, public on-demand. */
function awsMetrics(
  a: AwsColumns,
  t: string,
  unblended: string,
  productCode: string,
  riArn: string,
): Pick<LineSelect, MoneyColumn> {
  const spEffective = a.zero('savingsPlan/SavingsPlanEffectiveCost');
  const spUnused =
    `${a.zero('savingsPlan/TotalCommitmentToDate')} - ` + a.zero('savingsPlan/UsedCommitment');
  const riEffective = a.zero('reservation/EffectiveCost');
  const riUnused =
    `${a.zero('reservation/UnusedAmortizedUpfrontFeeForBillingPeriod')} + ` +
    a.zero('reservation/UnusedRecurringFee');
  const isRiFee = `(${t} = 'Fee' AND coalesce(${riArn}, '') <> '')`;

  const effective =
    `CASE WHEN ${t} = 'SavingsPlanCoveredUsage' THEN ${spEffective} ` +
    `WHEN ${t} = 'SavingsPlanRecurringFee' THEN ${spUnused} ` +
    `WHEN ${t} IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0 ` +
    `WHEN ${t} = 'DiscountedUsage' THEN ${riEffective} ` +
    `WHEN ${t} = 'RIFee' THEN ${riUnused} ` +
    `WHEN ${isRiFee} THEN 0 ` +
    `WHEN ${t} = 'Refund' AND ${productCode} = 'ComputeSavingsPlans' THEN 0 ` +
    `ELSE ${unblended} END`;

  const publicCost = a.money('pricing/publicOnDemandCost');
  const publicRate = a.money('pricing/publicOnDemandRate');
  const amount = a.m.quantity(a.names('lineItem/UsageAmount'));
  // TODO(ingestion): prefer rate × amount as [FC-list] does once rate columns are validated
  // against real CUR 2.0 exports; the CUR's own publicOnDemandCost is already that product.
  const list = `coalesce(${publicCost}, ${estimateProduct(publicRate, amount)}, 0)`;

  // Net columns exist only in months with negotiated discounts; without them the net metrics
  // are the gross ones (billing.md: "every net_* column falls back to its gross column").
  if (!a.has('lineItem/NetUnblendedCost')) {
    return {
      billed_cost: unblended,
      net_billed_cost: unblended,
      effective_cost: effective,
      net_effective_cost: effective,
      list_cost: list,
    };
  }

  const netUnblended = a.money('lineItem/NetUnblendedCost');
  const net = (legacy: string, gross: string) => `coalesce(${a.money(legacy)}, ${a.zero(gross)})`;
  const spFee =
    `${a.zero('savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod')} + ` +
    `${a.zero('savingsPlan/RecurringCommitmentForBillingPeriod')} - ` +
    a.zero('savingsPlan/UsedCommitment');
  const upfront = a.money('savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod');
  const netUpfront = a.money('savingsPlan/NetAmortizedUpfrontCommitmentForBillingPeriod');
  // The discount ratio is a quotient, so it goes through DOUBLE and is rounded back to 10 places.
  const prorate = (num: string, den: string) =>
    `CAST(round(CAST(${spFee} AS DOUBLE) * CAST(${num} AS DOUBLE) / CAST(${den} AS DOUBLE), 10) ` +
    `AS ${MONEY_TYPE})`;
  const netSpFee =
    `CASE WHEN ${netUnblended} IS NOT NULL AND ${unblended} <> 0 ` +
    `THEN ${prorate(netUnblended, unblended)} ` +
    `WHEN ${netUpfront} IS NOT NULL AND coalesce(${upfront}, 0) <> 0 ` +
    `THEN ${prorate(netUpfront, upfront)} ELSE ${spFee} END`;

  const netEffective =
    `CASE WHEN ${t} LIKE '%Discount' THEN 0 ` +
    `WHEN ${t} = 'DiscountedUsage' THEN ` +
    `${net('reservation/NetEffectiveCost', 'reservation/EffectiveCost')} ` +
    `WHEN ${t} = 'SavingsPlanCoveredUsage' THEN ` +
    `${net('savingsPlan/NetSavingsPlanEffectiveCost', 'savingsPlan/SavingsPlanEffectiveCost')} ` +
    `WHEN ${t} = 'RIFee' THEN ` +
    `${net(
      'reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod',
      'reservation/UnusedAmortizedUpfrontFeeForBillingPeriod',
    )} + ` +
    `${net('reservation/NetUnusedRecurringFee', 'reservation/UnusedRecurringFee')} ` +
    `WHEN ${t} = 'SavingsPlanRecurringFee' THEN ${netSpFee} ` +
    `WHEN ${t} IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0 ` +
    `WHEN ${isRiFee} THEN 0 ` +
    `ELSE coalesce(${netUnblended}, ${unblended}) END`;

  return {
    billed_cost: unblended,
    net_billed_cost:
      `CASE WHEN ${t} LIKE '%Discount' THEN 0 ` +
      `ELSE coalesce(${netUnblended}, ${unblended}) END`,
    effective_cost: effective,
    net_effective_cost: netEffective,
    list_cost: list,
  };
}

function awsAdapter(
  id: string,
  flavour: Flavour,
  detect: (header: HeaderInfo) => number,
  version: string,
): FormatAdapter {
  return {
    id,
    detect,
    version: () => version,
    exponents: true,
    required: [
      ['lineItem/UnblendedCost', 'line_item_unblended_cost'],
      ['lineItem/UsageStartDate', 'line_item_usage_start_date'],
      ['bill/PayerAccountId', 'bill_payer_account_id'],
    ],
    map: (m) => mapAws(m, flavour),
  };
}

const LEGACY_SIGNATURE = [
  'lineItem/UnblendedCost',
  'lineItem/UsageStartDate',
  'lineItem/LineItemType',
  'bill/PayerAccountId',
];
const SNAKE_SIGNATURE = [
  'line_item_unblended_cost',
  'line_item_usage_start_date',
  'line_item_line_item_type',
  'bill_payer_account_id',
];

const isCur2 = (h: HeaderInfo) => h.lower.has('product') || h.lower.has('resource_tags');

export const awsCurLegacyAdapter = awsAdapter(
  'aws-cur',
  'legacy',
  (h) => share(h, LEGACY_SIGNATURE),
  'legacy',
);

export const awsCurSnakeAdapter = awsAdapter(
  'aws-cur',
  'snake',
  (h) => (isCur2(h) ? 0 : share(h, SNAKE_SIGNATURE)),
  'legacy-athena',
);

export const awsCur2Adapter = awsAdapter(
  'aws-cur',
  'cur2',
  (h) => (isCur2(h) ? share(h, SNAKE_SIGNATURE) : 0),
  '2.0',
);

import { jsonFromPairs, lit, type Mapper } from '../sql.js';
import { share, type FormatAdapter, type LineSelect } from './adapter.js';

/**
 * GCP BigQuery billing export flattened to CSV (`service.description`, `cost`, `credits`).
 * GCP writes small costs in scientific notation (`5e-06`), so this adapter, and only this one,
 * accepts exponents. `credits` arrives in Python-literal syntax in the public samples; it is not
 * parsed, so billed = effective = cost before credits (credits are separate lines in the
 * standard export only when exported that way).
 * TODO(ingestion): fold `credits[].amount` into net costs once a JSON-syntax sample is at hand.
 */

const SIGNATURE = ['billing_account_id', 'service.description', 'usage_start_time', 'cost'];

function mapGcp(m: Mapper): LineSelect {
  const start = m.time(['usage_start_time'], { required: true });
  const end = m.time(['usage_end_time']);
  m.check(`${end} < ${start}`, lit('usage_end_time is before usage_start_time'));

  const account = m.text('billing_account_id');
  m.check(`${account} IS NULL`, lit('billing_account_id is empty'));
  const currency = m.text('currency');
  m.check(`${currency} IS NULL`, lit('currency is empty'));
  const month = m.text('invoice.month');
  const period =
    `coalesce(try_strptime(${month} || '01', '%Y%m%d')::DATE, ` +
    `CAST(date_trunc('month', ${start}) AS DATE))`;
  const cost = m.money(['cost'], { required: true });
  const costType = m.text('cost_type');

  return {
    provider: "'gcp'",
    billing_account_id: account,
    billing_account_name: 'NULL::VARCHAR',
    sub_account_id: m.text('project.id'),
    sub_account_name: m.text('project.name'),
    billing_period_start: period,
    charge_date: `CAST(${start} AS DATE)`,
    service_name: m.text('service.description'),
    service_category: 'NULL::VARCHAR',
    service_code: m.text('service.id'),
    region_id: m.text('location.region', 'location.location'),
    resource_id: m.text('resource.global_name', 'resource.name'),
    resource_type: 'NULL::VARCHAR',
    sku_id: m.text('sku.id'),
    usage_type: m.text('sku.description'),
    operation: 'NULL::VARCHAR',
    instance_type: 'NULL::VARCHAR',
    line_item_type: costType,
    charge_category:
      `CASE ${costType} WHEN 'tax' THEN 'Tax' WHEN 'adjustment' THEN 'Adjustment' ` +
      `WHEN 'rounding_error' THEN 'Adjustment' ELSE 'Usage' END`,
    charge_class: 'NULL::VARCHAR',
    pricing_category: 'NULL::VARCHAR',
    commitment_id: 'NULL::VARCHAR',
    commitment_type: 'NULL::VARCHAR',
    commitment_category: 'NULL::VARCHAR',
    commitment_status: 'NULL::VARCHAR',
    billing_currency: currency,
    tags: "'{}'",
    x: jsonFromPairs(m.has('location.zone') ? [['zone', m.text('location.zone')]] : []),
    usage_unit: m.text('usage.unit'),
    billed_cost: cost,
    net_billed_cost: cost,
    effective_cost: cost,
    net_effective_cost: cost,
    list_cost: cost,
    usage_quantity: m.quantity(['usage.amount']),
  };
}

export const gcpAdapter: FormatAdapter = {
  id: 'gcp-billing-export',
  detect: (h) => share(h, SIGNATURE),
  version: () => 'bigquery-csv',
  exponents: true,
  required: [['billing_account_id'], ['cost'], ['usage_start_time'], ['currency']],
  map: mapGcp,
};

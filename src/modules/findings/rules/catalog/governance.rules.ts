import { sql } from 'drizzle-orm';

import { defineRule, type AnyRule } from '../rules.fns.js';
import { money, resourceRule } from '../rules.sql.js';

/* ---------------------------------------------------------------------------------------------
 * AWS Config recording cost (A2), per sub-account and region. Billing shows how many
 * configuration items were recorded, not which resource types churn, so the saving rests on
 * an adjustable assumption (reducibleShare) and the confidence is low.
 * TODO(findings): replace reducibleShare with a per-resource-type estimate once ingestion or
 * a Config connector provides configuration-item counts by resource type.
 * ------------------------------------------------------------------------------------------- */

type ConfigThresholds = {
  minMonthlySavings: number;
  minMonthlyCost: number;
  minShareOfAccount: number;
  reducibleShare: number;
};

const configRecording = defineRule<ConfigThresholds>({
  id: 'aws.config.recording_cost',
  category: 'governance',
  providers: ['aws'],
  confidence: 'low',
  effort: 'low',
  enabledByDefault: true,
  defaults: {
    minMonthlySavings: 1,
    minMonthlyCost: 20,
    minShareOfAccount: 0.02,
    reducibleShare: 0.5,
  },
  savingsFormula:
    'Config configuration-item cost / days × 30 × reducibleShare (assumed share avoidable by ' +
    'excluding high-churn resource types or recording them daily)',
  text: {
    es: {
      title: 'Costo de grabación de AWS Config',
      description:
        'AWS Config cobra por cada elemento de configuración grabado; recursos que cambian ' +
        'mucho (ENI, volúmenes efímeros, tareas ECS) lo encarecen.',
      remediation:
        'Excluya los tipos de recurso de alta rotación o grábelos a diario (periodic) en ' +
        'Config › Settings › Recording strategy, o `aws configservice ' +
        'put-configuration-recorder` con recordingMode.',
      reason:
        'Config grabó {configMonthly} {currency} al mes en {resourceId} ({sharePct} % del ' +
        'costo de la cuenta); si se evita el {reduciblePct} %, el ahorro es {monthlySavings} ' +
        '{currency} al mes (supuesto ajustable).',
    },
    en: {
      title: 'AWS Config recording cost',
      description:
        'AWS Config bills each configuration item recorded; resources that change often ' +
        '(ENIs, short-lived volumes, ECS tasks) drive it up.',
      remediation:
        'Exclude high-churn resource types or record them daily (periodic) in Config › ' +
        'Settings › Recording strategy, or `aws configservice put-configuration-recorder` with ' +
        'a recordingMode.',
      reason:
        'Config recorded {configMonthly} {currency} a month in {resourceId} ({sharePct} % of ' +
        'the account\'s cost); avoiding {reduciblePct} % of it saves {monthlySavings} ' +
        '{currency} a month (an adjustable assumption).',
    },
    'pt-BR': {
      title: 'Custo de gravação do AWS Config',
      description:
        'O AWS Config cobra por item de configuração gravado; recursos que mudam muito (ENIs, ' +
        'volumes efêmeros, tarefas ECS) encarecem a conta.',
      remediation:
        'Exclua os tipos de recurso de alta rotatividade ou grave-os diariamente (periodic) em ' +
        'Config › Settings › Recording strategy, ou `aws configservice ' +
        'put-configuration-recorder` com recordingMode.',
      reason:
        'O Config gravou {configMonthly} {currency} por mês em {resourceId} ({sharePct} % do ' +
        'custo da conta); evitando {reduciblePct} %, a economia é {monthlySavings} {currency} ' +
        'por mês (premissa ajustável).',
    },
  },
  query: (ctx, th) =>
    resourceRule(ctx, {
      providers: ['aws'],
      key: sql`'aws-config:' || coalesce(sub_account_id, billing_account_id) || ':'
        || coalesce(region_id, 'global')`,
      match: sql`ut like '%ConfigurationItemRecorded%'`,
      costBasis: 'matched',
      where: sql`matched_monthly >= ${th.minMonthlyCost}::numeric
        and matched_cost / nullif(resource_cost, 0) >= ${th.minShareOfAccount}::numeric`,
      savings: sql`matched_monthly * ${th.reducibleShare}::numeric`,
      facts: {
        configMonthly: money(sql`matched_monthly`),
        sharePct: sql`round(matched_cost / nullif(resource_cost, 0) * 100, 1)::text`,
        reduciblePct: sql`round(${th.reducibleShare}::numeric * 100)`,
      },
    }),
});

/* ---------------------------------------------------------------------------------------------
 * Untagged spend (A4), per sub-account: usage cost of resources missing any required tag key.
 * Keys compare loosely (case, `user:`/`user_` prefixes of CUR, punctuation), so "CostCenter",
 * "user:cost-center" and "cost_center" are one key. No saving: it is a governance KPI.
 * ------------------------------------------------------------------------------------------- */

type UntaggedThresholds = {
  minMonthlySavings: number;
  requiredTagKeys: readonly string[];
  maxUntaggedShare: number;
  minMonthlyUntaggedCost: number;
};

function missingAnyTag(keys: readonly string[]) {
  const norm = (expr: ReturnType<typeof sql>) =>
    sql`regexp_replace(regexp_replace(lower(${expr}), '^user[:_]', ''), '[^a-z0-9]', '', 'g')`;
  return sql`exists (
    select 1 from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) req(name)
    where not exists (
      select 1
      from jsonb_each_text(case when jsonb_typeof(tags) = 'object' then tags
                                else '{}'::jsonb end) t
      where ${norm(sql`t.key`)} = ${norm(sql`req.name`)} and coalesce(t.value, '') <> ''))`;
}

const TAGGABLE = sql`(charge_category = 'Usage' and resource_id is not null and resource_id <> '')`;

const untaggedSpend = defineRule<UntaggedThresholds>({
  id: 'multi.tags.untagged_spend',
  category: 'governance',
  providers: ['aws', 'azure', 'gcp', 'oci'],
  confidence: 'high',
  effort: 'medium',
  enabledByDefault: true,
  defaults: {
    minMonthlySavings: 0,
    requiredTagKeys: ['owner', 'environment', 'cost-center'],
    maxUntaggedShare: 0.2,
    minMonthlyUntaggedCost: 100,
  },
  savingsFormula: 'none: governance KPI; monthly cost = untagged usage cost / days × 30',
  text: {
    es: {
      title: 'Gasto sin etiquetas obligatorias',
      description:
        'Costo de recursos a los que les falta alguna etiqueta obligatoria: no se puede ' +
        'asignar a un equipo, proyecto o centro de costo.',
      remediation:
        'Etiquete los recursos de la evidencia y exija las etiquetas con Tag Policies de AWS ' +
        'Organizations, Azure Policy o restricciones de organización en GCP; active las ' +
        'etiquetas como cost allocation tags.',
      reason:
        '{untaggedPct} % del uso de {resourceId} ({untaggedMonthly} {currency} al mes) no ' +
        'tiene todas las etiquetas {requiredKeys}.',
    },
    en: {
      title: 'Spend missing required tags',
      description:
        'Cost of resources missing a required tag: it cannot be allocated to a team, project ' +
        'or cost center.',
      remediation:
        'Tag the resources in the evidence and enforce the keys with AWS Organizations tag ' +
        'policies, Azure Policy or GCP organization constraints; activate them as cost ' +
        'allocation tags.',
      reason:
        '{untaggedPct} % of the usage in {resourceId} ({untaggedMonthly} {currency} a month) ' +
        'lacks some of the tags {requiredKeys}.',
    },
    'pt-BR': {
      title: 'Gasto sem as tags obrigatórias',
      description:
        'Custo de recursos sem alguma tag obrigatória: não pode ser alocado a um time, ' +
        'projeto ou centro de custo.',
      remediation:
        'Aplique tags aos recursos da evidência e exija as chaves com Tag Policies do AWS ' +
        'Organizations, Azure Policy ou restrições de organização no GCP; ative-as como cost ' +
        'allocation tags.',
      reason:
        '{untaggedPct} % do uso em {resourceId} ({untaggedMonthly} {currency} por mês) não ' +
        'tem todas as tags {requiredKeys}.',
    },
  },
  query: (ctx, th) =>
    resourceRule(ctx, {
      providers: ['aws', 'azure', 'gcp', 'oci'],
      key: sql`'untagged:' || coalesce(sub_account_id, billing_account_id)`,
      match: sql`${TAGGABLE} and ${missingAnyTag(th.requiredTagKeys)}`,
      aggregates: { taggable_cost: sql`coalesce(sum(cost) filter (where ${TAGGABLE}), 0)` },
      costBasis: 'matched',
      informational: true,
      where: sql`taggable_cost > 0
        and matched_cost / taggable_cost >= ${th.maxUntaggedShare}::numeric
        and matched_monthly >= ${th.minMonthlyUntaggedCost}::numeric`,
      savings: sql`0`,
      facts: {
        untaggedPct: sql`round(matched_cost / taggable_cost * 100, 1)::text`,
        untaggedMonthly: money(sql`matched_monthly`),
        requiredKeys: sql`${th.requiredTagKeys.join(', ')}::text`,
      },
    }),
});

export const governanceRules: readonly AnyRule[] = [configRecording, untaggedSpend];

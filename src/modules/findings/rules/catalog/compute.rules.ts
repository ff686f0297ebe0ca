import { sql, type SQL } from 'drizzle-orm';

import { defineRule, type AnyRule } from '../rules.fns.js';
import { EC2_BOX_USAGE, money, resourceRule } from '../rules.sql.js';

/*
 * Instance families. A family is "previous generation" when CUR says so (x.currentGeneration)
 * or, for FOCUS rows without that column, when it is in the list below. Graviton siblings
 * exist for the Intel and AMD families listed; CID prices the move at 20 % and 10 %.
 */
export const PREVIOUS_GENERATION =
  '^(t1|m1|m2|m3|m4|c1|c3|c4|cc2|cr1|g2|g3|hi1|hs1|i2|r3|r4|d2|p2|x1|x1e)$';
export const INTEL_WITH_GRAVITON =
  '^(t2|t3|m4|m5|m5d|m5n|m6i|m6id|m7i|m7i-flex|c4|c5|c5d|c5n|c6i|c6id|c7i|c7i-flex|r4|r5|r5d' +
  '|r5n|r6i|r6id|r7i)$';
export const AMD_WITH_GRAVITON = '^(t3a|m5a|m5ad|m6a|m7a|c5a|c5ad|c6a|c7a|r5a|r5ad|r6a|r7a)$';

/**
 * Usage that can move to another instance type without breaking a commitment: on demand, or
 * covered by a (flexible) Savings Plan. Reserved and Spot hours are left alone.
 */
const FLEXIBLE_USAGE = sql`(charge_category = 'Usage' and ut not like '%SpotUsage%'
  and coalesce(line_item_type, 'Usage') in ('Usage', 'SavingsPlanCoveredUsage')
  and coalesce(commitment_category, 'Spend') = 'Spend')`;

type RateThresholds = { minMonthlySavings: number; savingsRate: number };

const previousGeneration = defineRule<RateThresholds>({
  id: 'aws.ec2.previous_generation',
  category: 'compute',
  providers: ['aws'],
  confidence: 'medium',
  effort: 'medium',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1, savingsRate: 0.05 },
  savingsFormula: 'instance hours cost / days × 30 × savingsRate (5 %, CID estimate)',
  text: {
    es: {
      title: 'Instancias EC2 de generación anterior',
      description:
        'Familias antiguas (m4, c4, r4, …) cuestan más por rendimiento que las actuales.',
      remediation:
        'Detenga la instancia y cambie el tipo a la generación actual (p. ej. m4 → m6i o m7g): ' +
        'EC2 › Actions › Instance settings › Change instance type, o `aws ec2 ' +
        'modify-instance-attribute --instance-type`. Verifique drivers ENA/NVMe.',
      reason:
        '{resourceId} es de la familia {family}, de generación anterior ({instanceMonthly} ' +
        '{currency} al mes); la generación actual ahorra cerca del {ratePct} %.',
    },
    en: {
      title: 'Previous-generation EC2 instances',
      description: 'Older families (m4, c4, r4, …) cost more per unit of performance.',
      remediation:
        'Stop the instance and change its type to the current generation (e.g. m4 → m6i or ' +
        'm7g): EC2 › Actions › Instance settings › Change instance type, or `aws ec2 ' +
        'modify-instance-attribute --instance-type`. Check ENA/NVMe drivers first.',
      reason:
        '{resourceId} is a previous-generation {family} ({instanceMonthly} {currency} a ' +
        'month); the current generation saves about {ratePct} %.',
    },
    'pt-BR': {
      title: 'Instâncias EC2 de geração anterior',
      description: 'Famílias antigas (m4, c4, r4, …) custam mais por desempenho que as atuais.',
      remediation:
        'Pare a instância e troque o tipo para a geração atual (ex.: m4 → m6i ou m7g): EC2 › ' +
        'Actions › Instance settings › Change instance type, ou `aws ec2 ' +
        'modify-instance-attribute --instance-type`. Confira os drivers ENA/NVMe.',
      reason:
        '{resourceId} é da família {family}, de geração anterior ({instanceMonthly} ' +
        '{currency} por mês); a geração atual economiza cerca de {ratePct} %.',
    },
  },
  query: (ctx, th) =>
    resourceRule(ctx, {
      providers: ['aws'],
      match: sql`${EC2_BOX_USAGE} and ${FLEXIBLE_USAGE} and coalesce(
        x->>'currentGeneration' = 'No', family ~ ${PREVIOUS_GENERATION})`,
      aggregates: { family_seen: sql`max(family) filter (where m)` },
      savings: sql`matched_monthly * ${th.savingsRate}::numeric`,
      facts: {
        family: sql`family_seen`,
        instanceMonthly: money(sql`matched_monthly`),
        ratePct: sql`round(${th.savingsRate}::numeric * 100)`,
      },
    }),
});

/* ---------------------------------------------------------------------------------------------
 * Graviton (M2, M3). Windows and licensed operating systems cannot move, so EC2 counts only
 * Linux/UNIX hours (operation exactly RunInstances).
 * ------------------------------------------------------------------------------------------- */

type GravitonEc2Thresholds = { minMonthlySavings: number; intelRate: number; amdRate: number };

const GRAVITON_TEXT_FIX = {
  es:
    'Pruebe la carga en arm64 y cambie al tipo Graviton equivalente (m5 → m7g, c5 → c7g, ' +
    'r5 → r7g): nueva AMI arm64 en la plantilla de lanzamiento o `aws ec2 ' +
    'modify-instance-attribute --instance-type` con la instancia detenida.',
  en:
    'Test the workload on arm64 and switch to the matching Graviton type (m5 → m7g, c5 → c7g, ' +
    'r5 → r7g): an arm64 AMI in the launch template, or `aws ec2 modify-instance-attribute ' +
    '--instance-type` with the instance stopped.',
  pt:
    'Teste a carga em arm64 e troque para o tipo Graviton equivalente (m5 → m7g, c5 → c7g, ' +
    'r5 → r7g): AMI arm64 no modelo de lançamento ou `aws ec2 modify-instance-attribute ' +
    '--instance-type` com a instância parada.',
};

const gravitonEc2 = defineRule<GravitonEc2Thresholds>({
  id: 'aws.ec2.graviton',
  category: 'compute',
  providers: ['aws'],
  confidence: 'medium',
  effort: 'medium',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1, intelRate: 0.2, amdRate: 0.1 },
  savingsFormula:
    'Linux instance hours cost / days × 30 × 20 % (Intel families) or 10 % (AMD), CID estimate',
  text: {
    es: {
      title: 'Instancias EC2 candidatas a Graviton',
      description:
        'Instancias Linux x86 con un equivalente Graviton (arm64) más barato por hora.',
      remediation: GRAVITON_TEXT_FIX.es,
      reason:
        '{resourceId} ({family}, {instanceMonthly} {currency} al mes) tiene equivalente ' +
        'Graviton; el cambio ahorra cerca del {ratePct} %: {monthlySavings} {currency} al mes.',
    },
    en: {
      title: 'EC2 instances that could run on Graviton',
      description: 'Linux x86 instances with a Graviton (arm64) sibling that costs less per hour.',
      remediation: GRAVITON_TEXT_FIX.en,
      reason:
        '{resourceId} ({family}, {instanceMonthly} {currency} a month) has a Graviton sibling; ' +
        'moving saves about {ratePct} %: {monthlySavings} {currency} a month.',
    },
    'pt-BR': {
      title: 'Instâncias EC2 candidatas a Graviton',
      description:
        'Instâncias Linux x86 com equivalente Graviton (arm64) mais barato por hora.',
      remediation: GRAVITON_TEXT_FIX.pt,
      reason:
        '{resourceId} ({family}, {instanceMonthly} {currency} por mês) tem equivalente ' +
        'Graviton; a troca economiza cerca de {ratePct} %: {monthlySavings} {currency} por mês.',
    },
  },
  query(ctx, th) {
    const rate = sql`case when family ~ ${INTEL_WITH_GRAVITON} then ${th.intelRate}::numeric
                          when family ~ ${AMD_WITH_GRAVITON} then ${th.amdRate}::numeric end`;
    return resourceRule(ctx, {
      providers: ['aws'],
      match: sql`${EC2_BOX_USAGE} and op = 'RunInstances' and ${FLEXIBLE_USAGE}
        and (family ~ ${INTEL_WITH_GRAVITON} or family ~ ${AMD_WITH_GRAVITON})`,
      aggregates: {
        family_seen: sql`max(family) filter (where m)`,
        graviton_saving: sql`coalesce(sum(cost * ${rate}) filter (where m), 0)`,
      },
      savings: sql`graviton_saving * mf`,
      facts: {
        family: sql`family_seen`,
        instanceMonthly: money(sql`matched_monthly`),
        ratePct: sql`round(graviton_saving / nullif(matched_cost, 0) * 100)`,
      },
    });
  },
});

interface ManagedGravitonSpec {
  id: string;
  service: string;
  match: SQL;
  rate: number;
  fix: { es: string; en: string; pt: string };
}

function managedGraviton(spec: ManagedGravitonSpec): AnyRule {
  const s = spec.service;
  return defineRule<RateThresholds>({
    id: spec.id,
    category: 'compute',
    providers: ['aws'],
    confidence: 'medium',
    effort: spec.id === 'aws.lambda.arm64' ? 'low' : 'medium',
    enabledByDefault: true,
    defaults: { minMonthlySavings: 1, savingsRate: spec.rate },
    savingsFormula: `x86 ${s} usage cost / days × 30 × savingsRate (${spec.rate * 100} %, CID)`,
    text: {
      es: {
        title: `${s} candidato a Graviton`,
        description: `${s} en x86 con una opción Graviton (arm64) más barata.`,
        remediation: spec.fix.es,
        reason:
          '{resourceId} usa {usageMonthly} {currency} al mes en x86; Graviton ahorra cerca del ' +
          '{ratePct} %: {monthlySavings} {currency} al mes.',
      },
      en: {
        title: `${s} could run on Graviton`,
        description: `${s} on x86 with a cheaper Graviton (arm64) option.`,
        remediation: spec.fix.en,
        reason:
          '{resourceId} spends {usageMonthly} {currency} a month on x86; Graviton saves about ' +
          '{ratePct} %: {monthlySavings} {currency} a month.',
      },
      'pt-BR': {
        title: `${s} candidato a Graviton`,
        description: `${s} em x86 com opção Graviton (arm64) mais barata.`,
        remediation: spec.fix.pt,
        reason:
          '{resourceId} gasta {usageMonthly} {currency} por mês em x86; Graviton economiza ' +
          'cerca de {ratePct} %: {monthlySavings} {currency} por mês.',
      },
    },
    query: (ctx, th) =>
      resourceRule(ctx, {
        providers: ['aws'],
        match: sql`charge_category = 'Usage' and commitment_id is null and ${spec.match}`,
        savings: sql`matched_monthly * ${th.savingsRate}::numeric`,
        facts: {
          usageMonthly: money(sql`matched_monthly`),
          ratePct: sql`round(${th.savingsRate}::numeric * 100)`,
        },
      }),
  });
}

/** RDS engines with Graviton classes (CreateDBInstance codes of MySQL, PostgreSQL, MariaDB,
 * Aurora MySQL and Aurora PostgreSQL), or CUR's product database engine. */
const RDS_OPEN_ENGINE = sql`(op in ('CreateDBInstance:0002', 'CreateDBInstance:0014',
  'CreateDBInstance:0018', 'CreateDBInstance:0016', 'CreateDBInstance:0021')
  or x->>'databaseEngine' in ('MySQL', 'PostgreSQL', 'MariaDB', 'Aurora MySQL',
                              'Aurora PostgreSQL'))`;

const gravitonRds = managedGraviton({
  id: 'aws.rds.graviton',
  service: 'RDS',
  rate: 0.1,
  match: sql`svc = 'AmazonRDS' and (ut like '%InstanceUsage:%' or ut like '%Multi-AZUsage:%')
    and ${RDS_OPEN_ENGINE} and family ~ '^(t2|t3|m4|m5|m5d|m6i|m7i|r4|r5|r5b|r5d|r6i|r7i)$'`,
  fix: {
    es:
      'Cambie la clase a la equivalente Graviton (db.r5 → db.r7g, db.m5 → db.m7g) en la ' +
      'próxima ventana de mantenimiento: RDS › Modify, o `aws rds modify-db-instance ' +
      '--db-instance-class`.',
    en:
      'Change the class to its Graviton sibling (db.r5 → db.r7g, db.m5 → db.m7g) in the next ' +
      'maintenance window: RDS › Modify, or `aws rds modify-db-instance --db-instance-class`.',
    pt:
      'Troque a classe pela equivalente Graviton (db.r5 → db.r7g, db.m5 → db.m7g) na próxima ' +
      'janela de manutenção: RDS › Modify, ou `aws rds modify-db-instance --db-instance-class`.',
  },
});

const gravitonElastiCache = managedGraviton({
  id: 'aws.elasticache.graviton',
  service: 'ElastiCache',
  rate: 0.05,
  match: sql`svc = 'AmazonElastiCache' and ut like '%NodeUsage:%'
    and family ~ '^(t2|t3|m4|m5|m6i|r4|r5|r6i)$'`,
  fix: {
    es:
      'Cambie el tipo de nodo a Graviton (cache.r5 → cache.r7g): ElastiCache › Modify, o ' +
      '`aws elasticache modify-replication-group --cache-node-type`.',
    en:
      'Change the node type to Graviton (cache.r5 → cache.r7g): ElastiCache › Modify, or ' +
      '`aws elasticache modify-replication-group --cache-node-type`.',
    pt:
      'Troque o tipo de nó para Graviton (cache.r5 → cache.r7g): ElastiCache › Modify, ou ' +
      '`aws elasticache modify-replication-group --cache-node-type`.',
  },
});

const gravitonOpenSearch = managedGraviton({
  id: 'aws.opensearch.graviton',
  service: 'OpenSearch',
  rate: 0.05,
  match: sql`svc in ('AmazonES', 'AmazonOpenSearchService') and ut like '%ESInstance:%'
    and family ~ '^(t2|t3|m4|m5|c4|c5|r4|r5)$'`,
  fix: {
    es:
      'Cambie el tipo de instancia del dominio a Graviton (r5 → r7g, m5 → m7g) con un ' +
      'despliegue azul/verde: OpenSearch › Edit cluster configuration.',
    en:
      'Change the domain\'s instance type to Graviton (r5 → r7g, m5 → m7g) through a ' +
      'blue/green deployment: OpenSearch › Edit cluster configuration.',
    pt:
      'Troque o tipo de instância do domínio para Graviton (r5 → r7g, m5 → m7g) com uma ' +
      'implantação azul/verde: OpenSearch › Edit cluster configuration.',
  },
});

const gravitonLambda = managedGraviton({
  id: 'aws.lambda.arm64',
  service: 'Lambda',
  rate: 0.2,
  match: sql`svc = 'AWSLambda' and ut like '%Lambda-GB-Second%' and ut not like '%ARM%'`,
  fix: {
    es:
      'Cambie la arquitectura de la función a arm64 (Lambda › Configuration › Runtime ' +
      'settings, o `aws lambda update-function-configuration --architectures arm64` al ' +
      'desplegar) tras probar dependencias nativas.',
    en:
      'Switch the function\'s architecture to arm64 (Lambda › Runtime settings, or ' +
      '`--architectures arm64` when deploying) after testing native dependencies.',
    pt:
      'Troque a arquitetura da função para arm64 (Lambda › Runtime settings, ou ' +
      '`--architectures arm64` ao implantar) depois de testar dependências nativas.',
  },
});

/* ---------------------------------------------------------------------------------------------
 * Extended support (M5): RDS and EKS bill a surcharge for versions past end of standard
 * support; upgrading removes all of it.
 * ------------------------------------------------------------------------------------------- */

const extendedSupport = defineRule<{ minMonthlySavings: number }>({
  id: 'aws.extended_support',
  category: 'compute',
  providers: ['aws'],
  confidence: 'high',
  effort: 'medium',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1 },
  savingsFormula: 'extended-support charges / days × 30 (all of it goes away after upgrading)',
  text: {
    es: {
      title: 'Cargos de soporte extendido',
      description:
        'Motores RDS o clústeres EKS en versiones fuera del soporte estándar pagan un recargo.',
      remediation:
        'Actualice a una versión con soporte estándar: `aws rds modify-db-instance ' +
        '--engine-version … --allow-major-version-upgrade` o `aws eks update-cluster-version`.',
      reason:
        '{resourceId} pagó soporte extendido {daysObserved} días de la ventana: ' +
        '{monthlySavings} {currency} al mes que desaparecen al actualizar.',
    },
    en: {
      title: 'Extended-support charges',
      description: 'RDS engines or EKS clusters past standard support pay a surcharge.',
      remediation:
        'Upgrade to a version in standard support: `aws rds modify-db-instance ' +
        '--engine-version … --allow-major-version-upgrade` or `aws eks update-cluster-version`.',
      reason:
        '{resourceId} paid extended support on {daysObserved} days of the window: ' +
        '{monthlySavings} {currency} a month that an upgrade removes.',
    },
    'pt-BR': {
      title: 'Cobranças de suporte estendido',
      description: 'Motores RDS ou clusters EKS fora do suporte padrão pagam uma sobretaxa.',
      remediation:
        'Atualize para uma versão com suporte padrão: `aws rds modify-db-instance ' +
        '--engine-version … --allow-major-version-upgrade` ou `aws eks update-cluster-version`.',
      reason:
        '{resourceId} pagou suporte estendido em {daysObserved} dias da janela: ' +
        '{monthlySavings} {currency} por mês que somem com a atualização.',
    },
  },
  query: (ctx) =>
    resourceRule(ctx, {
      providers: ['aws'],
      match: sql`ut like '%ExtendedSupport%' or op = 'ExtendedSupport'`,
      savings: sql`matched_monthly`,
    }),
});

export const computeRules: readonly AnyRule[] = [
  previousGeneration,
  gravitonEc2,
  gravitonRds,
  gravitonElastiCache,
  gravitonOpenSearch,
  gravitonLambda,
  extendedSupport,
];

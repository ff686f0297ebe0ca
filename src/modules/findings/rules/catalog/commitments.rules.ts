import { sql, type SQL } from 'drizzle-orm';

import { defineRule, type AnyRule } from '../rules.fns.js';
import {
  EC2_BOX_USAGE,
  evidenceCte,
  factRows,
  factsObject,
  money,
  ON_DEMAND,
  resourceRule,
} from '../rules.sql.js';
import type { Provider } from '../rules.types.js';

/* ---------------------------------------------------------------------------------------------
 * Unused commitments (reference C1, C2; FOCUS CommitmentDiscountStatus = 'Unused'). The unused
 * part is already a cost of its own: CUR's amortized RIFee / SavingsPlanRecurringFee rows and
 * FOCUS 'Unused' rows carry exactly the unused amount as net effective cost.
 * TODO(findings): CUR bills RIFee once a month (on the 1st), so a window that does not contain
 * a 1st misses unused RIs; spread monthly fees over the days once ingestion does so.
 * ------------------------------------------------------------------------------------------- */

interface UnusedSpec {
  id: string;
  providers: readonly Provider[];
  /** Rows holding the unused amount. */
  unused: SQL;
  /** Rows of the commitment's whole amortized cost (used + unused). */
  total: SQL;
  /** Monthly RI fees land on the 1st, so a still-active RI need not be billed in the last days. */
  recentDays: number | null;
  label: { es: string; en: string; pt: string };
  remediation: { es: string; en: string; pt: string };
}

type UnusedThresholds = { minMonthlySavings: number; maxUtilizationPct: number };

function unusedCommitmentRule(spec: UnusedSpec): AnyRule {
  const { label: l, remediation: fix } = spec;
  return defineRule<UnusedThresholds>({
    id: spec.id,
    category: 'commitments',
    providers: spec.providers,
    confidence: 'high',
    effort: 'high',
    enabledByDefault: true,
    defaults: { minMonthlySavings: 1, maxUtilizationPct: 95 },
    savingsFormula:
      'unused amortized commitment in the window / window days × 30 (the cost already paid for ' +
      'nothing); reported when utilization = 1 − unused / (used + unused) is below the threshold',
    text: {
      es: {
        title: `${l.es} sin usar`,
        description: `Parte del compromiso de ${l.es} se paga sin que haya uso que lo consuma.`,
        remediation: fix.es,
        reason:
          'El compromiso {resourceId} tuvo una utilización de {utilizationPct} % en la ventana: ' +
          '{unusedMonthly} al mes pagados sin uso sobre {commitmentMonthly}.',
      },
      en: {
        title: `Unused ${l.en}`,
        description: `Part of the ${l.en} commitment is paid for with no usage consuming it.`,
        remediation: fix.en,
        reason:
          'Commitment {resourceId} ran at {utilizationPct} % utilization in the window: ' +
          '{unusedMonthly} a month paid for nothing out of {commitmentMonthly}.',
      },
      'pt-BR': {
        title: `${l.pt} não utilizado`,
        description: `Parte do compromisso de ${l.pt} é paga sem uso que a consuma.`,
        remediation: fix.pt,
        reason:
          'O compromisso {resourceId} teve utilização de {utilizationPct} % na janela: ' +
          '{unusedMonthly} por mês pagos sem uso, de um total de {commitmentMonthly}.',
      },
    },
    query: (ctx, th) =>
      resourceRule(ctx, {
        providers: spec.providers,
        key: sql`commitment_id`,
        match: spec.unused,
        aggregates: { commitment_total: sql`coalesce(sum(cost) filter (where ${spec.total}), 0)` },
        daysBasis: 'window',
        recentDays: spec.recentDays,
        where: sql`matched_cost > 0 and commitment_total > 0
          and (1 - matched_cost / commitment_total) * 100 < ${th.maxUtilizationPct}::numeric`,
        savings: sql`matched_monthly`,
        facts: {
          utilizationPct: sql`round((1 - matched_cost / commitment_total) * 100, 1)::text`,
          unusedMonthly: money(sql`matched_monthly`),
          commitmentMonthly: money(sql`commitment_total * mf`),
        },
      }),
  });
}

const savingsPlansUnused = unusedCommitmentRule({
  id: 'aws.savings_plans.unused',
  providers: ['aws'],
  unused: sql`line_item_type = 'SavingsPlanRecurringFee'
    or (commitment_status = 'Unused' and commitment_category = 'Spend')`,
  total: sql`line_item_type in ('SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee')
    or commitment_status in ('Used', 'Unused')`,
  recentDays: 2,
  label: { es: 'Savings Plan', en: 'Savings Plan', pt: 'Savings Plan' },
  remediation: {
    es:
      'Un Savings Plan no se cancela: mueva cargas on-demand elegibles (EC2, Fargate, Lambda) ' +
      'a las cuentas y regiones que cubre, y compre menos en la próxima renovación. Revise la ' +
      'utilización en Billing and Cost Management › Savings Plans › Utilization report.',
    en:
      'A Savings Plan cannot be cancelled: move eligible on-demand work (EC2, Fargate, Lambda) ' +
      'under it and commit less at renewal. Check Billing and Cost Management › Savings Plans › ' +
      'Utilization report.',
    pt:
      'Um Savings Plan não pode ser cancelado: mova cargas on-demand elegíveis (EC2, Fargate, ' +
      'Lambda) para o que ele cobre e comprometa menos na renovação. Veja Billing and Cost ' +
      'Management › Savings Plans › Utilization report.',
  },
});

const reservedInstancesUnused = unusedCommitmentRule({
  id: 'aws.reserved_instances.unused',
  providers: ['aws'],
  unused: sql`line_item_type = 'RIFee'
    or (commitment_status = 'Unused' and commitment_category = 'Usage')`,
  total: sql`line_item_type in ('DiscountedUsage', 'RIFee')
    or commitment_status in ('Used', 'Unused')`,
  recentDays: null,
  label: { es: 'Instancia reservada', en: 'Reserved Instance', pt: 'Instância reservada' },
  remediation: {
    es:
      'Lance instancias que coincidan con la reserva (familia, región, plataforma), modifíquela ' +
      '(`aws ec2 modify-reserved-instances`), cámbiela si es convertible ' +
      '(`aws ec2 accept-reserved-instances-exchange-quote`) o véndala en el Marketplace de RI.',
    en:
      'Run instances matching the reservation (family, region, platform), modify it ' +
      '(`aws ec2 modify-reserved-instances`), exchange it if convertible ' +
      '(`aws ec2 accept-reserved-instances-exchange-quote`) or sell it on the RI Marketplace.',
    pt:
      'Execute instâncias compatíveis com a reserva (família, região, plataforma), modifique-a ' +
      '(`aws ec2 modify-reserved-instances`), troque-a se for conversível ' +
      '(`aws ec2 accept-reserved-instances-exchange-quote`) ou venda-a no RI Marketplace.',
  },
});

const azureCommitmentsUnused = unusedCommitmentRule({
  id: 'azure.commitments.unused',
  providers: ['azure'],
  unused: sql`commitment_status = 'Unused'`,
  total: sql`commitment_status in ('Used', 'Unused')`,
  recentDays: 2,
  label: {
    es: 'Reserva o plan de ahorro de Azure',
    en: 'Azure reservation or savings plan',
    pt: 'Reserva ou plano de economia do Azure',
  },
  remediation: {
    es:
      'En el portal, Reservations › (reserva) › Utilization: amplíe el ámbito a "Shared", ' +
      'cámbiela por otra SKU (exchange) o devuélvala dentro del límite anual de reembolsos.',
    en:
      'In the portal, Reservations › (reservation) › Utilization: widen the scope to Shared, ' +
      'exchange it for another SKU, or return it within the yearly refund limit.',
    pt:
      'No portal, Reservations › (reserva) › Utilization: amplie o escopo para Shared, troque ' +
      'por outra SKU (exchange) ou devolva-a dentro do limite anual de reembolso.',
  },
});

const gcpCommitmentsUnused = unusedCommitmentRule({
  id: 'gcp.commitments.unused',
  providers: ['gcp'],
  unused: sql`commitment_status = 'Unused'`,
  total: sql`commitment_status in ('Used', 'Unused')`,
  recentDays: 2,
  label: {
    es: 'Compromiso de uso (CUD) de Google Cloud',
    en: 'Google Cloud committed use discount',
    pt: 'Compromisso de uso (CUD) do Google Cloud',
  },
  remediation: {
    es:
      'Los CUD no se cancelan: mueva cargas de la misma región y tipo de máquina al proyecto o ' +
      'active el uso compartido de descuentos en la cuenta de facturación (Billing › ' +
      'Committed use discounts › Discount sharing).',
    en:
      'CUDs cannot be cancelled: move work of the same region and machine type under them, or ' +
      'turn on discount sharing for the billing account (Billing › Committed use discounts › ' +
      'Discount sharing).',
    pt:
      'CUDs não podem ser cancelados: mova cargas da mesma região e tipo de máquina para ' +
      'eles ou ative o compartilhamento de descontos na conta de faturamento (Billing › ' +
      'Committed use discounts › Discount sharing).',
  },
});

/* ---------------------------------------------------------------------------------------------
 * Unused on-demand capacity reservations (C3): their UnusedBox / UnusedDed hours are paid at
 * the on-demand rate for capacity nobody runs on.
 * ------------------------------------------------------------------------------------------- */

const capacityReservationsUnused = defineRule<{ minMonthlySavings: number }>({
  id: 'aws.ec2.unused_capacity_reservation',
  category: 'commitments',
  providers: ['aws'],
  confidence: 'high',
  effort: 'low',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1 },
  savingsFormula: 'cost of the reservation\'s unused hours (UnusedBox/UnusedDed) / days × 30',
  text: {
    es: {
      title: 'Reserva de capacidad EC2 sin usar',
      description: 'Horas de una reserva de capacidad on-demand sin instancias que la ocupen.',
      remediation:
        'Lance las instancias previstas o cancele la reserva: EC2 › Capacity Reservations › ' +
        'Cancel, o `aws ec2 cancel-capacity-reservation --capacity-reservation-id <id>`.',
      reason:
        'La reserva {resourceId} facturó capacidad sin usar {daysObserved} días de la ventana: ' +
        '{monthlySavings} {currency} al mes.',
    },
    en: {
      title: 'Unused EC2 capacity reservation',
      description: 'Hours of an on-demand capacity reservation with no instance running in it.',
      remediation:
        'Launch the planned instances or cancel it: EC2 › Capacity Reservations › Cancel, or ' +
        '`aws ec2 cancel-capacity-reservation --capacity-reservation-id <id>`.',
      reason:
        'Reservation {resourceId} billed unused capacity on {daysObserved} days of the window: ' +
        '{monthlySavings} {currency} a month.',
    },
    'pt-BR': {
      title: 'Reserva de capacidade EC2 não utilizada',
      description: 'Horas de uma reserva de capacidade on-demand sem instâncias em execução.',
      remediation:
        'Execute as instâncias previstas ou cancele-a: EC2 › Capacity Reservations › Cancel, ' +
        'ou `aws ec2 cancel-capacity-reservation --capacity-reservation-id <id>`.',
      reason:
        'A reserva {resourceId} faturou capacidade ociosa em {daysObserved} dias da janela: ' +
        '{monthlySavings} {currency} por mês.',
    },
  },
  query: (ctx) =>
    resourceRule(ctx, {
      providers: ['aws'],
      match: sql`ut like '%UnusedBox%' or ut like '%UnusedDed%'
        or x->>'CapacityReservationStatus' = 'Unused'`,
      savings: sql`matched_monthly`,
    }),
});

/* ---------------------------------------------------------------------------------------------
 * Commitments expiring soon (C4). The end date is not a FOCUS column: ingestion keeps it in
 * `x` (commitment_end, or CUR's reservationEndTime / savingsPlanEndTime). Savings at risk =
 * what covered usage would cost at list price minus what it costs now, capped like every
 * saving at the commitment's actual cost.
 * ------------------------------------------------------------------------------------------- */

/** Where ingestion keeps the end date: a generic key, or the CUR reservation / SP columns. */
const COMMITMENT_END = sql`coalesce(x->>'commitment_end', x->>'reservationEndTime',
  x->>'savingsPlanEndTime')`;

const COVERED = sql`(line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage')
  or commitment_status = 'Used')`;

const commitmentsExpiring = defineRule<{ minMonthlySavings: number; horizonDays: number }>({
  id: 'multi.commitments.expiring',
  category: 'commitments',
  providers: ['aws', 'azure', 'gcp'],
  confidence: 'high',
  effort: 'medium',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1, horizonDays: 90 },
  savingsFormula:
    'Σ(list cost − net amortized cost) of the usage the commitment covered in the window / ' +
    'window days × 30, capped at the commitment\'s cost; bucketed 30/60/90 days to expiry',
  text: {
    es: {
      title: 'Compromiso que vence pronto',
      description:
        'Una reserva o plan de ahorro vence en los próximos días; sin renovación, su uso pasa ' +
        'a tarifa on-demand.',
      remediation:
        'Revise el uso cubierto y decida si renovar con el mismo tamaño o menor: AWS › Billing ' +
        'and Cost Management › Reservations/Savings Plans › Renewals (o la cola de compras); ' +
        'en Azure, active la renovación automática de la reserva.',
      reason:
        'El compromiso {resourceId} vence el {endsOn} (en {daysLeft} días, tramo de {bucket} ' +
        'días); el uso que cubre costaría {monthlySavings} {currency} más al mes sin él.',
    },
    en: {
      title: 'Commitment expiring soon',
      description:
        'A reservation or savings plan ends in the coming days; without renewal, its usage ' +
        'falls back to on-demand rates.',
      remediation:
        'Review the covered usage and renew at the same or a smaller size: AWS › Billing and ' +
        'Cost Management › Reservations/Savings Plans › Renewals (or a queued purchase); on ' +
        'Azure, turn on the reservation\'s auto-renewal.',
      reason:
        'Commitment {resourceId} ends on {endsOn} (in {daysLeft} days, {bucket}-day bucket); ' +
        'the usage it covers would cost {monthlySavings} {currency} more a month without it.',
    },
    'pt-BR': {
      title: 'Compromisso vencendo em breve',
      description:
        'Uma reserva ou plano de economia termina nos próximos dias; sem renovação, o uso ' +
        'volta à tarifa on-demand.',
      remediation:
        'Revise o uso coberto e renove no mesmo tamanho ou menor: AWS › Billing and Cost ' +
        'Management › Reservations/Savings Plans › Renewals (ou compra agendada); no Azure, ' +
        'ative a renovação automática da reserva.',
      reason:
        'O compromisso {resourceId} vence em {endsOn} (em {daysLeft} dias, faixa de {bucket} ' +
        'dias); o uso coberto custaria {monthlySavings} {currency} a mais por mês sem ele.',
    },
  },
  query: (ctx, th) =>
    resourceRule(ctx, {
      providers: ['aws', 'azure', 'gcp'],
      key: sql`commitment_id`,
      match: sql`commitment_id is not null`,
      aggregates: {
        ends_on: sql`max(case when ${COMMITMENT_END} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
                              then left(${COMMITMENT_END}, 10)::date end)`,
        at_risk: sql`coalesce(sum(list_cost - cost) filter (where ${COVERED}), 0)`,
      },
      daysBasis: 'window',
      where: sql`ends_on >= ${ctx.windowEnd}::date
        and ends_on <= ${ctx.windowEnd}::date + ${th.horizonDays}::int`,
      savings: sql`at_risk * mf`,
      facts: {
        endsOn: sql`ends_on::text`,
        daysLeft: sql`ends_on - ${ctx.windowEnd}::date`,
        bucket: sql`case when ends_on - ${ctx.windowEnd}::date <= 30 then 30
                         when ends_on - ${ctx.windowEnd}::date <= 60 then 60 else 90 end`,
      },
    }),
});

/* ---------------------------------------------------------------------------------------------
 * Savings Plan coverage gap (C5). A safe commitment is one the account would have used every
 * hour; we only keep daily facts, so the floor is a low percentile of *daily* eligible
 * on-demand spend divided by 24. Hourly troughs inside a day stay invisible, which is why the
 * confidence is medium.
 * TODO(findings): take the percentile over hours once ingestion keeps an hourly series of
 * eligible on-demand spend; and use the plan's real discount once offering rates are loaded.
 * ------------------------------------------------------------------------------------------- */

const SP_ELIGIBLE = sql`(${ON_DEMAND} and (
  ${EC2_BOX_USAGE}
  or ut like '%Fargate%'
  or ut like '%Lambda-GB-Second%' or ut like '%Lambda-Provisioned%'))`;

type CoverageThresholds = {
  minMonthlySavings: number;
  percentile: number;
  discountRate: number;
  minDaysObserved: number;
};

const savingsPlanCoverageGap = defineRule<CoverageThresholds>({
  id: 'aws.savings_plans.coverage_gap',
  category: 'commitments',
  providers: ['aws'],
  confidence: 'medium',
  effort: 'medium',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1, percentile: 0.1, discountRate: 0.2, minDaysObserved: 14 },
  savingsFormula:
    'floor = percentile (p10) of daily eligible on-demand compute spend (missing days = 0); ' +
    'covered on-demand per hour = floor / 24; hourly commitment = that × (1 − discount); ' +
    'monthly saving = floor × discount × 30',
  text: {
    es: {
      title: 'Brecha de cobertura de Savings Plans',
      description:
        'Gasto on-demand de cómputo (EC2, Fargate, Lambda) estable todos los días que un ' +
        'Compute Savings Plan cubriría con descuento.',
      remediation:
        'Compre un Compute Savings Plan por el compromiso horario indicado: Billing and Cost ' +
        'Management › Savings Plans › Purchase, o revise la recomendación de Cost Explorer.',
      reason:
        'En {daysObserved} días, el {percentilePct} % de los días con menos gasto on-demand ' +
        'elegible quedó en {floorDaily} {currency} por día. Un compromiso de ' +
        '{hourlyCommitment} {currency}/h (gasto diario / 24; con datos diarios no vemos las ' +
        'horas valle) ahorraría {monthlySavings} {currency} al mes con {discountPct} % de ' +
        'descuento.',
    },
    en: {
      title: 'Savings Plan coverage gap',
      description:
        'Compute on-demand spend (EC2, Fargate, Lambda) steady every day that a Compute ' +
        'Savings Plan would cover at a discount.',
      remediation:
        'Buy a Compute Savings Plan for the hourly commitment shown: Billing and Cost ' +
        'Management › Savings Plans › Purchase, or compare with Cost Explorer\'s recommendation.',
      reason:
        'Over {daysObserved} days, the {percentilePct}th percentile of daily eligible on-demand ' +
        'spend was {floorDaily} {currency}. A commitment of {hourlyCommitment} {currency}/h ' +
        '(daily spend / 24: daily facts cannot show hourly troughs) would save ' +
        '{monthlySavings} {currency} a month at a {discountPct} % discount.',
    },
    'pt-BR': {
      title: 'Lacuna de cobertura de Savings Plans',
      description:
        'Gasto on-demand de computação (EC2, Fargate, Lambda) estável todos os dias que um ' +
        'Compute Savings Plan cobriria com desconto.',
      remediation:
        'Compre um Compute Savings Plan com o compromisso por hora indicado: Billing and Cost ' +
        'Management › Savings Plans › Purchase, ou compare com a recomendação do Cost Explorer.',
      reason:
        'Em {daysObserved} dias, o percentil {percentilePct} do gasto on-demand elegível diário ' +
        'foi {floorDaily} {currency}. Um compromisso de {hourlyCommitment} {currency}/h (gasto ' +
        'diário / 24: dados diários não mostram os vales por hora) economizaria ' +
        '{monthlySavings} {currency} por mês com {discountPct} % de desconto.',
    },
  },
  query(ctx, th) {
    const key = sql`'savings-plan-coverage:' || billing_account_id`;
    return sql`
      with f as (
        select b.*, coalesce((${SP_ELIGIBLE}), false) as m
        from (${factRows(ctx, ['aws'])}) b
      ),
      acct as (
        select provider, billing_account_id, billing_currency as currency,
               min(charge_date) as d0, max(charge_date) as d1
        from f group by 1, 2, 3
      ),
      daily as (
        select provider, billing_account_id, billing_currency as currency, charge_date,
               sum(cost) as amount
        from f where m group by 1, 2, 3, 4
      ),
      series as (
        -- Days with no eligible usage count as zero: they are exactly the troughs we look for.
        select a.provider, a.billing_account_id, a.currency, coalesce(dl.amount, 0) as amount
        from acct a
        cross join lateral generate_series(a.d0::timestamp, a.d1::timestamp, interval '1 day') g
        left join daily dl on dl.provider = a.provider
          and dl.billing_account_id = a.billing_account_id and dl.currency = a.currency
          and dl.charge_date = g::date
      ),
      stat as (
        select provider, billing_account_id, currency, count(*) as days_observed,
               sum(amount) as total,
               percentile_disc(${th.percentile}::float8) within group (order by amount) as floor
        from series group by 1, 2, 3
      ),
      s as (
        select stat.*, ${key} as key, total / days_observed * 30 as monthly_cost,
               floor * ${th.discountRate}::numeric * 30 as raw_savings
        from stat
        where days_observed >= ${th.minDaysObserved}::int and floor > 0
      ),
      ${evidenceCte(key)}
      select s.provider, s.billing_account_id, null::text as sub_account_id,
             s.key as resource_id, 'Savings Plans' as service_name, null::text as region_id,
             s.currency,
             round(s.monthly_cost, 2)::text as monthly_cost,
             round(least(s.raw_savings, s.monthly_cost), 2)::text as monthly_savings,
             ${factsObject({
               daysObserved: sql`s.days_observed`,
               floorDaily: money(sql`s.floor`),
               coveredOnDemandPerHour: sql`round(s.floor / 24, 4)::text`,
               hourlyCommitment:
                 sql`round(s.floor / 24 * (1 - ${th.discountRate}::numeric), 4)::text`,
               percentilePct: sql`round(${th.percentile}::numeric * 100)`,
               discountPct: sql`round(${th.discountRate}::numeric * 100)`,
             })} as facts,
             ev.evidence
      from s left join ev using (provider, billing_account_id, key)
      where s.raw_savings > 0`;
  },
});

/* ---------------------------------------------------------------------------------------------
 * Reservation opportunities for managed databases and analytics (C6): instances running on
 * demand for most of the window. 20 % is the CID estimate.
 * TODO(findings): price with 1-year offering rates per class and region once a price catalog
 * is loaded (OptScale compares all-upfront and no-upfront offers).
 * ------------------------------------------------------------------------------------------- */

interface ReservationSpec {
  id: string;
  match: SQL;
  service: string;
  console: string;
}

type ReservationThresholds = {
  minMonthlySavings: number;
  savingsRate: number;
  minDaysObserved: number;
};

function reservationOpportunity(spec: ReservationSpec): AnyRule {
  const s = spec.service;
  return defineRule<ReservationThresholds>({
    id: spec.id,
    category: 'commitments',
    providers: ['aws'],
    confidence: 'medium',
    effort: 'medium',
    enabledByDefault: true,
    defaults: { minMonthlySavings: 1, savingsRate: 0.2, minDaysObserved: 21 },
    savingsFormula: 'on-demand instance cost / days × 30 × savingsRate (20 %, CID estimate)',
    text: {
      es: {
        title: `Oportunidad de reserva en ${s}`,
        description: `Instancias de ${s} a tarifa on-demand de forma sostenida, sin reserva.`,
        remediation:
          `Compre una reserva de 1 año para esta clase de instancia y región en ${spec.console}; ` +
          'verifique antes que la instancia seguirá en uso.',
        reason:
          '{resourceId} corrió on-demand {daysObserved} días de la ventana ({onDemandMonthly} ' +
          '{currency} al mes); una reserva ahorraría cerca del {ratePct} %: {monthlySavings} ' +
          '{currency} al mes.',
      },
      en: {
        title: `${s} reservation opportunity`,
        description: `${s} instances billed on demand steadily, with no reservation.`,
        remediation:
          `Buy a 1-year reservation for this instance class and region in ${spec.console}; ` +
          'check first that the instance will keep running.',
        reason:
          '{resourceId} ran on demand on {daysObserved} days of the window ({onDemandMonthly} ' +
          '{currency} a month); a reservation would save about {ratePct} %: {monthlySavings} ' +
          '{currency} a month.',
      },
      'pt-BR': {
        title: `Oportunidade de reserva em ${s}`,
        description: `Instâncias de ${s} em tarifa on-demand de forma contínua, sem reserva.`,
        remediation:
          'Compre uma reserva de 1 ano para esta classe de instância e região em ' +
          `${spec.console}; ` +
          'confirme antes que a instância continuará em uso.',
        reason:
          '{resourceId} rodou on-demand em {daysObserved} dias da janela ({onDemandMonthly} ' +
          '{currency} por mês); uma reserva economizaria cerca de {ratePct} %: {monthlySavings} ' +
          '{currency} por mês.',
      },
    },
    query: (ctx, th) =>
      resourceRule(ctx, {
        providers: ['aws'],
        match: sql`${ON_DEMAND} and ${spec.match}`,
        where: sql`days_observed >= ${th.minDaysObserved}::int`,
        savings: sql`matched_monthly * ${th.savingsRate}::numeric`,
        facts: {
          onDemandMonthly: money(sql`matched_monthly`),
          ratePct: sql`round(${th.savingsRate}::numeric * 100)`,
        },
      }),
  });
}

const rdsReservations = reservationOpportunity({
  id: 'aws.rds.reserved_instances',
  service: 'RDS',
  match: sql`svc = 'AmazonRDS' and (ut like '%InstanceUsage:%' or ut like '%Multi-AZUsage:%')`,
  console: 'RDS › Reserved instances › Purchase reserved DB instance',
});

const elasticacheReservations = reservationOpportunity({
  id: 'aws.elasticache.reserved_nodes',
  service: 'ElastiCache',
  match: sql`svc = 'AmazonElastiCache' and ut like '%NodeUsage:%'`,
  console: 'ElastiCache › Reserved nodes › Purchase reserved nodes',
});

const opensearchReservations = reservationOpportunity({
  id: 'aws.opensearch.reserved_instances',
  service: 'OpenSearch',
  match: sql`svc in ('AmazonES', 'AmazonOpenSearchService') and ut like '%ESInstance:%'`,
  console: 'OpenSearch Service › Reserved instances › Order reserved instance',
});

const redshiftReservations = reservationOpportunity({
  id: 'aws.redshift.reserved_nodes',
  service: 'Redshift',
  match: sql`svc = 'AmazonRedshift' and ut like '%Node:%'`,
  console: 'Redshift › Reserved nodes › Purchase reserved nodes',
});

/* ---------------------------------------------------------------------------------------------
 * Spot candidates (C8). Billing cannot tell a stateless worker from a database, so only
 * instances carrying a fleet tag (Auto Scaling, EKS node groups, Karpenter) qualify.
 * ------------------------------------------------------------------------------------------- */

type SpotThresholds = {
  minMonthlySavings: number;
  savingsRate: number;
  fleetTagKeys: readonly string[];
};

export function hasAnyTag(keys: readonly string[]): SQL {
  const wanted = JSON.stringify(keys);
  return sql`(jsonb_typeof(tags) = 'object' and exists (
    select 1 from jsonb_object_keys(tags) k
    where lower(k) in (select lower(v) from jsonb_array_elements_text(${wanted}::jsonb) v)
  ))`;
}

const spotCandidates = defineRule<SpotThresholds>({
  id: 'aws.ec2.spot_candidates',
  category: 'commitments',
  providers: ['aws'],
  confidence: 'low',
  effort: 'medium',
  enabledByDefault: true,
  defaults: {
    minMonthlySavings: 1,
    savingsRate: 0.55,
    fleetTagKeys: [
      'aws:autoscaling:groupName',
      'aws:eks:cluster-name',
      'eks:nodegroup-name',
      'karpenter.sh/nodepool',
      'karpenter.sh/provisioner-name',
    ],
  },
  savingsFormula: 'on-demand instance cost / days × 30 × savingsRate (55 %, CID estimate)',
  text: {
    es: {
      title: 'Instancias de flota candidatas a Spot',
      description:
        'Instancias on-demand que forman parte de una flota (Auto Scaling, EKS, Karpenter) y ' +
        'podrían correr en Spot si la carga tolera interrupciones.',
      remediation:
        'Agregue Spot a la flota con varias familias de instancia: en el grupo de Auto Scaling, ' +
        'una política de instancias mixtas (`aws autoscaling update-auto-scaling-group ' +
        '--mixed-instances-policy …`); en EKS, un node group o NodePool con capacityType spot.',
      reason:
        '{resourceId} corre on-demand en una flota ({onDemandMonthly} {currency} al mes); en ' +
        'Spot costaría cerca de {ratePct} % menos: {monthlySavings} {currency} al mes.',
    },
    en: {
      title: 'Fleet instances that could run on Spot',
      description:
        'On-demand instances in a fleet (Auto Scaling, EKS, Karpenter) that could run on Spot ' +
        'if the workload tolerates interruptions.',
      remediation:
        'Add Spot to the fleet across several instance families: a mixed instances policy on ' +
        'the Auto Scaling group (`aws autoscaling update-auto-scaling-group ' +
        '--mixed-instances-policy …`); on EKS, a node group or NodePool with capacityType spot.',
      reason:
        '{resourceId} runs on demand in a fleet ({onDemandMonthly} {currency} a month); on Spot ' +
        'it would cost about {ratePct} % less: {monthlySavings} {currency} a month.',
    },
    'pt-BR': {
      title: 'Instâncias de frota candidatas a Spot',
      description:
        'Instâncias on-demand em uma frota (Auto Scaling, EKS, Karpenter) que poderiam usar ' +
        'Spot se a carga tolerar interrupções.',
      remediation:
        'Adicione Spot à frota com várias famílias de instância: política de instâncias mistas ' +
        'no grupo de Auto Scaling (`aws autoscaling update-auto-scaling-group ' +
        '--mixed-instances-policy …`); no EKS, node group ou NodePool com capacityType spot.',
      reason:
        '{resourceId} roda on-demand em uma frota ({onDemandMonthly} {currency} por mês); em ' +
        'Spot custaria cerca de {ratePct} % menos: {monthlySavings} {currency} por mês.',
    },
  },
  query: (ctx, th) =>
    resourceRule(ctx, {
      providers: ['aws'],
      match: sql`${ON_DEMAND} and ${EC2_BOX_USAGE} and ${hasAnyTag(th.fleetTagKeys)}`,
      savings: sql`matched_monthly * ${th.savingsRate}::numeric`,
      facts: {
        onDemandMonthly: money(sql`matched_monthly`),
        ratePct: sql`round(${th.savingsRate}::numeric * 100)`,
      },
    }),
});

/* ---------------------------------------------------------------------------------------------
 * Short-lived on-demand instances (C9). One short instance is noise; a sub-account that keeps
 * starting them (CI runners, batch) is a pattern worth moving to Spot, so the finding is per
 * sub-account with the instances as evidence.
 * ------------------------------------------------------------------------------------------- */

type ShortLivedThresholds = {
  minMonthlySavings: number;
  maxHours: number;
  minInstances: number;
  savingsRate: number;
};

const shortLivedInstances = defineRule<ShortLivedThresholds>({
  id: 'aws.ec2.short_lived_instances',
  category: 'commitments',
  providers: ['aws'],
  confidence: 'medium',
  effort: 'medium',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1, maxHours: 6, minInstances: 3, savingsRate: 0.72 },
  savingsFormula:
    'Σ cost of on-demand instances that started and ended inside the window and ran fewer ' +
    'than maxHours / window days × 30 × savingsRate (72 %, OptScale Spot estimate)',
  text: {
    es: {
      title: 'Instancias on-demand de vida corta',
      description:
        'Instancias que corren pocas horas y desaparecen (CI, lotes): el perfil típico de Spot.',
      remediation:
        'Lance estas cargas en Spot: en la plantilla de lanzamiento, ' +
        '`--instance-market-options MarketType=spot`, o en el runner de CI/cola de lotes use ' +
        'capacidad Spot con reintentos.',
      reason:
        '{instanceCount} instancias en {subAccountId} vivieron menos de {maxHours} h ' +
        '({totalHours} h en total) a tarifa on-demand; en Spot ahorrarían cerca de {ratePct} %: ' +
        '{monthlySavings} {currency} al mes.',
    },
    en: {
      title: 'Short-lived on-demand instances',
      description:
        'Instances that run a few hours and go away (CI, batch): the typical Spot profile.',
      remediation:
        'Launch this work on Spot: `--instance-market-options MarketType=spot` in the launch ' +
        'template, or Spot capacity with retries in the CI runner or batch queue.',
      reason:
        '{instanceCount} instances in {subAccountId} lived less than {maxHours} h ' +
        '({totalHours} h in all) at on-demand rates; Spot would save about {ratePct} %: ' +
        '{monthlySavings} {currency} a month.',
    },
    'pt-BR': {
      title: 'Instâncias on-demand de vida curta',
      description:
        'Instâncias que rodam poucas horas e somem (CI, lotes): o perfil típico de Spot.',
      remediation:
        'Execute essas cargas em Spot: `--instance-market-options MarketType=spot` no modelo ' +
        'de lançamento, ou capacidade Spot com novas tentativas no runner de CI ou fila de lotes.',
      reason:
        '{instanceCount} instâncias em {subAccountId} viveram menos de {maxHours} h ' +
        '({totalHours} h no total) em tarifa on-demand; em Spot economizariam cerca de ' +
        '{ratePct} %: {monthlySavings} {currency} por mês.',
    },
  },
  query(ctx, th) {
    const key = sql`'short-lived:' || coalesce(sub_account_id, billing_account_id)`;
    return sql`
      with inst as (
        select provider, billing_account_id, resource_id, max(charge_date) as last_seen,
               coalesce(sum(qty) filter (where ut like '%BoxUsage%'), 0) as hours
        from (${factRows(ctx, ['aws'])}) w
        where svc = 'AmazonEC2' and resource_id is not null
        group by 1, 2, 3
        having bool_or(${EC2_BOX_USAGE})
           and bool_and(commitment_id is null and ut not like '%SpotUsage%')
      ),
      short as (
        select * from inst i
        -- Still billed on the last day means it may still be running.
        where i.last_seen < ${ctx.windowEnd}::date
          and i.hours < ${th.maxHours}::numeric
          -- Born inside the window: nothing billed for it before (uses the resource index).
          and not exists (
            select 1 from cost_daily h
            where h.client_id = ${ctx.clientId}::uuid and h.resource_id = i.resource_id
              and h.provider = i.provider and h.billing_account_id = i.billing_account_id
              and h.charge_date < ${ctx.windowStart}::date)
      ),
      f as (
        select b.*, exists (
                 select 1 from short i where i.provider = b.provider
                   and i.billing_account_id = b.billing_account_id
                   and i.resource_id = b.resource_id) as m
        from (${factRows(ctx, ['aws'])}) b
      ),
      s as (
        select provider, billing_account_id, ${key} as key, billing_currency as currency,
               max(sub_account_id) as sub_account_id, max(region_id) as region_id,
               count(distinct resource_id) as instance_count,
               coalesce(sum(qty) filter (where ut like '%BoxUsage%'), 0) as total_hours,
               sum(cost) * 30.0 / ${ctx.windowDays}::numeric as monthly_cost
        from f where m
        group by 1, 2, 3, 4
        having count(distinct resource_id) >= ${th.minInstances}::int
      ),
      ${evidenceCte(key)}
      select s.provider, s.billing_account_id, s.sub_account_id, s.key as resource_id,
             'Amazon Elastic Compute Cloud' as service_name, s.region_id, s.currency,
             round(s.monthly_cost, 2)::text as monthly_cost,
             round(s.monthly_cost * ${th.savingsRate}::numeric, 2)::text as monthly_savings,
             ${factsObject({
               instanceCount: sql`s.instance_count`,
               totalHours: sql`round(s.total_hours, 1)::text`,
               subAccountId: sql`coalesce(s.sub_account_id, s.billing_account_id)`,
               maxHours: sql`${th.maxHours}::numeric`,
               ratePct: sql`round(${th.savingsRate}::numeric * 100)`,
             })} as facts,
             ev.evidence
      from s left join ev using (provider, billing_account_id, key)
      where s.monthly_cost > 0`;
  },
});

export const commitmentRules: readonly AnyRule[] = [
  savingsPlansUnused,
  reservedInstancesUnused,
  azureCommitmentsUnused,
  gcpCommitmentsUnused,
  capacityReservationsUnused,
  commitmentsExpiring,
  savingsPlanCoverageGap,
  rdsReservations,
  elasticacheReservations,
  opensearchReservations,
  redshiftReservations,
  spotCandidates,
  shortLivedInstances,
];

import { sql, type SQL } from 'drizzle-orm';

import { defineRule, type AnyRule } from '../rules.fns.js';
import { money, resourceRule } from '../rules.sql.js';
import type { Provider } from '../rules.types.js';

/* ---------------------------------------------------------------------------------------------
 * EBS gp2 → gp3 (S1), per volume, with the CID formula. gp3 storage is 20 % cheaper, but gp2
 * volumes above 150 GB burst to 250 MB/s and above 1000 GB get more than 3000 IOPS, which on
 * gp3 are paid extras; the formula buys them back so performance stays the same.
 * ------------------------------------------------------------------------------------------- */

const GP2 = sql`(ut like '%EBS:VolumeUsage.gp2'
  or (ut like '%EBS:VolumeUsage%' and x->>'volumeApiName' = 'gp2'))`;

const gp2ToGp3 = defineRule<{ minMonthlySavings: number }>({
  id: 'aws.ebs.gp2_to_gp3',
  category: 'storage',
  providers: ['aws'],
  confidence: 'high',
  effort: 'low',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1 },
  savingsFormula:
    'C = gp2 cost / days × 30, GB = GB-Mo / days × 30, u = 0.8 × C / GB; saving = C − (0.8 × C ' +
    '+ u × 0.5 × tput + u × 0.06 × iops) with iops = clamp(3 × GB, 3000, 16000) − 3000 and ' +
    'tput = 125 when GB > 150 else 0 (CID kpi_ebs_storage)',
  text: {
    es: {
      title: 'Volúmenes EBS gp2 que conviene pasar a gp3',
      description:
        'gp3 cuesta 20 % menos por GB que gp2 y permite fijar IOPS y rendimiento por separado.',
      remediation:
        'Modifique el volumen en caliente, sin detener la instancia: EC2 › Volumes › Modify › ' +
        'gp3, o `aws ec2 modify-volume --volume-id <id> --volume-type gp3` (con --iops y ' +
        '--throughput si el volumen los necesita).',
      reason:
        '{resourceId} ({sizeGb} GB gp2, {gp2Monthly} {currency} al mes) costaría ' +
        '{gp3Monthly} {currency} en gp3 con {extraIops} IOPS y {extraThroughput} MB/s extra ' +
        'para igualar su rendimiento.',
    },
    en: {
      title: 'EBS gp2 volumes worth moving to gp3',
      description: 'gp3 costs 20 % less per GB than gp2 and sets IOPS and throughput separately.',
      remediation:
        'Modify the volume live, without stopping the instance: EC2 › Volumes › Modify › gp3, ' +
        'or `aws ec2 modify-volume --volume-id <id> --volume-type gp3` (adding --iops and ' +
        '--throughput when the volume needs them).',
      reason:
        '{resourceId} ({sizeGb} GB gp2, {gp2Monthly} {currency} a month) would cost ' +
        '{gp3Monthly} {currency} on gp3 with {extraIops} extra IOPS and {extraThroughput} MB/s ' +
        'extra throughput to match its performance.',
    },
    'pt-BR': {
      title: 'Volumes EBS gp2 que vale migrar para gp3',
      description:
        'gp3 custa 20 % menos por GB que gp2 e permite definir IOPS e throughput à parte.',
      remediation:
        'Modifique o volume sem parar a instância: EC2 › Volumes › Modify › gp3, ou `aws ec2 ' +
        'modify-volume --volume-id <id> --volume-type gp3` (com --iops e --throughput se o ' +
        'volume precisar).',
      reason:
        '{resourceId} ({sizeGb} GB gp2, {gp2Monthly} {currency} por mês) custaria ' +
        '{gp3Monthly} {currency} em gp3 com {extraIops} IOPS e {extraThroughput} MB/s extras ' +
        'para igualar o desempenho.',
    },
  },
  query(ctx) {
    const c = sql`matched_monthly`;
    const gb = sql`(matched_qty * mf)`;
    const u = sql`(0.8 * ${c} / nullif(${gb}, 0))`;
    const iops = sql`(least(greatest(3 * ${gb}, 3000), 16000) - 3000)`;
    const tput = sql`(case when ${gb} > 150 then 125 else 0 end)`;
    const gp3 = sql`(0.8 * ${c} + ${u} * 0.5 * ${tput} + ${u} * 0.06 * ${iops})`;
    return resourceRule(ctx, {
      providers: ['aws'],
      match: GP2,
      savings: sql`${c} - ${gp3}`,
      facts: {
        sizeGb: sql`round(${gb})`,
        gp2Monthly: money(c),
        gp3Monthly: money(gp3),
        extraIops: sql`round(${iops})`,
        extraThroughput: tput,
      },
    });
  },
});

/* ---------------------------------------------------------------------------------------------
 * io1 → io2 (S2). Same storage price; io2 IOPS above 32 000 cost 30 % less (io1 stops at
 * 64 000). Below 32 000 IOPS there is no price gain, only durability, so no finding.
 * ------------------------------------------------------------------------------------------- */

const IO1_IOPS = sql`ut like '%EBS:VolumeP-IOPS.piops'`;

type Io2Thresholds = { minMonthlySavings: number; tierStartIops: number; tierDiscount: number };

const io1ToIo2 = defineRule<Io2Thresholds>({
  id: 'aws.ebs.io1_to_io2',
  category: 'storage',
  providers: ['aws'],
  confidence: 'medium',
  effort: 'low',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1, tierStartIops: 32000, tierDiscount: 0.3 },
  savingsFormula:
    'rate = io1 IOPS cost / IOPS-Mo; IOPS = IOPS-Mo / days × 30; saving = rate × tierDiscount ' +
    '× (min(IOPS, 64000) − tierStartIops), when positive',
  text: {
    es: {
      title: 'Volúmenes EBS io1 que conviene pasar a io2',
      description:
        'io2 cobra 30 % menos por las IOPS sobre 32 000 y es más durable, al mismo precio por GB.',
      remediation:
        'Modifique el volumen en caliente: `aws ec2 modify-volume --volume-id <id> ' +
        '--volume-type io2` (EC2 › Volumes › Modify).',
      reason:
        '{resourceId} tiene {iops} IOPS provisionadas en io1 ({iopsMonthly} {currency} al mes ' +
        'en IOPS); en io2 las IOPS sobre {tierStartIops} cuestan {discountPct} % menos.',
    },
    en: {
      title: 'EBS io1 volumes worth moving to io2',
      description:
        'io2 charges 30 % less for IOPS above 32,000 and is more durable, at the same GB price.',
      remediation:
        'Modify the volume live: `aws ec2 modify-volume --volume-id <id> --volume-type io2` ' +
        '(EC2 › Volumes › Modify).',
      reason:
        '{resourceId} has {iops} provisioned IOPS on io1 ({iopsMonthly} {currency} a month for ' +
        'IOPS); on io2 the IOPS above {tierStartIops} cost {discountPct} % less.',
    },
    'pt-BR': {
      title: 'Volumes EBS io1 que vale migrar para io2',
      description:
        'io2 cobra 30 % menos pelas IOPS acima de 32.000 e é mais durável, com o mesmo preço ' +
        'por GB.',
      remediation:
        'Modifique o volume sem parar: `aws ec2 modify-volume --volume-id <id> --volume-type ' +
        'io2` (EC2 › Volumes › Modify).',
      reason:
        '{resourceId} tem {iops} IOPS provisionadas em io1 ({iopsMonthly} {currency} por mês ' +
        'em IOPS); em io2 as IOPS acima de {tierStartIops} custam {discountPct} % menos.',
    },
  },
  query(ctx, th) {
    const iops = sql`(iops_qty * mf)`;
    return resourceRule(ctx, {
      providers: ['aws'],
      match: sql`ut like '%EBS:VolumeUsage.piops' or ${IO1_IOPS}`,
      aggregates: {
        iops_qty: sql`coalesce(sum(qty) filter (where ${IO1_IOPS}), 0)`,
        iops_cost: sql`coalesce(sum(cost) filter (where ${IO1_IOPS}), 0)`,
      },
      where: sql`iops_qty > 0`,
      savings: sql`iops_cost / iops_qty * ${th.tierDiscount}::numeric
        * greatest(0, least(${iops}, 64000) - ${th.tierStartIops}::numeric)`,
      facts: {
        iops: sql`round(${iops})`,
        iopsMonthly: money(sql`iops_cost * mf`),
        tierStartIops: sql`${th.tierStartIops}::numeric`,
        discountPct: sql`round(${th.tierDiscount}::numeric * 100)`,
      },
    });
  },
});

/* ---------------------------------------------------------------------------------------------
 * Magnetic (standard) → gp3 (S2). gp3 storage costs more per GB than magnetic, but magnetic
 * also bills every I/O; the move pays off only when I/O outweighs the storage difference.
 * ------------------------------------------------------------------------------------------- */

const MAGNETIC_STORAGE = sql`ut ~ '(^|-)EBS:VolumeUsage$'`;
const MAGNETIC_IO = sql`ut ~ '(^|-)EBS:VolumeIOUsage$'`;

type MagneticThresholds = { minMonthlySavings: number; gp3PriceRatio: number };

const magneticToGp3 = defineRule<MagneticThresholds>({
  id: 'aws.ebs.magnetic_to_gp3',
  category: 'storage',
  providers: ['aws'],
  confidence: 'medium',
  effort: 'low',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1, gp3PriceRatio: 1.6 },
  savingsFormula:
    'saving = (storage + I/O cost) − storage × gp3PriceRatio (gp3 $/GB ÷ magnetic $/GB, 1.6 ' +
    'in us-east-1), monthly, when positive',
  text: {
    es: {
      title: 'Volúmenes EBS magnéticos (standard) que conviene pasar a gp3',
      description:
        'Los volúmenes magnéticos son de generación anterior y cobran cada operación de E/S.',
      remediation:
        'Modifique el volumen: `aws ec2 modify-volume --volume-id <id> --volume-type gp3` ' +
        '(EC2 › Volumes › Modify); gp3 incluye 3000 IOPS sin cargo por operación.',
      reason:
        '{resourceId} pagó {ioMonthly} {currency} al mes en E/S y {storageMonthly} en ' +
        'almacenamiento; en gp3 pagaría unos {gp3Monthly} {currency} sin cargo por E/S.',
    },
    en: {
      title: 'Magnetic (standard) EBS volumes worth moving to gp3',
      description: 'Magnetic volumes are previous generation and bill every I/O operation.',
      remediation:
        'Modify the volume: `aws ec2 modify-volume --volume-id <id> --volume-type gp3` (EC2 › ' +
        'Volumes › Modify); gp3 includes 3000 IOPS with no per-operation charge.',
      reason:
        '{resourceId} paid {ioMonthly} {currency} a month for I/O and {storageMonthly} for ' +
        'storage; gp3 would cost about {gp3Monthly} {currency} with no I/O charge.',
    },
    'pt-BR': {
      title: 'Volumes EBS magnéticos (standard) que vale migrar para gp3',
      description: 'Volumes magnéticos são de geração anterior e cobram cada operação de E/S.',
      remediation:
        'Modifique o volume: `aws ec2 modify-volume --volume-id <id> --volume-type gp3` (EC2 › ' +
        'Volumes › Modify); gp3 inclui 3000 IOPS sem cobrança por operação.',
      reason:
        '{resourceId} pagou {ioMonthly} {currency} por mês em E/S e {storageMonthly} em ' +
        'armazenamento; em gp3 custaria cerca de {gp3Monthly} {currency} sem cobrança de E/S.',
    },
  },
  query(ctx, th) {
    const storage = sql`(storage_cost * mf)`;
    const gp3 = sql`(${storage} * ${th.gp3PriceRatio}::numeric)`;
    return resourceRule(ctx, {
      providers: ['aws'],
      match: sql`${MAGNETIC_STORAGE} or ${MAGNETIC_IO}`,
      aggregates: {
        storage_cost: sql`coalesce(sum(cost) filter (where ${MAGNETIC_STORAGE}), 0)`,
        io_cost: sql`coalesce(sum(cost) filter (where ${MAGNETIC_IO}), 0)`,
      },
      where: sql`storage_cost > 0`,
      savings: sql`${storage} + io_cost * mf - ${gp3}`,
      facts: {
        storageMonthly: money(storage),
        ioMonthly: money(sql`io_cost * mf`),
        gp3Monthly: money(gp3),
      },
    });
  },
});

/* ---------------------------------------------------------------------------------------------
 * Old EBS snapshots (S3): first billed more than a year ago. Needs that much stored history;
 * with less, the rule stays silent rather than guess.
 * TODO(findings): raise the confidence once an API connector says whether an AMI or a
 * retention policy still references the snapshot; billing cannot.
 * ------------------------------------------------------------------------------------------- */

const SNAPSHOT = sql`(ut like '%EBS:SnapshotUsage%' and ut not like '%SnapshotArchive%')`;

const oldSnapshots = defineRule<{ minMonthlySavings: number; minAgeDays: number }>({
  id: 'aws.ebs.old_snapshots',
  category: 'storage',
  providers: ['aws'],
  confidence: 'low',
  effort: 'low',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1, minAgeDays: 365 },
  savingsFormula: 'snapshot storage cost / days × 30 (deleting it; archive tier saves less)',
  text: {
    es: {
      title: 'Snapshots EBS antiguos',
      description: 'Snapshots facturados desde hace más de un año, a menudo olvidados.',
      remediation:
        'Confirme que no respaldan una AMI ni una política de retención, y elimínelos (`aws ' +
        'ec2 delete-snapshot --snapshot-id <id>`) o archívelos (`aws ec2 ' +
        'modify-snapshot-tier --storage-tier archive`); automatice con Data Lifecycle Manager.',
      reason:
        '{resourceId} se factura desde el {firstBilled} ({ageDays} días): {monthlySavings} ' +
        '{currency} al mes.',
    },
    en: {
      title: 'Old EBS snapshots',
      description: 'Snapshots billed for more than a year, often forgotten.',
      remediation:
        'Check they back no AMI or retention policy, then delete them (`aws ec2 ' +
        'delete-snapshot --snapshot-id <id>`) or archive them (`aws ec2 modify-snapshot-tier ' +
        '--storage-tier archive`); automate with Data Lifecycle Manager.',
      reason:
        '{resourceId} has been billed since {firstBilled} ({ageDays} days): {monthlySavings} ' +
        '{currency} a month.',
    },
    'pt-BR': {
      title: 'Snapshots EBS antigos',
      description: 'Snapshots faturados há mais de um ano, muitas vezes esquecidos.',
      remediation:
        'Confirme que não sustentam uma AMI nem política de retenção e exclua-os (`aws ec2 ' +
        'delete-snapshot --snapshot-id <id>`) ou arquive-os (`aws ec2 modify-snapshot-tier ' +
        '--storage-tier archive`); automatize com o Data Lifecycle Manager.',
      reason:
        '{resourceId} é faturado desde {firstBilled} ({ageDays} dias): {monthlySavings} ' +
        '{currency} por mês.',
    },
  },
  query: (ctx, th) =>
    resourceRule(ctx, {
      providers: ['aws'],
      match: SNAPSHOT,
      history: { first_billed: sql`min(charge_date) filter (where ${SNAPSHOT})` },
      where: sql`first_billed <= ${ctx.windowEnd}::date - ${th.minAgeDays}::int`,
      savings: sql`matched_monthly`,
      facts: {
        firstBilled: sql`first_billed::text`,
        ageDays: sql`${ctx.windowEnd}::date - first_billed`,
      },
    }),
});

/* ---------------------------------------------------------------------------------------------
 * Early-delete fees (S8 and the Azure / GCP equivalents): objects removed or moved before the
 * storage class's minimum duration. A lifecycle rule that fits the data removes them.
 * ------------------------------------------------------------------------------------------- */

interface EarlyDeleteSpec {
  id: string;
  provider: Provider;
  match: SQL;
  fix: { es: string; en: string; pt: string };
}

function earlyDelete(spec: EarlyDeleteSpec): AnyRule {
  return defineRule<{ minMonthlySavings: number }>({
    id: spec.id,
    category: 'storage',
    providers: [spec.provider],
    confidence: 'medium',
    effort: 'low',
    enabledByDefault: true,
    defaults: { minMonthlySavings: 1 },
    savingsFormula: 'early-delete charges / days × 30',
    text: {
      es: {
        title: 'Cargos por borrado anticipado',
        description:
          'Objetos borrados o movidos antes de la duración mínima de su clase de almacenamiento.',
        remediation: spec.fix.es,
        reason:
          '{resourceId} pagó borrado anticipado {daysObserved} días de la ventana: ' +
          '{monthlySavings} {currency} al mes.',
      },
      en: {
        title: 'Early-delete fees',
        description: 'Objects deleted or moved before their storage class\'s minimum duration.',
        remediation: spec.fix.en,
        reason:
          '{resourceId} paid early-delete fees on {daysObserved} days of the window: ' +
          '{monthlySavings} {currency} a month.',
      },
      'pt-BR': {
        title: 'Cobranças por exclusão antecipada',
        description:
          'Objetos excluídos ou movidos antes da duração mínima da sua classe de armazenamento.',
        remediation: spec.fix.pt,
        reason:
          '{resourceId} pagou exclusão antecipada em {daysObserved} dias da janela: ' +
          '{monthlySavings} {currency} por mês.',
      },
    },
    query: (ctx) =>
      resourceRule(ctx, {
        providers: [spec.provider],
        match: spec.match,
        savings: sql`matched_monthly`,
      }),
  });
}

const s3EarlyDelete = earlyDelete({
  id: 'aws.s3.early_delete_fees',
  provider: 'aws',
  match: sql`ut like '%EarlyDelete%'`,
  fix: {
    es:
      'Ajuste las reglas de ciclo de vida para que los objetos de vida corta queden en ' +
      'Standard o Intelligent-Tiering y solo pasen a IA/Glacier los que superan la duración ' +
      'mínima (30, 90 o 180 días): S3 › Management › Lifecycle rules.',
    en:
      'Fit the lifecycle rules so short-lived objects stay in Standard or Intelligent-Tiering ' +
      'and only objects outliving the minimum duration (30, 90 or 180 days) move to ' +
      'IA/Glacier: S3 › Management › Lifecycle rules.',
    pt:
      'Ajuste as regras de ciclo de vida para que objetos de vida curta fiquem em Standard ou ' +
      'Intelligent-Tiering e só passem a IA/Glacier os que superam a duração mínima (30, 90 ' +
      'ou 180 dias): S3 › Management › Lifecycle rules.',
  },
});

const azureEarlyDelete = earlyDelete({
  id: 'azure.storage.early_delete_fees',
  provider: 'azure',
  match: sql`descr like '%early delete%'`,
  fix: {
    es:
      'Revise la política de administración del ciclo de vida de la cuenta de almacenamiento: ' +
      'no mueva a Cool/Cold/Archive datos que se borran antes de 30/90/180 días.',
    en:
      'Review the storage account\'s lifecycle management policy: do not move data to ' +
      'Cool/Cold/Archive when it is deleted within 30/90/180 days.',
    pt:
      'Revise a política de gerenciamento do ciclo de vida da conta de armazenamento: não ' +
      'mova para Cool/Cold/Archive dados excluídos antes de 30/90/180 dias.',
  },
});

const gcpEarlyDelete = earlyDelete({
  id: 'gcp.storage.early_delete_fees',
  provider: 'gcp',
  match: sql`descr like '%early deletion%'`,
  fix: {
    es:
      'Revise las reglas de ciclo de vida del bucket (Cloud Storage › Lifecycle): no use ' +
      'Nearline/Coldline/Archive para objetos que se borran antes de 30/90/365 días.',
    en:
      'Review the bucket\'s lifecycle rules (Cloud Storage › Lifecycle): do not use ' +
      'Nearline/Coldline/Archive for objects deleted within 30/90/365 days.',
    pt:
      'Revise as regras de ciclo de vida do bucket (Cloud Storage › Lifecycle): não use ' +
      'Nearline/Coldline/Archive para objetos excluídos antes de 30/90/365 dias.',
  },
});

/* ---------------------------------------------------------------------------------------------
 * Standard-only S3 buckets without requests (S4). "Inactive" needs history: the bucket must
 * be known for longer than the inactivity period, otherwise silence is only missing data.
 * ------------------------------------------------------------------------------------------- */

const S3_STANDARD_STORAGE = sql`(svc = 'AmazonS3' and ut ~ '(^|-)TimedStorage-ByteHrs$')`;
const S3_OTHER_STORAGE = sql`(svc = 'AmazonS3' and ut like '%TimedStorage-%'
  and ut !~ '(^|-)TimedStorage-ByteHrs$')`;
const S3_REQUEST = sql`(svc = 'AmazonS3' and op in ('PutObject', 'PutObjectForRepl', 'GetObject',
  'CopyObject') and coalesce(qty, 0) > 0)`;

type InactiveThresholds = { minMonthlySavings: number; inactiveDays: number; savingsRate: number };

const inactiveStandardBucket = defineRule<InactiveThresholds>({
  id: 'aws.s3.inactive_standard_bucket',
  category: 'storage',
  providers: ['aws'],
  confidence: 'medium',
  effort: 'low',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1, inactiveDays: 60, savingsRate: 0.3 },
  savingsFormula: 'Standard storage cost / days × 30 × savingsRate (30 %, CID tiering estimate)',
  text: {
    es: {
      title: 'Buckets S3 solo en Standard y sin actividad',
      description:
        'Buckets con todo en S3 Standard y sin lecturas ni escrituras en los últimos meses.',
      remediation:
        'Active S3 Intelligent-Tiering o una regla de ciclo de vida hacia Standard-IA/Glacier ' +
        '(S3 › Management › Lifecycle rules), o elimine el bucket si ya no se usa.',
      reason:
        '{resourceId} guarda {storageMonthly} {currency} al mes en Standard y no tiene ' +
        'solicitudes desde {lastRequest}; cambiar de clase ahorra cerca del {ratePct} %.',
    },
    en: {
      title: 'Standard-only S3 buckets with no activity',
      description: 'Buckets entirely in S3 Standard with no reads or writes in recent months.',
      remediation:
        'Turn on S3 Intelligent-Tiering or a lifecycle rule to Standard-IA/Glacier (S3 › ' +
        'Management › Lifecycle rules), or delete the bucket if it is no longer used.',
      reason:
        '{resourceId} keeps {storageMonthly} {currency} a month in Standard with no requests ' +
        'since {lastRequest}; another class saves about {ratePct} %.',
    },
    'pt-BR': {
      title: 'Buckets S3 só em Standard e sem atividade',
      description: 'Buckets inteiramente em S3 Standard sem leituras nem gravações recentes.',
      remediation:
        'Ative o S3 Intelligent-Tiering ou uma regra de ciclo de vida para Standard-IA/Glacier ' +
        '(S3 › Management › Lifecycle rules), ou exclua o bucket se não for mais usado.',
      reason:
        '{resourceId} guarda {storageMonthly} {currency} por mês em Standard sem requisições ' +
        'desde {lastRequest}; outra classe economiza cerca de {ratePct} %.',
    },
  },
  query: (ctx, th) =>
    resourceRule(ctx, {
      providers: ['aws'],
      match: S3_STANDARD_STORAGE,
      aggregates: { other_storage: sql`bool_or(${S3_OTHER_STORAGE})` },
      history: {
        first_billed: sql`min(charge_date)`,
        last_request: sql`max(charge_date) filter (where ${S3_REQUEST})`,
      },
      where: sql`not other_storage
        and first_billed <= ${ctx.windowEnd}::date - ${th.inactiveDays}::int
        and (last_request is null
             or last_request <= ${ctx.windowEnd}::date - ${th.inactiveDays}::int)`,
      savings: sql`matched_monthly * ${th.savingsRate}::numeric`,
      facts: {
        storageMonthly: money(sql`matched_monthly`),
        lastRequest: sql`coalesce(last_request::text, '—')`,
        ratePct: sql`round(${th.savingsRate}::numeric * 100)`,
      },
    }),
});

/* ---------------------------------------------------------------------------------------------
 * S3 Standard-IA → Glacier Instant Retrieval (S6): cheaper storage (×0.32) but dearer access
 * (retrieval ×3, PUT-class ×2, GET-class ×10), so it pays only for rarely read data.
 * ------------------------------------------------------------------------------------------- */

const IA_STORAGE = sql`ut like '%TimedStorage-SIA-ByteHrs%'`;
const IA_RETRIEVAL = sql`ut like '%Retrieval-SIA%'`;
const IA_TIER1 = sql`ut like '%Requests-SIA-Tier1%'`;
const IA_TIER2 = sql`ut like '%Requests-SIA-Tier2%'`;

const iaToGlacierIr = defineRule<{ minMonthlySavings: number }>({
  id: 'aws.s3.ia_to_glacier_ir',
  category: 'storage',
  providers: ['aws'],
  confidence: 'medium',
  effort: 'low',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1 },
  savingsFormula:
    'IA cost − (IA storage × 0.32 + retrieval × 3 + tier-1 requests × 2 + tier-2 requests × ' +
    '10), monthly, when positive (CID KPI)',
  text: {
    es: {
      title: 'S3 Standard-IA que conviene pasar a Glacier Instant Retrieval',
      description:
        'Datos en Standard-IA que casi no se leen costarían menos en Glacier Instant Retrieval.',
      remediation:
        'Agregue una regla de ciclo de vida que transicione a GLACIER_IR (S3 › Management › ' +
        'Lifecycle rules, o `aws s3api put-bucket-lifecycle-configuration`).',
      reason:
        '{resourceId} paga {iaMonthly} {currency} al mes en Standard-IA; con el mismo acceso ' +
        'en Glacier Instant Retrieval pagaría {girMonthly} {currency}.',
    },
    en: {
      title: 'S3 Standard-IA worth moving to Glacier Instant Retrieval',
      description: 'Rarely read Standard-IA data would cost less in Glacier Instant Retrieval.',
      remediation:
        'Add a lifecycle rule transitioning to GLACIER_IR (S3 › Management › Lifecycle rules, ' +
        'or `aws s3api put-bucket-lifecycle-configuration`).',
      reason:
        '{resourceId} pays {iaMonthly} {currency} a month in Standard-IA; with the same access ' +
        'Glacier Instant Retrieval would cost {girMonthly} {currency}.',
    },
    'pt-BR': {
      title: 'S3 Standard-IA que vale migrar para Glacier Instant Retrieval',
      description: 'Dados pouco lidos em Standard-IA custariam menos no Glacier Instant Retrieval.',
      remediation:
        'Adicione uma regra de ciclo de vida com transição para GLACIER_IR (S3 › Management › ' +
        'Lifecycle rules, ou `aws s3api put-bucket-lifecycle-configuration`).',
      reason:
        '{resourceId} paga {iaMonthly} {currency} por mês em Standard-IA; com o mesmo acesso ' +
        'no Glacier Instant Retrieval pagaria {girMonthly} {currency}.',
    },
  },
  query(ctx) {
    const part = (cond: SQL) => sql`coalesce(sum(cost) filter (where ${cond}), 0)`;
    const gir = sql`((ia_storage * 0.32 + ia_retrieval * 3 + ia_tier1 * 2 + ia_tier2 * 10) * mf)`;
    return resourceRule(ctx, {
      providers: ['aws'],
      match: sql`svc = 'AmazonS3' and (${IA_STORAGE} or ${IA_RETRIEVAL} or ${IA_TIER1}
        or ${IA_TIER2})`,
      aggregates: {
        ia_storage: part(IA_STORAGE),
        ia_retrieval: part(IA_RETRIEVAL),
        ia_tier1: part(IA_TIER1),
        ia_tier2: part(IA_TIER2),
      },
      where: sql`ia_storage > 0`,
      savings: sql`matched_monthly - ${gir}`,
      facts: { iaMonthly: money(sql`matched_monthly`), girMonthly: money(gir) },
    });
  },
});

export const storageRules: readonly AnyRule[] = [
  gp2ToGp3,
  io1ToIo2,
  magneticToGp3,
  oldSnapshots,
  s3EarlyDelete,
  azureEarlyDelete,
  gcpEarlyDelete,
  inactiveStandardBucket,
  iaToGlacierIr,
];

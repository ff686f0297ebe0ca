import { sql, type SQL } from 'drizzle-orm';

import { defineRule, type AnyRule } from '../rules.fns.js';
import { money, resourceRule } from '../rules.sql.js';
import type { Level, Provider } from '../rules.types.js';

/* ---------------------------------------------------------------------------------------------
 * Addresses billed while idle (N1): the usage type itself says the address is not attached,
 * so the whole charge is waste.
 * ------------------------------------------------------------------------------------------- */

interface IdleChargeSpec {
  id: string;
  provider: Provider;
  match: SQL;
  thing: { es: string; en: string; pt: string };
  fix: { es: string; en: string; pt: string };
  confidence: Level;
}

function idleCharge(spec: IdleChargeSpec): AnyRule {
  const t = spec.thing;
  return defineRule<{ minMonthlySavings: number }>({
    id: spec.id,
    category: 'idle',
    providers: [spec.provider],
    confidence: spec.confidence,
    effort: 'low',
    enabledByDefault: true,
    defaults: { minMonthlySavings: 1 },
    savingsFormula: 'idle-address charges / days × 30 (all of it)',
    text: {
      es: {
        title: `${t.es} sin usar`,
        description: `${t.es} reservada pero no asociada a ningún recurso en ejecución.`,
        remediation: spec.fix.es,
        reason:
          '{resourceId} se facturó como inactiva {daysObserved} días de la ventana: ' +
          '{monthlySavings} {currency} al mes.',
      },
      en: {
        title: `Idle ${t.en}`,
        description: `${t.en} allocated but not associated with any running resource.`,
        remediation: spec.fix.en,
        reason:
          '{resourceId} was billed as idle on {daysObserved} days of the window: ' +
          '{monthlySavings} {currency} a month.',
      },
      'pt-BR': {
        title: `${t.pt} ociosa`,
        description: `${t.pt} reservada, mas não associada a nenhum recurso em execução.`,
        remediation: spec.fix.pt,
        reason:
          '{resourceId} foi faturada como ociosa em {daysObserved} dias da janela: ' +
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

const RELEASE_EIP = {
  es:
    'Asóciela a un recurso o libérela: EC2 › Elastic IPs › Release, o `aws ec2 ' +
    'release-address --allocation-id <id>`.',
  en:
    'Associate it with a resource or release it: EC2 › Elastic IPs › Release, or `aws ec2 ' +
    'release-address --allocation-id <id>`.',
  pt:
    'Associe-a a um recurso ou libere-a: EC2 › Elastic IPs › Release, ou `aws ec2 ' +
    'release-address --allocation-id <id>`.',
};

const idleElasticIp = idleCharge({
  id: 'aws.ec2.idle_elastic_ip',
  provider: 'aws',
  confidence: 'high',
  match: sql`ut like '%ElasticIP:IdleAddress%' or ut like '%ElasticIP:AdditionalAddress%'`,
  thing: { es: 'IP elástica', en: 'Elastic IP', pt: 'IP elástico' },
  fix: RELEASE_EIP,
});

const idlePublicIpv4 = idleCharge({
  id: 'aws.vpc.idle_public_ipv4',
  provider: 'aws',
  confidence: 'high',
  match: sql`ut like '%PublicIPv4:IdleAddress%'`,
  thing: { es: 'Dirección IPv4 pública', en: 'public IPv4 address', pt: 'Endereço IPv4 público' },
  fix: RELEASE_EIP,
});

const idleGcpStaticIp = idleCharge({
  id: 'gcp.network.idle_static_ip',
  provider: 'gcp',
  confidence: 'medium',
  // The SKU "Static Ip Charge" is what Compute Engine bills for a reserved address in no use.
  match: sql`descr like '%static ip charge%'`,
  thing: {
    es: 'IP estática de Google Cloud',
    en: 'Google Cloud static IP',
    pt: 'IP estático do Google Cloud',
  },
  fix: {
    es:
      'Asígnela a una VM o balanceador, o libérela: VPC network › IP addresses › Release, o ' +
      '`gcloud compute addresses delete <nombre> --region <región>`.',
    en:
      'Assign it to a VM or load balancer, or release it: VPC network › IP addresses › ' +
      'Release, or `gcloud compute addresses delete <name> --region <region>`.',
    pt:
      'Atribua-o a uma VM ou balanceador, ou libere-o: VPC network › IP addresses › Release, ' +
      'ou `gcloud compute addresses delete <nome> --region <região>`.',
  },
});

/* ---------------------------------------------------------------------------------------------
 * Resources billed for hours with no traffic (N3–N5, the CUDOS "hours only" test): a NAT
 * gateway, load balancer, VPC endpoint or VPN connection that exists for weeks and moves no
 * bytes is a candidate for deletion, priced at everything it costs.
 * ------------------------------------------------------------------------------------------- */

interface IdleHourlySpec {
  id: string;
  hours: SQL;
  traffic: SQL;
  confidence: Level;
  thing: { es: string; en: string; pt: string };
  fix: { es: string; en: string; pt: string };
  /** Why billing alone may be wrong for this kind, when it may. */
  caveat?: { es: string; en: string; pt: string };
}

type IdleHourlyThresholds = { minMonthlySavings: number; minHours: number; maxTraffic: number };

function idleHourly(spec: IdleHourlySpec): AnyRule {
  const t = spec.thing;
  const c = spec.caveat ?? { es: '', en: '', pt: '' };
  return defineRule<IdleHourlyThresholds>({
    id: spec.id,
    category: 'idle',
    providers: ['aws'],
    confidence: spec.confidence,
    effort: 'low',
    enabledByDefault: true,
    // 336 h = 14 days; traffic in the usage's own unit (GB, LCU-hours): 0.001 ≈ 1 MB.
    defaults: { minMonthlySavings: 1, minHours: 336, maxTraffic: 0.001 },
    savingsFormula: 'all of the resource\'s cost / days × 30 (delete it)',
    text: {
      es: {
        title: `${t.es} sin tráfico`,
        description: `${t.es} facturado por horas durante semanas sin procesar datos.${c.es}`,
        remediation: spec.fix.es,
        reason:
          '{resourceId} sumó {hours} horas en la ventana y {traffic} unidades de tráfico: ' +
          '{monthlySavings} {currency} al mes por un recurso sin uso.',
      },
      en: {
        title: `${t.en} with no traffic`,
        description: `${t.en} billed by the hour for weeks without processing data.${c.en}`,
        remediation: spec.fix.en,
        reason:
          '{resourceId} ran {hours} hours in the window with {traffic} units of traffic: ' +
          '{monthlySavings} {currency} a month for an unused resource.',
      },
      'pt-BR': {
        title: `${t.pt} sem tráfego`,
        description: `${t.pt} faturado por hora durante semanas sem processar dados.${c.pt}`,
        remediation: spec.fix.pt,
        reason:
          '{resourceId} somou {hours} horas na janela e {traffic} unidades de tráfego: ' +
          '{monthlySavings} {currency} por mês por um recurso sem uso.',
      },
    },
    query: (ctx, th) =>
      resourceRule(ctx, {
        providers: ['aws'],
        match: spec.hours,
        aggregates: { traffic: sql`coalesce(sum(qty) filter (where ${spec.traffic}), 0)` },
        where: sql`matched_qty >= ${th.minHours}::numeric and traffic <= ${th.maxTraffic}::numeric`,
        savings: sql`resource_monthly`,
        facts: { hours: sql`round(matched_qty)`, traffic: sql`round(traffic, 3)::text` },
      }),
  });
}

const idleNatGateway = idleHourly({
  id: 'aws.vpc.idle_nat_gateway',
  confidence: 'high',
  hours: sql`ut like '%NatGateway-Hours%'`,
  traffic: sql`ut like '%NatGateway-Bytes%'`,
  thing: { es: 'NAT gateway', en: 'NAT gateway', pt: 'NAT gateway' },
  fix: {
    es:
      'Verifique que ninguna tabla de rutas lo use y elimínelo: VPC › NAT gateways › Delete, ' +
      'o `aws ec2 delete-nat-gateway --nat-gateway-id <id>`; libere luego su IP elástica.',
    en:
      'Check no route table points at it and delete it: VPC › NAT gateways › Delete, or `aws ' +
      'ec2 delete-nat-gateway --nat-gateway-id <id>`; then release its Elastic IP.',
    pt:
      'Confira que nenhuma tabela de rotas o usa e exclua-o: VPC › NAT gateways › Delete, ou ' +
      '`aws ec2 delete-nat-gateway --nat-gateway-id <id>`; depois libere o IP elástico.',
  },
});

const idleLoadBalancer = idleHourly({
  id: 'aws.elb.idle_load_balancer',
  confidence: 'high',
  hours: sql`svc = 'AWSELB' and ut like '%LoadBalancerUsage%'`,
  traffic: sql`ut like '%LCUUsage%' or ut like '%DataProcessing-Bytes%'`,
  thing: { es: 'Balanceador de carga', en: 'Load balancer', pt: 'Balanceador de carga' },
  fix: {
    es:
      'Confirme que no tiene destinos ni registros DNS activos y elimínelo: EC2 › Load ' +
      'Balancers › Delete, o `aws elbv2 delete-load-balancer --load-balancer-arn <arn>`.',
    en:
      'Confirm it has no targets or live DNS records and delete it: EC2 › Load Balancers › ' +
      'Delete, or `aws elbv2 delete-load-balancer --load-balancer-arn <arn>`.',
    pt:
      'Confirme que não tem destinos nem registros DNS ativos e exclua-o: EC2 › Load ' +
      'Balancers › Delete, ou `aws elbv2 delete-load-balancer --load-balancer-arn <arn>`.',
  },
});

const idleVpcEndpoint = idleHourly({
  id: 'aws.vpc.idle_endpoint',
  confidence: 'high',
  hours: sql`ut like '%VpcEndpoint-Hours%'`,
  traffic: sql`ut like '%VpcEndpoint-Bytes%'`,
  thing: {
    es: 'Endpoint de VPC de interfaz',
    en: 'Interface VPC endpoint',
    pt: 'Endpoint de VPC de interface',
  },
  fix: {
    es:
      'Elimínelo si ningún servicio lo usa: VPC › Endpoints › Delete, o `aws ec2 ' +
      'delete-vpc-endpoints --vpc-endpoint-ids <id>`.',
    en:
      'Delete it if no service uses it: VPC › Endpoints › Delete, or `aws ec2 ' +
      'delete-vpc-endpoints --vpc-endpoint-ids <id>`.',
    pt:
      'Exclua-o se nenhum serviço o usa: VPC › Endpoints › Delete, ou `aws ec2 ' +
      'delete-vpc-endpoints --vpc-endpoint-ids <id>`.',
  },
});

// TODO(findings): raise the confidence once VPN bytes are attributed to the connection (CUR
// often bills them to the account), or a CloudWatch connector reports tunnel traffic.
const idleVpn = idleHourly({
  id: 'aws.vpc.idle_vpn',
  confidence: 'low',
  hours: sql`ut like '%VPN-Usage-Hours%'`,
  traffic: sql`ut like '%DataTransfer%' or ut like '%Bytes%'`,
  thing: { es: 'Conexión VPN', en: 'VPN connection', pt: 'Conexão VPN' },
  caveat: {
    es: ' AWS suele facturar el tráfico de la VPN a la cuenta y no a la conexión: confirme ' +
      'el estado de los túneles antes de borrar.',
    en: ' AWS often bills VPN traffic to the account rather than the connection: check the ' +
      'tunnels\' status before deleting.',
    pt: ' A AWS costuma faturar o tráfego da VPN na conta e não na conexão: confira o ' +
      'estado dos túneis antes de excluir.',
  },
  fix: {
    es:
      'Revise el estado de los túneles (VPC › Site-to-Site VPN connections › Tunnel details) ' +
      'y elimine la conexión sin uso: `aws ec2 delete-vpn-connection --vpn-connection-id <id>`.',
    en:
      'Check the tunnels (VPC › Site-to-Site VPN connections › Tunnel details) and delete the ' +
      'unused connection: `aws ec2 delete-vpn-connection --vpn-connection-id <id>`.',
    pt:
      'Confira os túneis (VPC › Site-to-Site VPN connections › Tunnel details) e exclua a ' +
      'conexão sem uso: `aws ec2 delete-vpn-connection --vpn-connection-id <id>`.',
  },
});

/* ---------------------------------------------------------------------------------------------
 * Abandoned Kinesis streams (A1): in the last days the stream only paid for shard hours —
 * nothing written, nothing read — and it is still billed.
 * ------------------------------------------------------------------------------------------- */

const abandonedKinesis = defineRule<{ minMonthlySavings: number; quietDays: number }>({
  id: 'aws.kinesis.abandoned_stream',
  category: 'idle',
  providers: ['aws'],
  confidence: 'medium',
  effort: 'low',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 1, quietDays: 7 },
  savingsFormula: 'shard-hour cost of the quiet days / quietDays × 30 (OptScale)',
  text: {
    es: {
      title: 'Stream de Kinesis abandonado',
      description: 'Un stream que solo paga horas de shard, sin escrituras ni lecturas.',
      remediation:
        'Confirme que ningún productor ni consumidor lo usa y elimínelo: `aws kinesis ' +
        'delete-stream --stream-name <nombre>`, o reduzca shards con update-shard-count.',
      reason:
        '{resourceId} solo facturó horas de shard los últimos {quietDays} días: ' +
        '{monthlySavings} {currency} al mes.',
    },
    en: {
      title: 'Abandoned Kinesis stream',
      description: 'A stream paying only for shard hours, with no writes or reads.',
      remediation:
        'Confirm no producer or consumer uses it and delete it: `aws kinesis delete-stream ' +
        '--stream-name <name>`, or lower its shards with update-shard-count.',
      reason:
        '{resourceId} billed only shard hours over the last {quietDays} days: ' +
        '{monthlySavings} {currency} a month.',
    },
    'pt-BR': {
      title: 'Stream do Kinesis abandonado',
      description: 'Um stream que só paga horas de shard, sem gravações nem leituras.',
      remediation:
        'Confirme que nenhum produtor ou consumidor o usa e exclua-o: `aws kinesis ' +
        'delete-stream --stream-name <nome>`, ou reduza os shards com update-shard-count.',
      reason:
        '{resourceId} faturou apenas horas de shard nos últimos {quietDays} dias: ' +
        '{monthlySavings} {currency} por mês.',
    },
  },
  query(ctx, th) {
    const quiet = sql`charge_date > ${ctx.windowEnd}::date - ${th.quietDays}::int`;
    const shardHours = sql`lower(op) = 'shardhourstorage'`;
    return resourceRule(ctx, {
      providers: ['aws'],
      match: sql`svc = 'AmazonKinesis' and coalesce(pricing_category, 'Standard') = 'Standard'`,
      aggregates: {
        quiet_rows: sql`count(*) filter (where m and ${quiet})`,
        quiet_other: sql`count(*) filter (where m and ${quiet} and not ${shardHours})`,
        quiet_cost: sql`coalesce(sum(cost) filter (where m and ${quiet} and ${shardHours}), 0)`,
      },
      where: sql`first_seen <= ${ctx.windowEnd}::date - ${th.quietDays}::int
        and quiet_rows > 0 and quiet_other = 0`,
      savings: sql`quiet_cost / ${th.quietDays}::numeric * 30`,
      facts: { quietDays: sql`${th.quietDays}::int` },
    });
  },
});

/* ---------------------------------------------------------------------------------------------
 * Data-transfer hot spots (N6, N7). Billing shows how much a resource pays to move data, not
 * where the bytes go, so this is a review item with no saving of its own.
 * ------------------------------------------------------------------------------------------- */

const TRANSFER = sql`(ut like '%DataTransfer-%' or ut like '%-AWS-Out-Bytes%'
  or ut like '%-AWS-In-Bytes%' or ut like '%NatGateway-Bytes%')`;

const transferHotspot = defineRule<{ minMonthlySavings: number; minMonthlyTransferCost: number }>({
  id: 'aws.network.data_transfer_hotspot',
  category: 'network',
  providers: ['aws'],
  confidence: 'low',
  effort: 'medium',
  enabledByDefault: true,
  defaults: { minMonthlySavings: 0, minMonthlyTransferCost: 100 },
  savingsFormula:
    'none: billing does not show destinations; monthly cost = data-transfer cost / days × 30',
  text: {
    es: {
      title: 'Punto caliente de transferencia de datos',
      description:
        'Un recurso paga mucho por mover datos (entre zonas, regiones, hacia internet o por ' +
        'NAT); la facturación no dice a dónde van, así que el ahorro no se puede estimar.',
      remediation:
        'Revise el destino con VPC Flow Logs: use endpoints de gateway para S3/DynamoDB en vez ' +
        'de NAT, mantenga el tráfico en una zona y use CloudFront para salida a internet.',
      reason:
        '{resourceId} gasta {transferMonthly} {currency} al mes en transferencia ' +
        '({transferSharePct} % de su costo); el mayor tipo de uso está en la evidencia.',
    },
    en: {
      title: 'Data-transfer hot spot',
      description:
        'A resource pays a lot to move data (across zones, regions, to the internet or through ' +
        'NAT); billing does not show where it goes, so no saving is estimated.',
      remediation:
        'Find the destination with VPC Flow Logs: use S3/DynamoDB gateway endpoints instead of ' +
        'NAT, keep traffic inside one zone, serve internet egress through CloudFront.',
      reason:
        '{resourceId} spends {transferMonthly} {currency} a month on data transfer ' +
        '({transferSharePct} % of its cost); the evidence lists the usage types.',
    },
    'pt-BR': {
      title: 'Ponto crítico de transferência de dados',
      description:
        'Um recurso paga muito para mover dados (entre zonas, regiões, para a internet ou via ' +
        'NAT); o faturamento não mostra o destino, então a economia não é estimada.',
      remediation:
        'Descubra o destino com VPC Flow Logs: use endpoints de gateway para S3/DynamoDB em ' +
        'vez de NAT, mantenha o tráfego numa zona e use CloudFront para saída à internet.',
      reason:
        '{resourceId} gasta {transferMonthly} {currency} por mês com transferência ' +
        '({transferSharePct} % do seu custo); a evidência lista os tipos de uso.',
    },
  },
  query: (ctx, th) =>
    resourceRule(ctx, {
      providers: ['aws'],
      match: TRANSFER,
      costBasis: 'matched',
      informational: true,
      where: sql`matched_monthly >= ${th.minMonthlyTransferCost}::numeric`,
      savings: sql`0`,
      facts: {
        transferMonthly: money(sql`matched_monthly`),
        transferSharePct: sql`round(matched_cost / nullif(resource_cost, 0) * 100)`,
      },
    }),
});

export const networkRules: readonly AnyRule[] = [
  idleElasticIp,
  idlePublicIpv4,
  idleGcpStaticIp,
  idleNatGateway,
  idleLoadBalancer,
  idleVpcEndpoint,
  idleVpn,
  abandonedKinesis,
  transferHotspot,
];

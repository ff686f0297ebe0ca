/**
 * Every word the reports print, in Latin American Spanish, Brazilian Portuguese and English, and
 * the `Intl` formatting of numbers, money and dates per locale. Exporters take labels only from
 * here so the three formats read the same.
 */
import type {
  AnomalySeverity,
  ClientReportModel,
  ClientStatus,
  CostMetric,
  Decimal,
  Effort,
  IsoDate,
  IsoDateTime,
  IsoMonth,
  MoverKind,
  Ratio,
  ReportLocale,
  ReportPeriod,
  ServiceSpend,
} from './report.types.js';

/** The terms the methodology page defines, in the order it defines them. */
export const METHODOLOGY_TERMS = [
  'costMetric',
  'totalSpend',
  'comparisons',
  'forecast',
  'potentialSavings',
  'realizedSavings',
  'effectiveSavingsRate',
  'commitmentCoverage',
  'tagCoverage',
  'anomalies',
  'movers',
  'currencies',
] as const;
export type MethodologyTerm = (typeof METHODOLOGY_TERMS)[number];

export const ADMIN_METHODOLOGY_TERMS = [
  'spendUnderManagement',
  'potentialSavings',
  'recurringRevenue',
  'securityEvents',
  'currencies',
] as const;
export type AdminMethodologyTerm = (typeof ADMIN_METHODOLOGY_TERMS)[number];

export interface ReportStrings {
  languageName: string;
  clientReportTitle: string;
  adminReportTitle: string;
  confidential: (client: string) => string;
  adminConfidential: string;
  notAvailable: string;
  notAvailableNote: string;
  currencyNote: string;
  cover: {
    client: string;
    period: string;
    generatedAt: string;
    generatedBy: string;
    metric: string;
    reportingCurrency: string;
    currencies: string;
    language: string;
    timeZone: string;
    requestId: string;
  };
  metrics: Record<CostMetric, string>;
  metricDefinitions: Record<CostMetric, string>;
  sections: {
    keyFigures: string;
    monthlyTrend: string;
    topServices: string;
    accounts: string;
    daily: string;
    detail: string;
    findings: string;
    commitments: string;
    movers: string;
    methodology: string;
    reportInfo: string;
    platform: string;
    clients: string;
    subscriptions: string;
    security: string;
  };
  sheets: {
    summary: string;
    trend: string;
    services: string;
    accounts: string;
    daily: string;
    detail: string;
    findings: string;
    commitments: string;
    movers: string;
    methodology: string;
    clients: string;
    subscriptions: string;
    security: string;
  };
  figures: {
    totalSpend: string;
    previousMonth: string;
    vsPreviousMonth: string;
    sameMonthLastYear: string;
    vsSameMonthLastYear: string;
    forecast: string;
    potentialMonthlySavings: string;
    /** Names the evidence window a savings figure comes from, dates already formatted. */
    savingsWindow: (from: string, to: string) => string;
    realizedSavings: string;
    effectiveSavingsRate: string;
    commitmentCoverage: string;
    tagCoverage: string;
  };
  platform: {
    clientsTotal: string;
    clientsActive: string;
    clientsSuspended: string;
    clientsNew: string;
    usersTotal: string;
    usersActive: string;
    usersDisabled: string;
    memberships: string;
    cloudAccounts: string;
    ingestionsSucceeded: string;
    ingestionsFailed: string;
    factRows: string;
    spendUnderManagement: string;
    potentialMonthlySavings: string;
    monthlyRecurringRevenue: string;
    newSubscriptions: string;
    canceledSubscriptions: string;
  };
  security: {
    logins: string;
    loginFailures: string;
    lockouts: string;
    privilegedAccesses: string;
    passwordResets: string;
  };
  columns: {
    section: string;
    measure: string;
    item: string;
    currency: string;
    amount: string;
    value: string;
    unit: string;
    note: string;
    month: string;
    date: string;
    category: string;
    service: string;
    rank: string;
    share: string;
    change: string;
    changePct: string;
    provider: string;
    accountId: string;
    accountName: string;
    region: string;
    chargeCategory: string;
    expected: string;
    anomaly: string;
    severity: string;
    driver: string;
    finding: string;
    findingCategory: string;
    resource: string;
    monthlySavings: string;
    effort: string;
    commitment: string;
    commitmentType: string;
    scope: string;
    periodCost: string;
    periodSavings: string;
    utilization: string;
    endDate: string;
    moverKind: string;
    previous: string;
    current: string;
    priceEffect: string;
    usageEffect: string;
    newEffect: string;
    removedEffect: string;
    /** One PDF column for both: on a row only one of them can be non-zero. */
    newRemovedEffect: string;
    tag: (key: string) => string;
    term: string;
    definition: string;
    field: string;
    client: string;
    slug: string;
    plan: string;
    status: string;
    members: string;
    spendUnderManagement: string;
    potentialSavings: string;
    lastIngestion: string;
    monthlyPrice: string;
    trialing: string;
    active: string;
    pastDue: string;
    canceled: string;
    mrr: string;
    count: string;
    previousPeriod: string;
  };
  units: { percent: string; count: string };
  effort: Record<Effort, string>;
  severity: Record<AnomalySeverity, string>;
  clientStatus: Record<ClientStatus, string>;
  moverGroups: Record<MoverKind, string>;
  moverKinds: Record<MoverKind, string>;
  charts: {
    spendAxis: (currency: string) => string;
    dayAxis: string;
    monthAxis: string;
    anomalyLegend: string;
    spendLegend: string;
    otherCategory: string;
    /** The top-services row that makes the list add up to the total. */
    otherAndCredits: string;
    accountsWithoutSpend: (count: number) => string;
  };
  empty: {
    data: string;
    findings: string;
    commitments: string;
    movers: string;
    moversNoPrevious: string;
    clients: string;
  };
  footer: {
    generated: (when: string) => string;
    request: (id: string) => string;
    page: (n: number, total: number) => string;
  };
  methodology: Record<MethodologyTerm | AdminMethodologyTerm, string>;
  definitions: Record<MethodologyTerm | AdminMethodologyTerm, string>;
  tagCoverageKeys: (keys: string) => string;
  dataFreshness: (through: string, lastIngestion: string) => string;
  /** The "data through" line of a period without any charge yet. */
  noChargesYet: (lastIngestion: string) => string;
  providersLine: (providers: string) => string;
  /** A provider the report has no name for (an empty code, a future one). */
  unknownProvider: string;
  /** Which days the movers compare, when they are not two whole calendar months. */
  moversCompared: (current: string, previous: string) => string;
  /** FOCUS ServiceCategory values in this language; a value not listed is shown as it is. */
  categories: Readonly<Record<string, string>>;
}

const es: ReportStrings = {
  languageName: 'Español',
  clientReportTitle: 'Informe ejecutivo de costos en la nube',
  adminReportTitle: 'Informe de la plataforma',
  confidential: (client) => `Confidencial. Preparado exclusivamente para ${client}.`,
  adminConfidential: 'Uso interno. Contiene datos de todos los clientes de la plataforma.',
  notAvailable: '—',
  notAvailableNote: '«—» indica un dato no disponible para el período.',
  currencyNote:
    'Los importes en distintas monedas se presentan por separado y nunca se suman ni se ' +
    'convierten.',
  cover: {
    client: 'Cliente',
    period: 'Período',
    generatedAt: 'Generado el',
    generatedBy: 'Solicitado por',
    metric: 'Métrica de costo',
    reportingCurrency: 'Moneda de reporte',
    currencies: 'Monedas en el período',
    language: 'Idioma',
    timeZone: 'Zona horaria',
    requestId: 'ID de solicitud',
  },
  metrics: {
    billed_cost: 'Costo facturado',
    net_billed_cost: 'Costo facturado neto',
    effective_cost: 'Costo efectivo (amortizado)',
    net_effective_cost: 'Costo efectivo neto (amortizado)',
    list_cost: 'Costo de lista',
  },
  metricDefinitions: {
    billed_cost:
      'lo que el proveedor factura en el período, incluidas las compras anticipadas de ' +
      'compromisos.',
    net_billed_cost:
      'lo facturado en el período después de descuentos negociados, créditos y reembolsos.',
    effective_cost:
      'el pago anticipado de cada compromiso se reparte entre los días y los recursos que lo ' +
      'consumen.',
    net_effective_cost: 'costo amortizado después de descuentos negociados, créditos y reembolsos.',
    list_cost:
      'costo a precios públicos de lista, sin ningún descuento; es la referencia del ahorro.',
  },
  sections: {
    keyFigures: 'Cifras clave',
    monthlyTrend: 'Evolución de los últimos 12 meses por categoría de servicio',
    topServices: 'Los 10 servicios de mayor gasto',
    accounts: 'Gasto por cuenta',
    daily: 'Tendencia diaria del período',
    detail: 'Detalle diario',
    findings: 'Principales oportunidades de ahorro',
    commitments: 'Compromisos de uso',
    movers: 'Principales variaciones frente al mes anterior',
    methodology: 'Metodología',
    reportInfo: 'Datos del informe',
    platform: 'Indicadores de la plataforma',
    clients: 'Clientes',
    subscriptions: 'Suscripciones e ingresos recurrentes',
    security: 'Resumen de eventos de seguridad',
  },
  sheets: {
    summary: 'Resumen',
    trend: 'Tendencia',
    services: 'Servicios',
    accounts: 'Cuentas',
    daily: 'Diario',
    detail: 'Detalle',
    findings: 'Oportunidades',
    commitments: 'Compromisos',
    movers: 'Variaciones',
    methodology: 'Metodología',
    clients: 'Clientes',
    subscriptions: 'Suscripciones',
    security: 'Seguridad',
  },
  figures: {
    totalSpend: 'Gasto total',
    previousMonth: 'Gasto del mes anterior',
    vsPreviousMonth: 'Variación vs. mes anterior',
    sameMonthLastYear: 'Gasto del mismo mes del año anterior',
    vsSameMonthLastYear: 'Variación vs. mismo mes del año anterior',
    forecast: 'Pronóstico de cierre del mes',
    potentialMonthlySavings: 'Ahorro potencial mensual',
    savingsWindow: (from, to) => `datos del ${from} al ${to}`,
    realizedSavings: 'Ahorro realizado en el período',
    effectiveSavingsRate: 'Tasa de ahorro efectiva',
    commitmentCoverage: 'Cobertura de compromisos',
    tagCoverage: 'Cobertura de etiquetado',
  },
  platform: {
    clientsTotal: 'Clientes',
    clientsActive: 'Clientes activos',
    clientsSuspended: 'Clientes suspendidos',
    clientsNew: 'Clientes nuevos en el período',
    usersTotal: 'Usuarios',
    usersActive: 'Usuarios activos',
    usersDisabled: 'Usuarios deshabilitados',
    memberships: 'Membresías (usuario–cliente)',
    cloudAccounts: 'Cuentas cloud conectadas',
    ingestionsSucceeded: 'Cargas de datos exitosas',
    ingestionsFailed: 'Cargas de datos fallidas',
    factRows: 'Registros diarios de costo',
    spendUnderManagement: 'Gasto bajo gestión',
    potentialMonthlySavings: 'Ahorro potencial mensual',
    monthlyRecurringRevenue: 'Ingreso recurrente mensual (MRR)',
    newSubscriptions: 'Suscripciones nuevas',
    canceledSubscriptions: 'Suscripciones canceladas',
  },
  security: {
    logins: 'Inicios de sesión',
    loginFailures: 'Intentos de inicio de sesión fallidos',
    lockouts: 'Bloqueos de cuenta',
    privilegedAccesses: 'Accesos privilegiados',
    passwordResets: 'Restablecimientos de contraseña',
  },
  columns: {
    section: 'Sección',
    measure: 'Indicador',
    item: 'Concepto',
    currency: 'Moneda',
    amount: 'Importe',
    value: 'Valor',
    unit: 'Unidad',
    note: 'Observación',
    month: 'Mes',
    date: 'Fecha',
    category: 'Categoría',
    service: 'Servicio',
    rank: 'N.º',
    share: '% del total',
    change: 'Variación',
    changePct: 'Variación %',
    provider: 'Proveedor',
    accountId: 'ID de cuenta',
    accountName: 'Nombre de la cuenta',
    region: 'Región',
    chargeCategory: 'Tipo de cargo',
    expected: 'Gasto esperado',
    anomaly: 'Anomalía',
    severity: 'Severidad',
    driver: 'Causa principal',
    finding: 'Oportunidad',
    findingCategory: 'Tipo',
    resource: 'Recurso',
    monthlySavings: 'Ahorro mensual',
    effort: 'Esfuerzo',
    commitment: 'Compromiso',
    commitmentType: 'Tipo',
    scope: 'Alcance',
    periodCost: 'Costo en el período',
    periodSavings: 'Ahorro en el período',
    utilization: 'Utilización',
    endDate: 'Vencimiento',
    moverKind: 'Tipo de variación',
    previous: 'Mes anterior',
    current: 'Período actual',
    priceEffect: 'Efecto precio',
    usageEffect: 'Efecto consumo',
    newEffect: 'Efecto altas',
    removedEffect: 'Efecto bajas',
    newRemovedEffect: 'Altas / bajas',
    tag: (key) => `Etiqueta: ${key}`,
    term: 'Concepto',
    definition: 'Definición',
    field: 'Dato',
    client: 'Cliente',
    slug: 'Identificador',
    plan: 'Plan',
    status: 'Estado',
    members: 'Miembros',
    spendUnderManagement: 'Gasto bajo gestión',
    potentialSavings: 'Ahorro potencial mensual',
    lastIngestion: 'Última carga de datos',
    monthlyPrice: 'Precio mensual',
    trialing: 'En prueba',
    active: 'Activas',
    pastDue: 'Con pago vencido',
    canceled: 'Canceladas',
    mrr: 'MRR',
    count: 'Cantidad',
    previousPeriod: 'Período anterior',
  },
  units: { percent: '%', count: 'cantidad' },
  effort: { low: 'Bajo', medium: 'Medio', high: 'Alto' },
  severity: { low: 'Baja', medium: 'Media', high: 'Alta' },
  clientStatus: { active: 'Activo', suspended: 'Suspendido' },
  moverGroups: {
    price: 'Variaciones por precio',
    usage: 'Variaciones por consumo',
    new: 'Servicios nuevos',
    removed: 'Servicios dados de baja',
    credit: 'Créditos y reembolsos',
  },
  moverKinds: {
    price: 'Precio',
    usage: 'Consumo',
    new: 'Nuevo',
    removed: 'Dado de baja',
    credit: 'Crédito',
  },
  charts: {
    spendAxis: (currency) => `Gasto (${currency})`,
    dayAxis: 'Día',
    monthAxis: 'Mes',
    anomalyLegend: 'Día con anomalía',
    spendLegend: 'Gasto diario',
    otherCategory: 'Otros',
    otherAndCredits: 'Otros / créditos',
    accountsWithoutSpend: (n) => (n === 1 ? '1 cuenta sin gasto' : `${n} cuentas sin gasto`),
  },
  empty: {
    data: 'No hay datos de costo para este período.',
    findings: 'No hay oportunidades de ahorro con evidencia en este período.',
    commitments: 'No hay compromisos vigentes en el período.',
    movers: 'No hubo variaciones relevantes frente al mes anterior.',
    moversNoPrevious: 'No hay datos del mes anterior.',
    clients: 'No hay clientes registrados.',
  },
  footer: {
    generated: (when) => `Generado el ${when}`,
    request: (id) => `Solicitud ${id}`,
    page: (n, total) => `Página ${n} de ${total}`,
  },
  methodology: {
    costMetric: 'Métrica de costo',
    totalSpend: 'Gasto total',
    comparisons: 'Variaciones',
    forecast: 'Pronóstico de cierre del mes',
    potentialSavings: 'Ahorro potencial mensual',
    realizedSavings: 'Ahorro realizado en el período',
    effectiveSavingsRate: 'Tasa de ahorro efectiva',
    commitmentCoverage: 'Cobertura de compromisos',
    tagCoverage: 'Cobertura de etiquetado',
    anomalies: 'Anomalías',
    movers: 'Variaciones por precio, consumo, altas y bajas',
    currencies: 'Monedas',
    spendUnderManagement: 'Gasto bajo gestión',
    recurringRevenue: 'Ingreso recurrente mensual (MRR)',
    securityEvents: 'Eventos de seguridad',
  },
  definitions: {
    costMetric: 'Todas las cifras del informe usan la métrica indicada en la portada.',
    totalSpend:
      'Suma de la métrica en todos los cargos del período: uso, compras, impuestos, créditos y ' +
      'ajustes. Los créditos y reembolsos restan.',
    comparisons:
      'Diferencia con el mes calendario anterior y con el mismo mes del año anterior, en importe ' +
      'y en porcentaje. Sin datos del período de referencia se muestra «—».',
    forecast:
      'Proyección del gasto al cierre del mes según el ritmo diario reciente. No se calcula para ' +
      'meses ya cerrados.',
    potentialSavings:
      'Suma del ahorro mensual estimado de las oportunidades abiertas cuya evidencia cae en el ' +
      'período, valorizado con los precios vigentes de cada recurso; la cifra indica las ' +
      'fechas de esa evidencia.',
    realizedSavings:
      'Ahorro medido en las oportunidades ya implementadas, solo por los días del período ' +
      'posteriores a cada cambio: el costo del recurso en los 30 días previos menos su costo ' +
      'desde entonces, como ritmo mensual, prorrateado a esos días. No acumula lo ahorrado en ' +
      'períodos anteriores; el ahorro de los compromisos se ve en la tasa de ahorro efectiva.',
    effectiveSavingsRate:
      '(Costo de lista − costo efectivo) ÷ costo de lista: la parte del gasto a precios de lista ' +
      'que se evitó con descuentos y compromisos.',
    commitmentCoverage:
      'Parte del gasto elegible (cómputo, bases de datos y servicios similares) cubierta por ' +
      'compromisos en el período.',
    tagCoverage:
      'Parte del gasto asignada a recursos que llevan todas las etiquetas obligatorias de ' +
      'asignación de costos.',
    anomalies:
      'Días cuyo gasto se aparta del valor esperado según el comportamiento reciente, más allá ' +
      'del umbral configurado. Se marcan en rojo en el gráfico diario.',
    movers:
      'Servicios con mayor cambio frente al mes anterior. El cambio se separa en efecto precio ' +
      '((precio unitario nuevo − anterior) × cantidad nueva) y efecto consumo ((cantidad nueva − ' +
      'anterior) × precio unitario anterior). Un servicio sin gasto en uno de los dos meses ' +
      'figura como nuevo o dado de baja.',
    currencies:
      'Cada importe se expresa en la moneda de facturación de su cuenta. Los importes en monedas ' +
      'distintas se presentan por separado: nunca se suman ni se convierten.',
    spendUnderManagement:
      'Gasto del período en las cuentas cloud que cada cliente conectó a la plataforma.',
    recurringRevenue:
      'Precio mensual de cada plan multiplicado por sus suscripciones activas y con pago vencido.',
    securityEvents:
      'Eventos de seguridad registrados en el período: inicios de sesión correctos y fallidos, ' +
      'bloqueos por intentos repetidos, accesos con rol global y restablecimientos de contraseña.',
  },
  tagCoverageKeys: (keys) => `Etiquetas obligatorias: ${keys}.`,
  dataFreshness: (through, last) => `Datos hasta el ${through}. Última carga de datos: ${last}.`,
  noChargesYet: (last) =>
    `Todavía no hay cargos registrados para este período. Última carga de datos: ${last}.`,
  providersLine: (providers) => `Proveedores incluidos: ${providers}.`,
  unknownProvider: 'Otro proveedor',
  moversCompared: (current, previous) =>
    `El período tiene datos parciales: se comparan los mismos días, ${current} frente a ` +
    `${previous}.`,
  categories: {
    'AI and Machine Learning': 'IA y aprendizaje automático',
    Analytics: 'Analítica',
    'Business Applications': 'Aplicaciones empresariales',
    Compute: 'Cómputo',
    Databases: 'Bases de datos',
    'Developer Tools': 'Herramientas para desarrolladores',
    Identity: 'Identidad',
    Integration: 'Integración',
    'Internet of Things': 'Internet de las cosas',
    'Management and Governance': 'Gestión y gobierno',
    Media: 'Medios',
    Migration: 'Migración',
    Mobile: 'Móvil',
    Multicloud: 'Multinube',
    Networking: 'Redes',
    Security: 'Seguridad',
    Storage: 'Almacenamiento',
    Web: 'Web',
    Other: 'Otros',
  },
};

const en: ReportStrings = {
  languageName: 'English',
  clientReportTitle: 'Executive cloud cost report',
  adminReportTitle: 'Platform report',
  confidential: (client) => `Confidential. Prepared for ${client} only.`,
  adminConfidential: 'Internal use. Contains data about every client of the platform.',
  notAvailable: '—',
  notAvailableNote: '"—" marks a figure that is not available for the period.',
  currencyNote:
    'Amounts in different currencies are shown separately and are never added up or converted.',
  cover: {
    client: 'Client',
    period: 'Period',
    generatedAt: 'Generated on',
    generatedBy: 'Requested by',
    metric: 'Cost metric',
    reportingCurrency: 'Reporting currency',
    currencies: 'Currencies in the period',
    language: 'Language',
    timeZone: 'Time zone',
    requestId: 'Request ID',
  },
  metrics: {
    billed_cost: 'Billed cost',
    net_billed_cost: 'Net billed cost',
    effective_cost: 'Effective cost (amortized)',
    net_effective_cost: 'Net effective cost (amortized)',
    list_cost: 'List cost',
  },
  metricDefinitions: {
    billed_cost:
      'what the provider invoices for the period, including upfront commitment purchases.',
    net_billed_cost:
      'what is invoiced for the period after negotiated discounts, credits and refunds.',
    effective_cost:
      'the upfront payment of each commitment is spread over the days and resources that ' +
      'use it.',
    net_effective_cost: 'amortized cost after negotiated discounts, credits and refunds.',
    list_cost: 'cost at public list prices with no discount at all; the baseline for savings.',
  },
  sections: {
    keyFigures: 'Key figures',
    monthlyTrend: '12-month trend by service category',
    topServices: 'Top 10 services by spend',
    accounts: 'Spend by account',
    daily: 'Daily trend for the period',
    detail: 'Daily detail',
    findings: 'Top savings opportunities',
    commitments: 'Commitments',
    movers: 'Month-over-month movers',
    methodology: 'Methodology',
    reportInfo: 'About this report',
    platform: 'Platform figures',
    clients: 'Clients',
    subscriptions: 'Subscriptions and recurring revenue',
    security: 'Security events summary',
  },
  sheets: {
    summary: 'Summary',
    trend: 'Trend',
    services: 'Services',
    accounts: 'Accounts',
    daily: 'Daily',
    detail: 'Detail',
    findings: 'Findings',
    commitments: 'Commitments',
    movers: 'Movers',
    methodology: 'Methodology',
    clients: 'Clients',
    subscriptions: 'Subscriptions',
    security: 'Security',
  },
  figures: {
    totalSpend: 'Total spend',
    previousMonth: 'Previous month spend',
    vsPreviousMonth: 'Change vs. previous month',
    sameMonthLastYear: 'Same month last year spend',
    vsSameMonthLastYear: 'Change vs. same month last year',
    forecast: 'Month-end forecast',
    potentialMonthlySavings: 'Potential monthly savings',
    savingsWindow: (from, to) => `data from ${from} to ${to}`,
    realizedSavings: 'Realized savings in the period',
    effectiveSavingsRate: 'Effective savings rate',
    commitmentCoverage: 'Commitment coverage',
    tagCoverage: 'Tag coverage',
  },
  platform: {
    clientsTotal: 'Clients',
    clientsActive: 'Active clients',
    clientsSuspended: 'Suspended clients',
    clientsNew: 'New clients in the period',
    usersTotal: 'Users',
    usersActive: 'Active users',
    usersDisabled: 'Disabled users',
    memberships: 'Memberships (user–client)',
    cloudAccounts: 'Connected cloud accounts',
    ingestionsSucceeded: 'Successful data loads',
    ingestionsFailed: 'Failed data loads',
    factRows: 'Daily cost records',
    spendUnderManagement: 'Spend under management',
    potentialMonthlySavings: 'Potential monthly savings',
    monthlyRecurringRevenue: 'Monthly recurring revenue (MRR)',
    newSubscriptions: 'New subscriptions',
    canceledSubscriptions: 'Canceled subscriptions',
  },
  security: {
    logins: 'Sign-ins',
    loginFailures: 'Failed sign-ins',
    lockouts: 'Account lockouts',
    privilegedAccesses: 'Privileged accesses',
    passwordResets: 'Password resets',
  },
  columns: {
    section: 'Section',
    measure: 'Measure',
    item: 'Item',
    currency: 'Currency',
    amount: 'Amount',
    value: 'Value',
    unit: 'Unit',
    note: 'Note',
    month: 'Month',
    date: 'Date',
    category: 'Category',
    service: 'Service',
    rank: '#',
    share: 'Share',
    change: 'Change',
    changePct: 'Change %',
    provider: 'Provider',
    accountId: 'Account ID',
    accountName: 'Account name',
    region: 'Region',
    chargeCategory: 'Charge category',
    expected: 'Expected spend',
    anomaly: 'Anomaly',
    severity: 'Severity',
    driver: 'Main driver',
    finding: 'Opportunity',
    findingCategory: 'Type',
    resource: 'Resource',
    monthlySavings: 'Monthly savings',
    effort: 'Effort',
    commitment: 'Commitment',
    commitmentType: 'Type',
    scope: 'Scope',
    periodCost: 'Cost in period',
    periodSavings: 'Savings in period',
    utilization: 'Utilization',
    endDate: 'Expires',
    moverKind: 'Driver',
    previous: 'Previous month',
    current: 'This period',
    priceEffect: 'Price effect',
    usageEffect: 'Usage effect',
    newEffect: 'New effect',
    removedEffect: 'Removed effect',
    newRemovedEffect: 'New / removed',
    tag: (key) => `Tag: ${key}`,
    term: 'Term',
    definition: 'Definition',
    field: 'Field',
    client: 'Client',
    slug: 'Slug',
    plan: 'Plan',
    status: 'Status',
    members: 'Members',
    spendUnderManagement: 'Spend under management',
    potentialSavings: 'Potential monthly savings',
    lastIngestion: 'Last data load',
    monthlyPrice: 'Monthly price',
    trialing: 'Trialing',
    active: 'Active',
    pastDue: 'Past due',
    canceled: 'Canceled',
    mrr: 'MRR',
    count: 'Count',
    previousPeriod: 'Previous period',
  },
  units: { percent: '%', count: 'count' },
  effort: { low: 'Low', medium: 'Medium', high: 'High' },
  severity: { low: 'Low', medium: 'Medium', high: 'High' },
  clientStatus: { active: 'Active', suspended: 'Suspended' },
  moverGroups: {
    price: 'Price-driven changes',
    usage: 'Usage-driven changes',
    new: 'New services',
    removed: 'Removed services',
    credit: 'Credits and refunds',
  },
  moverKinds: { price: 'Price', usage: 'Usage', new: 'New', removed: 'Removed', credit: 'Credit' },
  charts: {
    spendAxis: (currency) => `Spend (${currency})`,
    dayAxis: 'Day',
    monthAxis: 'Month',
    anomalyLegend: 'Anomalous day',
    spendLegend: 'Daily spend',
    otherCategory: 'Other',
    otherAndCredits: 'Other / credits',
    accountsWithoutSpend: (n) =>
      n === 1 ? '1 account without spend' : `${n} accounts without spend`,
  },
  empty: {
    data: 'There is no cost data for this period.',
    findings: 'No savings opportunity has evidence in this period.',
    commitments: 'No commitment was active in the period.',
    movers: 'No significant change against the previous month.',
    moversNoPrevious: 'No data for the previous month.',
    clients: 'There are no clients yet.',
  },
  footer: {
    generated: (when) => `Generated ${when}`,
    request: (id) => `Request ${id}`,
    page: (n, total) => `Page ${n} of ${total}`,
  },
  methodology: {
    costMetric: 'Cost metric',
    totalSpend: 'Total spend',
    comparisons: 'Changes',
    forecast: 'Month-end forecast',
    potentialSavings: 'Potential monthly savings',
    realizedSavings: 'Realized savings in the period',
    effectiveSavingsRate: 'Effective savings rate',
    commitmentCoverage: 'Commitment coverage',
    tagCoverage: 'Tag coverage',
    anomalies: 'Anomalies',
    movers: 'Price, usage, new and removed movers',
    currencies: 'Currencies',
    spendUnderManagement: 'Spend under management',
    recurringRevenue: 'Monthly recurring revenue (MRR)',
    securityEvents: 'Security events',
  },
  definitions: {
    costMetric: 'Every figure in this report uses the metric named on the cover.',
    totalSpend:
      'The metric summed over every charge of the period: usage, purchases, taxes, credits and ' +
      'adjustments. Credits and refunds count as negative amounts.',
    comparisons:
      'Difference with the previous calendar month and with the same month a year earlier, as an ' +
      'amount and a percentage. Without data for the reference period, "—" is shown.',
    forecast:
      'Projected month-end spend from the recent daily run rate. Not computed for months that ' +
      'have already closed.',
    potentialSavings:
      'Sum of the estimated monthly savings of the open opportunities whose evidence falls in ' +
      "the period, priced at each resource's current rates; the figure names the dates of " +
      'that evidence.',
    realizedSavings:
      'Savings measured on opportunities already implemented, only for the days of the period ' +
      'after each change took effect: the resource’s cost in the 30 days before minus its cost ' +
      'since, as a monthly rate, prorated to those days. Savings of earlier periods are not ' +
      'carried over; commitment savings show in the effective savings rate.',
    effectiveSavingsRate:
      '(List cost − effective cost) ÷ list cost: the share of list-price spend avoided through ' +
      'discounts and commitments.',
    commitmentCoverage:
      'Share of eligible spend (compute, databases and similar services) covered by commitments ' +
      'in the period.',
    tagCoverage: 'Share of spend on resources that carry every required cost-allocation tag.',
    anomalies:
      'Days whose spend departs from the value expected from recent behaviour by more than the ' +
      'configured threshold. They are marked in red on the daily chart.',
    movers:
      'Services whose spend changed most against the previous month. The change is split into a ' +
      'price effect ((new − old unit price) × new quantity) and a usage effect ((new − old ' +
      'quantity) × old unit price). A service with no spend in one of the two months is listed ' +
      'as new or removed.',
    currencies:
      "Each amount is in its account's billing currency. Amounts in different currencies are " +
      'shown separately: they are never added up or converted.',
    spendUnderManagement:
      'Spend in the period on the cloud accounts each client has connected to the platform.',
    recurringRevenue: "Each plan's monthly price times its active and past-due subscriptions.",
    securityEvents:
      'Security events recorded in the period: successful and failed sign-ins, lockouts after ' +
      'repeated failures, accesses with a global role, and password resets.',
  },
  tagCoverageKeys: (keys) => `Required tags: ${keys}.`,
  dataFreshness: (through, last) => `Data through ${through}. Last data load: ${last}.`,
  noChargesYet: (last) => `No charges recorded for this period yet. Last data load: ${last}.`,
  providersLine: (providers) => `Providers included: ${providers}.`,
  unknownProvider: 'Other provider',
  moversCompared: (current, previous) =>
    `The period has partial data: the same days are compared, ${current} against ${previous}.`,
  // FOCUS names its categories in English already.
  categories: Object.fromEntries(
    [
      'AI and Machine Learning',
      'Analytics',
      'Business Applications',
      'Compute',
      'Databases',
      'Developer Tools',
      'Identity',
      'Integration',
      'Internet of Things',
      'Management and Governance',
      'Media',
      'Migration',
      'Mobile',
      'Multicloud',
      'Networking',
      'Security',
      'Storage',
      'Web',
      'Other',
    ].map((name) => [name, name]),
  ),
};

const ptBR: ReportStrings = {
  languageName: 'Português (Brasil)',
  clientReportTitle: 'Relatório executivo de custos em nuvem',
  adminReportTitle: 'Relatório da plataforma',
  confidential: (client) => `Confidencial. Preparado exclusivamente para ${client}.`,
  adminConfidential: 'Uso interno. Contém dados de todos os clientes da plataforma.',
  notAvailable: '—',
  notAvailableNote: '"—" indica um dado indisponível para o período.',
  currencyNote:
    'Valores em moedas diferentes são apresentados separadamente e nunca são somados nem ' +
    'convertidos.',
  cover: {
    client: 'Cliente',
    period: 'Período',
    generatedAt: 'Gerado em',
    generatedBy: 'Solicitado por',
    metric: 'Métrica de custo',
    reportingCurrency: 'Moeda de referência',
    currencies: 'Moedas no período',
    language: 'Idioma',
    timeZone: 'Fuso horário',
    requestId: 'ID da solicitação',
  },
  metrics: {
    billed_cost: 'Custo faturado',
    net_billed_cost: 'Custo faturado líquido',
    effective_cost: 'Custo efetivo (amortizado)',
    net_effective_cost: 'Custo efetivo líquido (amortizado)',
    list_cost: 'Custo de tabela',
  },
  metricDefinitions: {
    billed_cost:
      'o valor faturado pelo provedor no período, incluindo compras antecipadas de compromissos.',
    net_billed_cost:
      'o valor faturado no período depois de descontos negociados, créditos e reembolsos.',
    effective_cost:
      'o pagamento antecipado de cada compromisso é distribuído entre os dias e os recursos que ' +
      'o consomem.',
    net_effective_cost: 'custo amortizado depois de descontos negociados, créditos e reembolsos.',
    list_cost:
      'custo pelos preços públicos de tabela, sem nenhum desconto; é a referência da economia.',
  },
  sections: {
    keyFigures: 'Indicadores-chave',
    monthlyTrend: 'Evolução dos últimos 12 meses por categoria de serviço',
    topServices: 'Os 10 serviços de maior gasto',
    accounts: 'Gasto por conta',
    daily: 'Tendência diária do período',
    detail: 'Detalhamento diário',
    findings: 'Principais oportunidades de economia',
    commitments: 'Compromissos de uso',
    movers: 'Principais variações em relação ao mês anterior',
    methodology: 'Metodologia',
    reportInfo: 'Dados do relatório',
    platform: 'Indicadores da plataforma',
    clients: 'Clientes',
    subscriptions: 'Assinaturas e receita recorrente',
    security: 'Resumo de eventos de segurança',
  },
  sheets: {
    summary: 'Resumo',
    trend: 'Tendência',
    services: 'Serviços',
    accounts: 'Contas',
    daily: 'Diário',
    detail: 'Detalhamento',
    findings: 'Oportunidades',
    commitments: 'Compromissos',
    movers: 'Variações',
    methodology: 'Metodologia',
    clients: 'Clientes',
    subscriptions: 'Assinaturas',
    security: 'Segurança',
  },
  figures: {
    totalSpend: 'Gasto total',
    previousMonth: 'Gasto do mês anterior',
    vsPreviousMonth: 'Variação vs. mês anterior',
    sameMonthLastYear: 'Gasto do mesmo mês do ano anterior',
    vsSameMonthLastYear: 'Variação vs. mesmo mês do ano anterior',
    forecast: 'Previsão de fechamento do mês',
    potentialMonthlySavings: 'Economia potencial mensal',
    savingsWindow: (from, to) => `dados de ${from} a ${to}`,
    realizedSavings: 'Economia realizada no período',
    effectiveSavingsRate: 'Taxa de economia efetiva',
    commitmentCoverage: 'Cobertura de compromissos',
    tagCoverage: 'Cobertura de tags',
  },
  platform: {
    clientsTotal: 'Clientes',
    clientsActive: 'Clientes ativos',
    clientsSuspended: 'Clientes suspensos',
    clientsNew: 'Novos clientes no período',
    usersTotal: 'Usuários',
    usersActive: 'Usuários ativos',
    usersDisabled: 'Usuários desativados',
    memberships: 'Vínculos usuário–cliente',
    cloudAccounts: 'Contas de nuvem conectadas',
    ingestionsSucceeded: 'Cargas de dados concluídas',
    ingestionsFailed: 'Cargas de dados com falha',
    factRows: 'Registros diários de custo',
    spendUnderManagement: 'Gasto sob gestão',
    potentialMonthlySavings: 'Economia potencial mensal',
    monthlyRecurringRevenue: 'Receita recorrente mensal (MRR)',
    newSubscriptions: 'Novas assinaturas',
    canceledSubscriptions: 'Assinaturas canceladas',
  },
  security: {
    logins: 'Logins',
    loginFailures: 'Tentativas de login com falha',
    lockouts: 'Bloqueios de conta',
    privilegedAccesses: 'Acessos privilegiados',
    passwordResets: 'Redefinições de senha',
  },
  columns: {
    section: 'Seção',
    measure: 'Indicador',
    item: 'Item',
    currency: 'Moeda',
    amount: 'Valor',
    value: 'Valor',
    unit: 'Unidade',
    note: 'Observação',
    month: 'Mês',
    date: 'Data',
    category: 'Categoria',
    service: 'Serviço',
    rank: 'Nº',
    share: '% do total',
    change: 'Variação',
    changePct: 'Variação %',
    provider: 'Provedor',
    accountId: 'ID da conta',
    accountName: 'Nome da conta',
    region: 'Região',
    chargeCategory: 'Tipo de cobrança',
    expected: 'Gasto esperado',
    anomaly: 'Anomalia',
    severity: 'Severidade',
    driver: 'Principal causa',
    finding: 'Oportunidade',
    findingCategory: 'Tipo',
    resource: 'Recurso',
    monthlySavings: 'Economia mensal',
    effort: 'Esforço',
    commitment: 'Compromisso',
    commitmentType: 'Tipo',
    scope: 'Escopo',
    periodCost: 'Custo no período',
    periodSavings: 'Economia no período',
    utilization: 'Utilização',
    endDate: 'Vencimento',
    moverKind: 'Tipo de variação',
    previous: 'Mês anterior',
    current: 'Período atual',
    priceEffect: 'Efeito preço',
    usageEffect: 'Efeito consumo',
    newEffect: 'Efeito novos',
    removedEffect: 'Efeito descontinuados',
    newRemovedEffect: 'Novos / descont.',
    tag: (key) => `Tag: ${key}`,
    term: 'Conceito',
    definition: 'Definição',
    field: 'Campo',
    client: 'Cliente',
    slug: 'Identificador',
    plan: 'Plano',
    status: 'Status',
    members: 'Membros',
    spendUnderManagement: 'Gasto sob gestão',
    potentialSavings: 'Economia potencial mensal',
    lastIngestion: 'Última carga de dados',
    monthlyPrice: 'Preço mensal',
    trialing: 'Em avaliação',
    active: 'Ativas',
    pastDue: 'Em atraso',
    canceled: 'Canceladas',
    mrr: 'MRR',
    count: 'Quantidade',
    previousPeriod: 'Período anterior',
  },
  units: { percent: '%', count: 'quantidade' },
  effort: { low: 'Baixo', medium: 'Médio', high: 'Alto' },
  severity: { low: 'Baixa', medium: 'Média', high: 'Alta' },
  clientStatus: { active: 'Ativo', suspended: 'Suspenso' },
  moverGroups: {
    price: 'Variações por preço',
    usage: 'Variações por consumo',
    new: 'Serviços novos',
    removed: 'Serviços descontinuados',
    credit: 'Créditos e reembolsos',
  },
  moverKinds: {
    price: 'Preço',
    usage: 'Consumo',
    new: 'Novo',
    removed: 'Descontinuado',
    credit: 'Crédito',
  },
  charts: {
    spendAxis: (currency) => `Gasto (${currency})`,
    dayAxis: 'Dia',
    monthAxis: 'Mês',
    anomalyLegend: 'Dia com anomalia',
    spendLegend: 'Gasto diário',
    otherCategory: 'Outros',
    otherAndCredits: 'Outros / créditos',
    accountsWithoutSpend: (n) => (n === 1 ? '1 conta sem gasto' : `${n} contas sem gasto`),
  },
  empty: {
    data: 'Não há dados de custo para este período.',
    findings: 'Não há oportunidades de economia com evidência neste período.',
    commitments: 'Nenhum compromisso esteve vigente no período.',
    movers: 'Não houve variações relevantes em relação ao mês anterior.',
    moversNoPrevious: 'Não há dados do mês anterior.',
    clients: 'Ainda não há clientes cadastrados.',
  },
  footer: {
    generated: (when) => `Gerado em ${when}`,
    request: (id) => `Solicitação ${id}`,
    page: (n, total) => `Página ${n} de ${total}`,
  },
  methodology: {
    costMetric: 'Métrica de custo',
    totalSpend: 'Gasto total',
    comparisons: 'Variações',
    forecast: 'Previsão de fechamento do mês',
    potentialSavings: 'Economia potencial mensal',
    realizedSavings: 'Economia realizada no período',
    effectiveSavingsRate: 'Taxa de economia efetiva',
    commitmentCoverage: 'Cobertura de compromissos',
    tagCoverage: 'Cobertura de tags',
    anomalies: 'Anomalias',
    movers: 'Variações por preço, consumo, entradas e saídas',
    currencies: 'Moedas',
    spendUnderManagement: 'Gasto sob gestão',
    recurringRevenue: 'Receita recorrente mensal (MRR)',
    securityEvents: 'Eventos de segurança',
  },
  definitions: {
    costMetric: 'Todos os valores do relatório usam a métrica indicada na capa.',
    totalSpend:
      'Soma da métrica em todas as cobranças do período: uso, compras, impostos, créditos e ' +
      'ajustes. Créditos e reembolsos entram como valores negativos.',
    comparisons:
      'Diferença em relação ao mês anterior e ao mesmo mês do ano anterior, em valor e em ' +
      'percentual. Sem dados do período de referência, é exibido "—".',
    forecast:
      'Projeção do gasto no fechamento do mês com base no ritmo diário recente. Não é calculada ' +
      'para meses já encerrados.',
    potentialSavings:
      'Soma da economia mensal estimada das oportunidades em aberto cuja evidência cai no ' +
      'período, calculada com os preços vigentes de cada recurso; o valor indica as datas ' +
      'dessa evidência.',
    realizedSavings:
      'Economia medida nas oportunidades já implementadas, apenas nos dias do período ' +
      'posteriores a cada mudança: o custo do recurso nos 30 dias anteriores menos o custo ' +
      'desde então, como ritmo mensal, proporcional a esses dias. Não acumula a economia de ' +
      'períodos anteriores; a dos compromissos aparece na taxa de economia efetiva.',
    effectiveSavingsRate:
      '(Custo de tabela − custo efetivo) ÷ custo de tabela: a parcela do gasto a preços de ' +
      'tabela evitada com descontos e compromissos.',
    commitmentCoverage:
      'Parcela do gasto elegível (computação, bancos de dados e serviços similares) coberta por ' +
      'compromissos no período.',
    tagCoverage:
      'Parcela do gasto em recursos que têm todas as tags obrigatórias de alocação de custos.',
    anomalies:
      'Dias cujo gasto se afasta do valor esperado pelo comportamento recente além do limite ' +
      'configurado. São destacados em vermelho no gráfico diário.',
    movers:
      'Serviços com maior variação em relação ao mês anterior. A variação é separada em efeito ' +
      'preço ((preço unitário novo − anterior) × quantidade nova) e efeito consumo ((quantidade ' +
      'nova − anterior) × preço unitário anterior). Um serviço sem gasto em um dos dois meses ' +
      'aparece como novo ou descontinuado.',
    currencies:
      'Cada valor está na moeda de faturamento da sua conta. Valores em moedas diferentes são ' +
      'apresentados separadamente: nunca são somados nem convertidos.',
    spendUnderManagement:
      'Gasto do período nas contas de nuvem que cada cliente conectou à plataforma.',
    recurringRevenue:
      'Preço mensal de cada plano multiplicado pelas suas assinaturas ativas e em atraso.',
    securityEvents:
      'Eventos de segurança registrados no período: logins bem-sucedidos e com falha, bloqueios ' +
      'por tentativas repetidas, acessos com papel global e redefinições de senha.',
  },
  tagCoverageKeys: (keys) => `Tags obrigatórias: ${keys}.`,
  dataFreshness: (through, last) => `Dados até ${through}. Última carga de dados: ${last}.`,
  noChargesYet: (last) =>
    `Ainda não há cobranças registradas para este período. Última carga de dados: ${last}.`,
  providersLine: (providers) => `Provedores incluídos: ${providers}.`,
  unknownProvider: 'Outro provedor',
  moversCompared: (current, previous) =>
    `O período tem dados parciais: comparam-se os mesmos dias, ${current} com ${previous}.`,
  categories: {
    'AI and Machine Learning': 'IA e aprendizado de máquina',
    Analytics: 'Análise de dados',
    'Business Applications': 'Aplicações empresariais',
    Compute: 'Computação',
    Databases: 'Bancos de dados',
    'Developer Tools': 'Ferramentas de desenvolvimento',
    Identity: 'Identidade',
    Integration: 'Integração',
    'Internet of Things': 'Internet das coisas',
    'Management and Governance': 'Gestão e governança',
    Media: 'Mídia',
    Migration: 'Migração',
    Mobile: 'Dispositivos móveis',
    Multicloud: 'Multinuvem',
    Networking: 'Redes',
    Security: 'Segurança',
    Storage: 'Armazenamento',
    Web: 'Web',
    Other: 'Outros',
  },
};

const STRINGS: Record<ReportLocale, ReportStrings> = { es, en, 'pt-BR': ptBR };

export function reportStrings(locale: ReportLocale): ReportStrings {
  return STRINGS[locale];
}

/** CLDR locales: `es-419` is the Latin American Spanish our readers write and expect. */
const INTL_LOCALE: Record<ReportLocale, string> = { es: 'es-419', en: 'en-US', 'pt-BR': 'pt-BR' };

export function intlLocale(locale: ReportLocale): string {
  return INTL_LOCALE[locale];
}

/**
 * Number separators per report language: 1.234,56 in Spanish and Portuguese, 1,234.56 in
 * English. `es-419` itself writes 1,234.56 (Mexico's usage) and plain `es` skips the group in
 * four-digit numbers (1234,56), so Spanish figures take Argentina's CLDR data, which matches
 * how most of our Spanish-speaking readers write them.
 */
const NUMBER_LOCALE: Record<ReportLocale, string> = { es: 'es-AR', en: 'en-US', 'pt-BR': 'pt-BR' };

/** Display names of the cloud providers, by the code the data carries. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  aws: 'AWS',
  azure: 'Azure',
  gcp: 'Google Cloud',
  oci: 'OCI',
};

/**
 * Display text for figures. Money is formatted from the decimal string itself (Intl accepts
 * numeric strings), so a NUMERIC(24,10) amount is rounded once, for display, half away from zero.
 */
export class ReportFormatter {
  readonly intl: string;
  /** The locale figures are formatted in (see NUMBER_LOCALE). */
  readonly numbers: string;
  readonly strings: ReportStrings;
  private readonly moneyFormats = new Map<string, Intl.NumberFormat>();
  private readonly signedMoneyFormats = new Map<string, Intl.NumberFormat>();

  constructor(
    readonly locale: ReportLocale,
    readonly timeZone = 'UTC',
  ) {
    this.intl = intlLocale(locale);
    this.numbers = NUMBER_LOCALE[locale];
    this.strings = reportStrings(locale);
  }

  /** A FOCUS service category in the reader's language. */
  category(name: string): string {
    return this.strings.categories[name] ?? name;
  }

  get na(): string {
    return this.strings.notAvailable;
  }

  money(amount: Decimal | null, currency: string): string {
    if (amount === null) return this.na;
    let format = this.moneyFormats.get(currency);
    if (!format) {
      format = new Intl.NumberFormat(this.numbers, { style: 'currency', currency });
      this.moneyFormats.set(currency, format);
    }
    return format.format(amount as Intl.StringNumericLiteral);
  }

  /** A change: "+USD 120.00", "-USD 12.50". */
  signedMoney(amount: Decimal | null, currency: string): string {
    if (amount === null) return this.na;
    let format = this.signedMoneyFormats.get(currency);
    if (!format) {
      format = new Intl.NumberFormat(this.numbers, {
        style: 'currency',
        currency,
        signDisplay: 'exceptZero',
      });
      this.signedMoneyFormats.set(currency, format);
    }
    return format.format(amount as Intl.StringNumericLiteral);
  }

  /** Plain decimal without currency (chart labels, compact tables). */
  decimal(amount: Decimal | number | null, fractionDigits = 2): string {
    if (amount === null) return this.na;
    return new Intl.NumberFormat(this.numbers, {
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: fractionDigits,
    }).format(amount as Intl.StringNumericLiteral);
  }

  ratio(value: Ratio | null, options: { signed?: boolean; digits?: number } = {}): string {
    if (value === null || !Number.isFinite(value)) return this.na;
    const digits = options.digits ?? 1;
    return new Intl.NumberFormat(this.numbers, {
      style: 'percent',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      signDisplay: options.signed ? 'exceptZero' : 'auto',
    }).format(value);
  }

  count(value: number | null): string {
    if (value === null) return this.na;
    return new Intl.NumberFormat(this.numbers, { maximumFractionDigits: 0 }).format(value);
  }

  /** Billing days are zone-less: formatted in UTC so they never shift by a day. */
  date(value: IsoDate | null, style: 'short' | 'medium' | 'long' = 'medium'): string {
    if (value === null) return this.na;
    return new Intl.DateTimeFormat(this.intl, { dateStyle: style, timeZone: 'UTC' }).format(
      new Date(`${value}T00:00:00Z`),
    );
  }

  /**
   * How a reader names a cloud: "AWS", "Azure", "Google Cloud", "OCI". The same in the three
   * languages (they are brands); only a provider without a known code is translated.
   */
  provider(code: string | null): string {
    if (!code) return this.strings.unknownProvider;
    return PROVIDER_NAMES[code.toLowerCase()] ?? code;
  }

  /** "28/10/2019" (es, pt-BR), "10/28/2019" (en): never cut short in a narrow column. */
  numericDate(value: IsoDate | null): string {
    if (value === null) return this.na;
    return new Intl.DateTimeFormat(this.intl, {
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      timeZone: 'UTC',
    }).format(new Date(`${value}T00:00:00Z`));
  }

  /** The potential-savings label with the evidence window it comes from, when there is one. */
  savingsLabel(window: { from: IsoDate; to: IsoDate } | null | undefined): string {
    const label = this.strings.figures.potentialMonthlySavings;
    if (!window) return label;
    const span = this.strings.figures.savingsWindow(
      this.numericDate(window.from),
      this.numericDate(window.to),
    );
    return `${label} (${span})`;
  }

  /** "sept 2024" (short) or "septiembre de 2024" (long). */
  month(value: IsoMonth, style: 'short' | 'long' = 'long'): string {
    return new Intl.DateTimeFormat(this.intl, {
      month: style,
      year: 'numeric',
      timeZone: 'UTC',
    }).format(new Date(`${value}-01T00:00:00Z`));
  }

  /** The day of the month alone, for dense daily axes. */
  dayOfMonth(value: IsoDate): string {
    return String(Number(value.slice(8, 10)));
  }

  period(value: ReportPeriod): string {
    if (value.month !== null) return this.month(value.month, 'long');
    const format = new Intl.DateTimeFormat(this.intl, { dateStyle: 'medium', timeZone: 'UTC' });
    return format.formatRange(
      new Date(`${value.from}T00:00:00Z`),
      new Date(`${value.to}T00:00:00Z`),
    );
  }

  /** An instant in the reader's zone with the zone's short name: "1 oct 2024, 11:05 a.m. UTC-3". */
  dateTime(value: IsoDateTime | null): string {
    if (value === null) return this.na;
    return (
      new Intl.DateTimeFormat(this.intl, {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: this.timeZone,
      }).format(new Date(value)) + ` (${this.timeZoneLabel(value)})`
    );
  }

  private timeZoneLabel(value: IsoDateTime): string {
    const parts = new Intl.DateTimeFormat(this.intl, {
      timeZone: this.timeZone,
      timeZoneName: 'shortOffset',
    }).formatToParts(new Date(value));
    return parts.find((part) => part.type === 'timeZoneName')?.value ?? this.timeZone;
  }

  /** Separators of this locale, for chart libraries that format numbers themselves. */
  separators(): { decimal: string; group: string } {
    const parts = new Intl.NumberFormat(this.numbers).formatToParts(12345.6);
    return {
      decimal: parts.find((part) => part.type === 'decimal')?.value ?? '.',
      group: parts.find((part) => part.type === 'group')?.value ?? ',',
    };
  }
}

/** "Data through …" with the last charge date, or the plain statement that none exists yet. */
export function freshnessText(
  fmt: ReportFormatter,
  facts: { dataThrough: IsoDate | null; lastIngestionAt: IsoDateTime | null },
): string {
  const loaded = fmt.dateTime(facts.lastIngestionAt);
  if (facts.dataThrough === null) return fmt.strings.noChargesYet(loaded);
  return fmt.strings.dataFreshness(fmt.date(facts.dataThrough), loaded);
}

/** Which days the movers compared, when the period's data is partial; null otherwise. */
/** What the movers part says when it lists nothing: no change, or nothing to compare with. */
export function moversEmptyText(fmt: ReportFormatter, model: ClientReportModel): string {
  const s = fmt.strings.empty;
  return model.moversComparison?.previousEmpty ? s.moversNoPrevious : s.movers;
}

/** A top-services row's name: the remainder row is labelled in the report's language. */
export function serviceLabel(fmt: ReportFormatter, row: ServiceSpend): string {
  return row.remainder ? fmt.strings.charts.otherAndCredits : row.serviceName;
}

export function moversComparedText(fmt: ReportFormatter, model: ClientReportModel): string | null {
  const compared = model.moversComparison;
  if (!compared?.partial) return null;
  const range = (r: { from: IsoDate; to: IsoDate }) =>
    fmt.period({ from: r.from, to: r.to, month: null });
  return fmt.strings.moversCompared(range(compared.current), range(compared.previous));
}

/** A term's definition, with the facts of this report where the definition depends on them. */
export function methodologyText(
  fmt: ReportFormatter,
  term: MethodologyTerm,
  model: ClientReportModel,
): string {
  const s = fmt.strings;
  const metric = model.cover.metric;
  if (term === 'costMetric') {
    return `${s.definitions.costMetric} ${s.metrics[metric]}: ${s.metricDefinitions[metric]}`;
  }
  if (term === 'tagCoverage' && model.methodology.requiredTagKeys.length > 0) {
    const keys = model.methodology.requiredTagKeys.join(', ');
    return `${s.definitions.tagCoverage} ${s.tagCoverageKeys(keys)}`;
  }
  return s.definitions[term];
}

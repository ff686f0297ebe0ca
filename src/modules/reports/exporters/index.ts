/**
 * The one entry point the report routes need: a model and a format in, a stream plus the reply
 * headers out. Exporters only format; the model comes from a stats provider.
 */
import type {
  AdminReportModel,
  ClientReportModel,
  CsvExportOptions,
  PdfExportOptions,
  ReportExport,
  ReportFormat,
} from '../report.types.js';
import { exportAdminCsv, exportClientCsv } from './csv.js';
import { exportAdminPdf, exportClientPdf } from './pdf.js';
import { exportAdminXlsx, exportClientXlsx } from './xlsx.js';

export interface ExportOptions {
  pdf?: PdfExportOptions;
  csv?: CsvExportOptions;
}

export function exportClientReport(
  model: ClientReportModel,
  format: ReportFormat,
  options: ExportOptions = {},
): ReportExport {
  switch (format) {
    case 'pdf':
      return exportClientPdf(model, options.pdf);
    case 'csv':
      return exportClientCsv(model, options.csv);
    case 'xlsx':
      return exportClientXlsx(model);
  }
}

export function exportAdminReport(
  model: AdminReportModel,
  format: ReportFormat,
  options: ExportOptions = {},
): ReportExport {
  switch (format) {
    case 'pdf':
      return exportAdminPdf(model);
    case 'csv':
      return exportAdminCsv(model, options.csv);
    case 'xlsx':
      return exportAdminXlsx(model);
  }
}

export { exportAdminCsv, exportClientCsv } from './csv.js';
export { exportAdminPdf, exportClientPdf } from './pdf.js';
export { exportAdminXlsx, exportClientXlsx } from './xlsx.js';

/**
 * The one entry point the report routes need: a model and a format in, a stream plus the reply
 * headers out. Exporters only format; the model comes from a stats provider. PDFs render on a
 * worker thread (`pdf-pool.ts`); CSV and XLSX stream from the main one, yielding between
 * batches, since their rows come from a database cursor that lives here.
 */
import { CONTENT_TYPES, contentDisposition, reportFileName } from '../report.fns.js';
import type {
  AdminReportModel,
  ClientReportModel,
  CsvExportOptions,
  PdfExportOptions,
  ReportExport,
  ReportFormat,
} from '../report.types.js';
import { exportAdminCsv, exportClientCsv } from './csv.js';
import { renderPdf } from './pdf-pool.js';
import { exportAdminXlsx, exportClientXlsx } from './xlsx.js';

export interface ExportOptions {
  pdf?: PdfExportOptions;
  csv?: CsvExportOptions;
}

function pdfMeta(fileName: string) {
  return {
    fileName,
    contentType: CONTENT_TYPES.pdf,
    contentDisposition: contentDisposition(fileName),
  };
}

export async function exportClientReport(
  model: ClientReportModel,
  format: ReportFormat,
  options: ExportOptions = {},
): Promise<ReportExport> {
  switch (format) {
    case 'pdf': {
      const fileName = reportFileName(
        model.cover.clientSlug,
        model.cover.period,
        'pdf',
        model.cover.language,
      );
      return renderPdf({ kind: 'client', model, options: options.pdf ?? {} }, pdfMeta(fileName));
    }
    case 'csv':
      return exportClientCsv(model, options.csv);
    case 'xlsx':
      return exportClientXlsx(model);
  }
}

export async function exportAdminReport(
  model: AdminReportModel,
  format: ReportFormat,
  options: ExportOptions = {},
): Promise<ReportExport> {
  switch (format) {
    case 'pdf': {
      const fileName = reportFileName('admin', model.cover.period, 'pdf', model.cover.language);
      return renderPdf({ kind: 'admin', model, options: {} }, pdfMeta(fileName));
    }
    case 'csv':
      return exportAdminCsv(model, options.csv);
    case 'xlsx':
      return exportAdminXlsx(model);
  }
}

export { exportAdminCsv, exportClientCsv } from './csv.js';
export { exportAdminPdf, exportClientPdf } from './pdf.js';
export { exportAdminXlsx, exportClientXlsx } from './xlsx.js';

import { IngestionEngineError } from '../engine.types.js';
import type { FormatAdapter, HeaderInfo } from './adapter.js';
import { awsCur2Adapter, awsCurLegacyAdapter, awsCurSnakeAdapter } from './aws-cur.js';
import { azureAdapter } from './azure.js';
import { focusAdapter } from './focus.js';
import { gcpAdapter } from './gcp.js';

export const ADAPTERS: readonly FormatAdapter[] = [
  awsCurLegacyAdapter,
  awsCurSnakeAdapter,
  awsCur2Adapter,
  focusAdapter,
  azureAdapter,
  gcpAdapter,
];

export const SUPPORTED_FORMATS =
  'AWS CUR (legacy CSV, Athena/Parquet, CUR 2.0), FOCUS 1.0-1.2, ' +
  'Azure cost details (EA, MCA, pay-as-you-go) and GCP BigQuery billing export as CSV';

const MIN_SCORE = 0.75;

export function detectAdapter(fileName: string, header: HeaderInfo): FormatAdapter {
  let best: FormatAdapter | null = null;
  let bestScore = 0;
  for (const adapter of ADAPTERS) {
    const score = adapter.detect(header);
    if (score > bestScore) {
      best = adapter;
      bestScore = score;
    }
  }
  if (!best || bestScore < MIN_SCORE) {
    const seen = header.columns.slice(0, 12).map((c) => c.name).join(', ');
    const more = header.columns.length > 12 ? ` and ${header.columns.length - 12} more` : '';
    throw new IngestionEngineError(
      'unknown_format',
      `"${fileName}" is not a billing export we recognize (columns: ${seen || 'none'}${more}). ` +
        `Supported: ${SUPPORTED_FORMATS}.`,
    );
  }
  checkRequired(fileName, best, header);
  return best;
}

function checkRequired(fileName: string, adapter: FormatAdapter, header: HeaderInfo): void {
  const missing = adapter.required
    .filter((group) => !group.some((name) => header.lower.has(name.toLowerCase())))
    .map((group) => group[0]!);
  if (missing.length > 0) {
    throw new IngestionEngineError(
      'bad_header',
      `"${fileName}" looks like ${adapter.id} but lacks the column(s) ${missing.join(', ')}. ` +
        'Export the full report (all mandatory columns) and upload it again.',
    );
  }
}

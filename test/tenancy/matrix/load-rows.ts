import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { MatrixRow } from './matrix.types.js';

/** Every `*.rows.ts` beside this file: one per module, so modules never edit the same file. */
export async function loadRows(): Promise<MatrixRow[]> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.rows.ts'))
    .sort();
  const rows: MatrixRow[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { rows: MatrixRow[] };
    rows.push(...mod.rows);
  }
  return rows;
}

/** The registered routes the matrix must know: no HEAD twins, CORS preflight or doc assets. */
export function routesToCover(routes: { method: string; url: string }[]): string[] {
  return [
    ...new Set(
      routes
        .filter((r) => r.method !== 'HEAD' && !(r.method === 'OPTIONS' && r.url === '*'))
        .filter((r) => !r.url.startsWith('/docs/'))
        .map((r) => `${r.method} ${r.url}`),
    ),
  ].sort();
}

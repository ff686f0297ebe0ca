#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` has produced it, else the TypeScript sources.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/index.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/index.ts', import.meta.url).href);
}

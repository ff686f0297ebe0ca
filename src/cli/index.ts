import { parseArgs } from 'node:util';

import { ConfigError, loadConfig } from '../config/config.js';
import { runIngest, runWorker } from './ingest.js';
import { systemContext } from '../http/context.js';
import { AppError } from '../lib/errors.js';
import { createUser } from '../modules/identity/bootstrap.js';
import { runMigrations } from '../db/migrate.js';
import { createLogger } from '../lib/logger.js';
import { openConfiguredDatabase, serve } from '../server.js';

interface Command {
  summary: string;
  run(args: string[]): Promise<void>;
}

const commands: Record<string, Command> = {
  serve: {
    summary: 'Run the HTTP API (and its background workers) on PORT',
    run: async () => serve(loadConfig()),
  },
  migrate: {
    summary: 'Apply pending database migrations (safe to run again; holds a lock)',
    run: async () => {
      const config = loadConfig();
      const logger = createLogger(config);
      const opened = await openConfiguredDatabase(config, logger);
      try {
        const { applied } = await runMigrations(opened.database);
        logger.info({ applied }, 'migrations applied');
      } finally {
        await opened.release();
      }
    },
  },
  demo: {
    summary:
      'Create demo clients from the public sample files, ingest them, compute findings and ' +
      'write every report to ./out (or --out <dir>); safe to run again',
    run: async (args) => {
      const { values } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true });
      const { runDemo, defaultOutDir } = await import('./demo.js');
      await runDemo(loadConfig(), values.out ?? defaultOutDir());
    },
  },
  'create-user': {
    summary:
      'Create a user: --email <e-mail> [--name <name>] [--global-role root|support] ' +
      '[--locale es|en|pt-BR]; prints a one-time password (or reads FINOPS_NEW_USER_PASSWORD)',
    run: async (args) => {
      const { values } = parseArgs({
        args,
        options: {
          email: { type: 'string' },
          name: { type: 'string' },
          'global-role': { type: 'string' },
          locale: { type: 'string' },
        },
        strict: true,
      });
      if (!values.email) throw new UsageError('--email is required');
      const role = values['global-role'];
      if (role && role !== 'root' && role !== 'support') {
        throw new UsageError('--global-role must be root or support');
      }
      const locale = values.locale ?? 'es';
      if (!['es', 'en', 'pt-BR'].includes(locale)) {
        throw new UsageError('--locale must be es, en or pt-BR');
      }

      const config = loadConfig();
      const logger = createLogger(config);
      const opened = await openConfiguredDatabase(config, logger);
      try {
        await runMigrations(opened.database);
        const user = await createUser(opened.database.db, systemContext('cli'), {
          email: values.email,
          name: values.name,
          locale: locale as 'es' | 'en' | 'pt-BR',
          globalRole: (role as 'root' | 'support' | undefined) ?? null,
          password: process.env.FINOPS_NEW_USER_PASSWORD ?? null,
        });
        process.stdout.write(`Created user ${user.email} (${user.id})\n`);
        if (user.oneTimePassword) {
          process.stdout.write(
            `One-time password: ${user.oneTimePassword}\n` +
              '(it must be changed at first sign-in: POST /api/auth/change-password)\n',
          );
        }
      } finally {
        await opened.release();
      }
    },
  },
  ingest: {
    summary:
      'Ingest billing files for a client now, without the queue: --client <slug> <files…>; ' +
      'prints the summary, exits 1 when the ingestion failed',
    run: async (args) => {
      const { values, positionals } = parseArgs({
        args,
        options: { client: { type: 'string' } },
        allowPositionals: true,
        strict: true,
      });
      if (!values.client) throw new UsageError('--client <slug> is required');
      if (positionals.length === 0) throw new UsageError('give at least one file to ingest');
      const ok = await runIngest(loadConfig(), values.client, positionals);
      if (!ok) process.exitCode = 1;
    },
  },
  worker: {
    summary: 'Run ingestion jobs from the queue (a separate worker process) until SIGTERM',
    run: async () => runWorker(loadConfig()),
  },
};

class UsageError extends Error {}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(
    ([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`,
  );
  return [
    'Usage: finops <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Configuration comes from environment variables; see README.md ("Configuration").',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n\n${usage()}\n`);
    process.exitCode = 2;
    return;
  }
  await command.run(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`finops: ${(err as Error).message}\n\n${usage()}\n`);
    process.exit(2);
  }
  if (err instanceof AppError) {
    process.stderr.write(`finops: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`finops: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});

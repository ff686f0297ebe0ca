import { ConfigError, loadConfig } from '../config/config.js';
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
};

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
  process.stderr.write(`finops: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});

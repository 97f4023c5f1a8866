#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type OmnigateConfig } from './config.js';
import { composeStorage } from './compose.js';
import { createLogger, startServer } from './serve.js';

const USAGE = `Usage: omnigate <command> [options]

Commands:
  serve                 serve every protocol on one port (S3 at /, /zib, /netiks, /qs, /djib, /ipfs)
  repair                check every fragment and rebuild missing or corrupt ones, then exit
  sweep                 remove crash leftovers and expired multipart uploads, then exit
  tenant create <name>  create a tenant and print its credentials (shown once)
  tenant list           list tenants

Options (each also settable as OMNIGATE_<NAME> or in a JSON --config file):
  --config <file>  --port <n>  --host <addr>  --data-dir <dir>  --database-url <url>
  --data-shards <k>  --parity-shards <m>  --nodes <dir,dir,...>  --shard-size <size>  --segment-size <size>
  --log-level <level>
`;

const FLAG_NAMES = ['config', 'port', 'host', 'data-dir', 'database-url', 'data-shards', 'parity-shards', 'nodes', 'shard-size', 'segment-size', 'log-level', 'max-object-size', 'min-part-size'] as const;

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...Object.fromEntries(FLAG_NAMES.map((n) => [n, { type: 'string' as const }])), help: { type: 'boolean', short: 'h' } },
  });
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const positionals = parsed.positionals;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 1;
  }
  const flags: Record<string, unknown> = {};
  for (const name of FLAG_NAMES) {
    if (name !== 'config' && values[name] !== undefined) flags[name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = values[name];
  }
  const config = loadConfig({ flags, configFile: values.config as string | undefined });
  switch (command) {
    case 'serve': return serve(config);
    case 'repair': return maintenance(config, 'repair');
    case 'sweep': return maintenance(config, 'sweep');
    case 'tenant': return tenant(config, rest);
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      return 1;
  }
}

async function serve(config: OmnigateConfig): Promise<number> {
  const logger = createLogger(config);
  const running = await startServer(config, logger);
  const { composed, url } = running;
  process.stdout.write([
    `Omnigate listening on ${url}`,
    `  data dir:    ${composed.dataDir}`,
    `  metadata:    ${composed.databaseUrl}`,
    `  erasure:     ${config.dataShards}+${config.parityShards} over ${config.dataShards + config.parityShards} nodes`,
    `  S3 endpoint: ${url}/  (region us-east-1, path-style or virtual-hosted)`,
    `  access key:  ${composed.credentials.accessKey ?? '(set, not shown)'}`,
    `  secret key:  ${composed.credentials.secretKey ?? '(set, not shown)'}`,
    `  API key:     ${composed.credentials.apiKey ?? '(set, not shown)'}`,
    '',
  ].join('\n'));
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down: finishing in-flight requests');
      running.close().then(resolve, (err: unknown) => { logger.error({ err: String(err) }, 'shutdown failed'); resolve(); });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

async function maintenance(config: OmnigateConfig, what: 'repair' | 'sweep'): Promise<number> {
  const { storage } = await composeStorage(config, createLogger(config));
  try {
    if (what === 'repair') {
      const report = await storage.maintenance.repair();
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return report.unrecoverable.length > 0 ? 2 : 0;
    }
    const report = await storage.maintenance.sweep({ uploadsOlderThanMs: config.uploadExpiryHours * 3600_000 });
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  } finally {
    await storage.close();
  }
}

async function tenant(config: OmnigateConfig, args: string[]): Promise<number> {
  const { storage } = await composeStorage({ ...config, logLevel: 'warn' });
  try {
    if (args[0] === 'create' && args[1]) {
      const { tenant, credentials } = await storage.tenants.create(args[1]);
      process.stdout.write(JSON.stringify({ id: tenant.id, name: tenant.name, ...credentials }, null, 2) + '\n');
      return 0;
    }
    if (args[0] === 'list') {
      for (const t of await storage.tenants.list()) process.stdout.write(`${t.id}  ${t.name}  ${t.accessKey}\n`);
      return 0;
    }
    process.stderr.write(USAGE);
    return 1;
  } finally {
    await storage.close();
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else if ((err as { isStorageError?: boolean } | undefined)?.isStorageError) process.stderr.write(`omnigate: ${(err as Error).message}\n`);
  else if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write(`${err.message}\n\n${USAGE}`);
  else process.stderr.write(`omnigate: ${(err as Error)?.message ?? String(err)}\n`);
  process.exitCode = 1;
});

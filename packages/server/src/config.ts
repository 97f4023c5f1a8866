import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * The server's one configuration object. Sources, later ones winning: defaults, a JSON file (`--config` or
 * OMNIGATE_CONFIG), environment variables, command-line flags. Validated once; a bad value stops the start with a
 * message that names the setting and where it came from.
 */
const sizeOrNumber = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : parseSize(v);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a size (use bytes or a suffix like 64KiB, 5MiB)` });
    return z.NEVER;
  }
  return n;
});

export const configSchema = z.object({
  host: z.string().default('0.0.0.0'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z.string().optional().describe('sqlite:<path> or postgres://...; default SQLite in the data dir'),
  accessKey: z.string().optional(),
  secretKey: z.string().optional(),
  apiKey: z.string().optional(),
  /** 32-byte KEK as 64 hex characters or base64; default: generated once into <dataDir>/keys/kek. */
  kek: z.string().optional(),
  dataShards: z.coerce.number().int().min(1).max(24).default(4),
  parityShards: z.coerce.number().int().min(0).max(6).default(2),
  /** Fragment node directories; default <dataDir>/nodes/node-1 .. node-(k+m). */
  nodes: z.union([z.array(z.string()), z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))]).optional(),
  shardSize: sizeOrNumber.default(256 * 1024),
  segmentSize: sizeOrNumber.default(64 * 1024),
  maxObjectSize: sizeOrNumber.default(5 * 1024 ** 4),
  minPartSize: sizeOrNumber.default(5 * 1024 ** 2),
  /** Abandoned multipart uploads are removed after this many hours. */
  uploadExpiryHours: z.coerce.number().positive().default(7 * 24),
  /** Hours between background scrubs (check every fragment, rebuild lost or corrupt ones); 0 turns them off. */
  scrubIntervalHours: z.coerce.number().min(0).default(24),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Host suffixes for virtual-hosted-style S3 addressing (`<bucket>.<suffix>`). */
  s3VirtualHosts: z.union([z.array(z.string()), z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))]).default(['localhost', 's3.localhost']),
  /** Honour X-Forwarded-Host / -Proto (only behind a proxy you trust: SigV4 signs the Host header). */
  trustProxy: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
  /** Seconds to wait for in-flight requests on SIGTERM before closing connections. */
  shutdownGraceSeconds: z.coerce.number().min(0).default(30),
  /** Largest Netiks asset (direct or presigned upload); default: maxObjectSize. */
  netiksMaxFileSize: sizeOrNumber.optional(),
  /** SMTP for Djib verification emails (`smtp://user:pass@host:587`); none: no email is sent. */
  smtpUrl: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  mailFrom: z.string().default('Omnigate <no-reply@localhost>'),
}).strict();

export type OmnigateConfig = z.infer<typeof configSchema>;

const ENV: Record<string, keyof OmnigateConfig> = {
  OMNIGATE_HOST: 'host',
  OMNIGATE_PORT: 'port',
  OMNIGATE_DATA_DIR: 'dataDir',
  OMNIGATE_DATABASE_URL: 'databaseUrl',
  OMNIGATE_ACCESS_KEY: 'accessKey',
  OMNIGATE_SECRET_KEY: 'secretKey',
  OMNIGATE_API_KEY: 'apiKey',
  OMNIGATE_KEK: 'kek',
  OMNIGATE_DATA_SHARDS: 'dataShards',
  OMNIGATE_PARITY_SHARDS: 'parityShards',
  OMNIGATE_NODES: 'nodes',
  OMNIGATE_SHARD_SIZE: 'shardSize',
  OMNIGATE_SEGMENT_SIZE: 'segmentSize',
  OMNIGATE_MAX_OBJECT_SIZE: 'maxObjectSize',
  OMNIGATE_MIN_PART_SIZE: 'minPartSize',
  OMNIGATE_UPLOAD_EXPIRY_HOURS: 'uploadExpiryHours',
  OMNIGATE_SCRUB_INTERVAL_HOURS: 'scrubIntervalHours',
  OMNIGATE_LOG_LEVEL: 'logLevel',
  OMNIGATE_TRUST_PROXY: 'trustProxy',
  OMNIGATE_S3_VIRTUAL_HOSTS: 's3VirtualHosts',
  OMNIGATE_SHUTDOWN_GRACE_SECONDS: 'shutdownGraceSeconds',
  OMNIGATE_SMTP_URL: 'smtpUrl',
  OMNIGATE_MAIL_FROM: 'mailFrom',
  OMNIGATE_NETIKS_MAX_FILE_SIZE: 'netiksMaxFileSize',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Builds the config from a file, the environment and flags (already parsed to camelCase keys). */
export function loadConfig(options: { env?: NodeJS.ProcessEnv; flags?: Record<string, unknown>; configFile?: string } = {}): OmnigateConfig {
  const env = options.env ?? process.env;
  const raw: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  const configFile = options.configFile ?? env.OMNIGATE_CONFIG;
  if (configFile) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(resolve(configFile), 'utf8'));
    } catch (err) {
      throw new ConfigError(`Cannot read config file ${configFile}: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`Config file ${configFile} must hold a JSON object`);
    for (const [k, v] of Object.entries(parsed)) { raw[k] = v; origin[k] = `config file ${configFile}`; }
  }
  for (const [name, key] of Object.entries(ENV)) {
    if (env[name] !== undefined && env[name] !== '') { raw[key] = env[name]; origin[key] = `environment variable ${name}`; }
  }
  for (const [k, v] of Object.entries(options.flags ?? {})) {
    if (v !== undefined) { raw[k] = v; origin[k] = `flag --${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`; }
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const from = origin[key] ? ` (from ${origin[key]})` : '';
      return issue.code === 'unrecognized_keys' ? `- unknown setting(s): ${issue.keys.join(', ')}${from}` : `- ${key}${from}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4 };

export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Shared plumbing of the real-client tests: the real server (`startServer` of packages/server, as `omnigate serve`
 * runs it: port 0, a temp data dir) with a fresh tenant, an SDK client for that tenant to check what a tool did,
 * a way to run an external tool with an isolated environment (its own HOME and config files, never the
 * developer's), and byte comparison by SHA-256.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { loadConfig, startServer } from '@omnigate/server';

export const MiB = 1024 * 1024;

export interface Tenant { name: string; accessKey: string; secretKey: string }

export interface ServedOmnigate {
  /** `http://127.0.0.1:<port>` */
  url: string;
  host: string;
  port: number;
  tenant: Tenant;
  /** An SDK client for the tenant (path-style), to check independently what a tool did. */
  s3: S3Client;
  /** A temp dir for the test's own files (HOME of the tools, configs, local trees); removed by stop(). */
  work: string;
  stop(): Promise<void>;
}

export interface RunResult { code: number | null; stdout: string; stderr: string }

/** Runs a command to its end; never throws on a non-zero exit (see runOk). */
export function run(cmd: string, args: readonly string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? (process.env as Record<string, string>), cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.once('error', reject);
    child.once('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Runs a command and throws, with its output, unless it exits 0. */
export async function runOk(cmd: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.code}\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`);
  }
  return result;
}

/**
 * Starts the server the way `omnigate serve` does (same config loader and startServer), on 127.0.0.1 port 0 with a
 * fresh data dir, and creates a tenant of its own for the test (not the default one).
 */
export async function startOmnigate(label: string): Promise<ServedOmnigate> {
  const work = await mkdtemp(join(tmpdir(), `omnigate-${label}-`));
  const config = loadConfig({ env: { OMNIGATE_DATA_DIR: join(work, 'data'), OMNIGATE_HOST: '127.0.0.1', OMNIGATE_PORT: '0', OMNIGATE_LOG_LEVEL: 'warn', OMNIGATE_SHUTDOWN_GRACE_SECONDS: '2' } });
  const running = await startServer(config);
  try {
    const { tenant, credentials } = await running.composed.storage.tenants.create(`${label}-tenant`);
    const { hostname, port } = new URL(running.url);
    const s3 = new S3Client({
      endpoint: running.url, region: 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: credentials.accessKey, secretAccessKey: credentials.secretKey },
    });
    return {
      url: running.url, host: hostname, port: Number(port), work, s3,
      tenant: { name: tenant.name, accessKey: credentials.accessKey, secretKey: credentials.secretKey },
      async stop() {
        s3.destroy();
        await running.close();
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await running.close();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** An environment with nothing of the developer's: PATH, a temp HOME, UTF-8 locale, plus `extra`. */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TMPDIR: tmpdir(), ...extra };
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (d) => hash.update(d)).once('error', reject).once('end', () => resolve(hash.digest('hex')));
  });
}

/** Writes `size` random bytes to `path` (parents created) and returns their SHA-256. */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const data = randomBytes(size);
  await writeFile(path, data);
  return sha256(data);
}

/** relative path (with '/') → SHA-256 of every file under `dir`. */
export async function treeHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    out.set(relative(dir, full).split(sep).join('/'), await sha256File(full));
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * A tree of about 30 files in nested directories (sizes from 0 bytes to 300 KiB; a directory name with a space, one with unicode and `+`), for sync
 * tests. Returns the relative paths written.
 */
export async function writeTree(dir: string): Promise<string[]> {
  const paths: string[] = [];
  const dirs = ['', 'a', 'a/b', 'a/b/c', 'docs', 'deep/er/than/that', 'with space', 'ünïcødé +plus'];
  let n = 0;
  for (const d of dirs) {
    for (let i = 0; i < 4 && paths.length < 30; i++, n++) {
      const rel = d ? `${d}/file-${n}.bin` : `file-${n}.bin`;
      const size = n === 0 ? 0 : (n * 7919) % (300 * 1024);
      await writeRandomFile(join(dir, rel), size);
      paths.push(rel);
    }
  }
  return paths;
}

export async function tempDir(parent: string, name: string): Promise<string> {
  const dir = join(parent, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Map → plain sorted object, for deepEqual messages that show the difference. */
export function asObject(map: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

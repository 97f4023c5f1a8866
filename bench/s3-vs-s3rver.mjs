#!/usr/bin/env node
// Our S3 endpoint (`omnigate serve`: encrypted, erasure-coded 4+2, fsynced) against s3rver (plain files, no
// signature check, no fsync) on this machine, in the same run, in interleaved rounds (A B, then B A, ...) since the
// machine is shared and noisy. Each server runs in its own process; one light SigV4 client (checked against
// @smithy/signature-v4 at start) drives both over keep-alive HTTP/1.1. Not a test: it prints figures and the
// ratios ours/s3rver beside the targets of issue 3.
//   npm run bench:s3
//   BENCH_ROUNDS=2 BENCH_BIG_MIB=16 BENCH_SMALL_OPS=500 BENCH_LIST_KEYS=2000 node bench/s3-vs-s3rver.mjs   # quick
// Other knobs: BENCH_WARMUP_ROUNDS (1, unmeasured, on both servers), BENCH_CONCURRENCY (16), BENCH_SMALL_KIB (4), BENCH_DIR (temp dirs' parent), BENCH_OMNIGATE_CLI (another
// bundle of our server, e.g. a copy of an older build for an A/B), BENCH_OMNIGATE_NODE_ARGS
// (extra node flags for our server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_PHASE_TIMES=1 (print each
// phase's monotonic start and end in microseconds, to cut a profile to one phase).
// BENCH_SYNC=0 skips the `sync` before each measured phase.
// BENCH_PHASES=big,small,list chooses the workloads (all by default; the listing bucket is filled only for list).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

const MiB = 1024 * 1024;
const env = (name, fallback) => Number(process.env[name] ?? fallback);
const ROUNDS = env('BENCH_ROUNDS', 5); // medians of 5: single rounds swing ±30% on this shared VM
// Unmeasured rounds first, on both servers alike: a fresh server's first requests pay V8's compiler (our 64 MiB GET
// ran at ~5 ms of CPU per MiB the first time and ~2.3 ms from the fifth), which a long-running server does not.
const WARMUP_ROUNDS = env('BENCH_WARMUP_ROUNDS', 1);
const BIG = env('BENCH_BIG_MIB', 64) * MiB;
const SMALL = env('BENCH_SMALL_KIB', 4) * 1024;
const SMALL_OPS = env('BENCH_SMALL_OPS', 2000);
const CONCURRENCY = env('BENCH_CONCURRENCY', 16);
const LIST_KEYS = env('BENCH_LIST_KEYS', 10_000);
const REGION = 'us-east-1';
/** Which workloads run (all by default): a subset makes a quick, focused comparison. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'big,small,list').split(',').map((p) => p.trim()));

// ---- A light SigV4 signer (the SDK costs about 1 ms of CPU per request here, which would hide small-object speed).
const encodeRfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256Hex = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
const signingKeys = new Map();

/** The encoded path of a bucket and key, as it goes on the wire and into the canonical request. */
function s3Path(bucket, key) {
  return `/${bucket}${key === undefined ? '' : `/${key.split('/').map(encodeRfc3986).join('/')}`}`;
}

/** Headers (host, x-amz-date, x-amz-content-sha256: UNSIGNED-PAYLOAD, authorization) for one request. */
function signV4({ method, host, path, query = {}, accessKey, secretKey, date = new Date() }) {
  const amzDate = date.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers = { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-date': amzDate };
  const signedHeaders = 'host;x-amz-content-sha256;x-amz-date';
  const canonicalQuery = Object.entries(query).map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonical = [method, path, canonicalQuery, `host:${host}`, `x-amz-content-sha256:UNSIGNED-PAYLOAD`, `x-amz-date:${amzDate}`, '', signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = `${day}/${REGION}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const cacheKey = `${secretKey}\n${day}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secretKey}`, day), REGION), 's3'), 'aws4_request');
    signingKeys.set(cacheKey, key);
  }
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}` };
}

/** Refuses to run unless the light signer gives the same Authorization as the SDK's signer on awkward requests. */
async function checkSigner() {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const smithy = new SignatureV4({ service: 's3', region: REGION, credentials, sha256: Sha256, uriEscapePath: false });
  const date = new Date('2026-11-23T12:34:56Z');
  const cases = [
    { method: 'PUT', path: s3Path('bench', 'small/obj-00001'), query: {} },
    { method: 'GET', path: s3Path('bench', 'dir with space/ünï+cødé*(1)~.bin'), query: {} },
    { method: 'GET', path: s3Path('bench'), query: { 'list-type': '2', 'max-keys': '1000', 'continuation-token': 'a+b/c=d e', prefix: 'x/ y' } },
  ];
  for (const c of cases) {
    const host = '127.0.0.1:9000';
    const ours = signV4({ ...c, host, accessKey: credentials.accessKeyId, secretKey: credentials.secretAccessKey, date });
    const signed = await smithy.sign({ method: c.method, protocol: 'http:', hostname: '127.0.0.1', port: 9000, path: c.path, query: c.query, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, { signingDate: date });
    if (signed.headers.authorization !== ours.authorization) throw new Error(`light signer differs from @smithy/signature-v4 on ${c.method} ${c.path}:\n${ours.authorization}\n${signed.headers.authorization}`);
  }
}

// ---- HTTP
/** One request; the response body is drained (counted) unless `text` is asked. */
function request(target, method, path, { query = {}, body, length, text = false } = {}) {
  const qs = new URLSearchParams(query).toString().replace(/\+/g, '%20');
  const headers = signV4({ method, host: target.host, path, query, accessKey: target.accessKey, secretKey: target.secretKey });
  if (length !== undefined) headers['content-length'] = String(length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: target.port, method, path: qs ? `${path}?${qs}` : path, headers, agent: target.agent }, (res) => {
      let bytes = 0;
      const parts = [];
      res.on('data', (chunk) => { bytes += chunk.length; if (text || res.statusCode >= 300) parts.push(chunk); });
      res.on('end', () => {
        const out = Buffer.concat(parts).toString('utf8');
        if (res.statusCode >= 300) reject(new Error(`${target.name}: ${method} ${path} → ${res.statusCode} ${out.slice(0, 300)}`));
        else resolve({ status: res.statusCode, bytes, text: out });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}

// ---- Servers
function waitForLine(child, pattern, label) {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (d) => {
      output += d.toString();
      const match = pattern.exec(output);
      if (match) { child.stdout.off('data', onData); resolve(match); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { output += d.toString(); });
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code}: ${output.slice(-2000)}`)));
  });
}

async function startOurs(dir) {
  const accessKey = 'AKIABENCHOMNIGATE001';
  const secretKey = randomBytes(24).toString('base64url');
  // What `npm start` and the `omnigate` bin run: the bundled server (scripts/bundle-server.mjs). BENCH_OMNIGATE_CLI
  // runs another bundle (a copy kept beside it, for an A/B of two builds).
  const cli = process.env.BENCH_OMNIGATE_CLI ?? new URL('../packages/server/dist/omnigate.mjs', import.meta.url).pathname;
  const nodeArgs = (process.env.BENCH_OMNIGATE_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
  const child = spawn(process.execPath, [...nodeArgs, cli, 'serve'], {
    env: { ...process.env, OMNIGATE_DATA_DIR: dir, OMNIGATE_HOST: '127.0.0.1', OMNIGATE_PORT: '0', OMNIGATE_LOG_LEVEL: 'warn', OMNIGATE_ACCESS_KEY: accessKey, OMNIGATE_SECRET_KEY: secretKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [, port] = await waitForLine(child, /listening on http:\/\/127\.0\.0\.1:(\d+)[\s\S]*API key:/, 'omnigate serve');
  return target('omnigate', child, Number(port), accessKey, secretKey);
}

async function startS3rver(dir) {
  const self = new URL(import.meta.url).pathname;
  // s3rver 3 predates OpenSSL 3: its ListObjectsV2 continuation tokens use DES, which needs the legacy provider
  // (without it, the second page of a listing is a 500). A node without that flag gets a plain start.
  for (const flags of [['--openssl-legacy-provider'], []]) {
    const child = spawn(process.execPath, [...flags, self, '--s3rver-child', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [, port] = await waitForLine(child, /\{"port":(\d+)\}/, 's3rver');
      return target('s3rver', child, Number(port), 'S3RVER', 'S3RVER');
    } catch (err) {
      if (flags.length > 0) throw err;
    }
  }
  throw new Error('unreachable');
}

function target(name, child, port, accessKey, secretKey) {
  return { name, child, port, host: `127.0.0.1:${port}`, accessKey, secretKey, agent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }) };
}

async function stopServer(t) {
  t.agent.destroy();
  if (t.child.exitCode !== null || t.child.signalCode !== null) return;
  const exited = new Promise((resolve) => t.child.once('exit', resolve));
  t.child.kill('SIGTERM');
  const timer = setTimeout(() => t.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Peak resident set of a process so far (VmHWM), in MiB. */
async function peakRssMiB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/** CPU seconds (user + system, all threads) a process has used so far; Linux clock ticks are 1/100 s. */
async function cpuSeconds(pid) {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs `fn` and adds the server's CPU seconds spent meanwhile to `cpu[name]`: load from other work does not count. */
async function measured(t, cpu, name, fn) {
  const before = await cpuSeconds(t.child.pid);
  const client = process.cpuUsage();
  const from = process.hrtime.bigint();
  const out = await fn();
  cpu[name] = (cpu[name] ?? 0) + (await cpuSeconds(t.child.pid)) - before;
  // The load generator shares the two cores: its own CPU bounds what any server can reach here.
  const used = process.cpuUsage(client);
  cpu.client ??= {};
  cpu.client[name] = (cpu.client[name] ?? 0) + (used.user + used.system) / 1e6;
  // Monotonic microseconds, the clock of --cpu-prof's samples: lets a profile be cut to one phase.
  if (process.env.BENCH_PHASE_TIMES) console.log(`  phase ${t.name} ${name} ${from / 1000n} ${process.hrtime.bigint() / 1000n}`);
  return out;
}

// ---- Workloads
const block = randomBytes(MiB); // a big body repeats one random MiB, so producing it costs nothing
const smallBody = randomBytes(SMALL);
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

function bigBody(size) {
  return Readable.from((function* () {
    for (let sent = 0; sent < size; sent += block.length) yield sent + block.length <= size ? block : block.subarray(0, size - sent);
  })(), { objectMode: false });
}

/** Runs `op(i)` for i < n with `concurrency` workers; returns ops/s and the p99 latency in ms. */
async function concurrent(n, concurrency, op) {
  const latencies = new Array(n);
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      await op(i);
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  }));
  const elapsed = seconds(start);
  latencies.sort((a, b) => a - b);
  return { opsPerSecond: n / elapsed, p99: latencies[Math.min(n - 1, Math.ceil(n * 0.99) - 1)] };
}

async function listAll(t, bucket) {
  let token;
  let count = 0;
  do {
    const query = { 'list-type': '2', 'max-keys': '1000', ...(token ? { 'continuation-token': token } : {}) };
    const { text } = await request(t, 'GET', s3Path(bucket), { query, text: true });
    count += (text.match(/<Key>/g) ?? []).length;
    token = /<IsTruncated>true<\/IsTruncated>/.test(text) ? /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(text)?.[1] : undefined;
    if (token) token = token.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'");
  } while (token);
  return count;
}

/**
 * Flushes every dirty page to disk before a measured phase, untimed. s3rver never fsyncs: the kernel writes its files
 * back up to ~30 s later (vm.dirty_expire_centisecs), during whichever server's phase runs then, whose fdatasyncs
 * queue behind that writeback. Each phase starts from the same clean state; BENCH_SYNC=0 turns this off.
 */
function flushDirtyPages() {
  if (process.env.BENCH_SYNC !== '0') spawnSync('sync');
}

async function round(t, r, results) {
  for (const [phase, run] of [['big', bigRound], ['small', smallRound], ['list', listRound]]) {
    if (!PHASES.has(phase)) continue;
    flushDirtyPages();
    await run(t, r, results);
  }
}

async function bigRound(t, r, results) {
  const key = s3Path('bench', `big/round-${r}.bin`);
  let start = process.hrtime.bigint();
  await measured(t, results.cpu, 'bigPut', () => request(t, 'PUT', key, { body: bigBody(BIG), length: BIG }));
  results.bigPut.push(BIG / 1e6 / seconds(start));
  start = process.hrtime.bigint();
  const { bytes } = await measured(t, results.cpu, 'bigGet', () => request(t, 'GET', key));
  if (bytes !== BIG) throw new Error(`${t.name}: GET returned ${bytes} bytes, not ${BIG}`);
  results.bigGet.push(BIG / 1e6 / seconds(start));
}

async function smallRound(t, r, results) {
  const smallKey = (i) => s3Path('bench', `small/r${r}/obj-${String(i).padStart(6, '0')}`);
  const put = await measured(t, results.cpu, 'smallPut', () => concurrent(SMALL_OPS, CONCURRENCY, (i) => request(t, 'PUT', smallKey(i), { body: smallBody, length: SMALL })));
  results.smallPut.push(put.opsPerSecond);
  results.smallPutP99.push(put.p99);
  const get = await measured(t, results.cpu, 'smallGet', () => concurrent(SMALL_OPS, CONCURRENCY, async (i) => {
    const { bytes: got } = await request(t, 'GET', smallKey(i));
    if (got !== SMALL) throw new Error(`${t.name}: small GET returned ${got} bytes`);
  }));
  results.smallGet.push(get.opsPerSecond);
  results.smallGetP99.push(get.p99);
}

async function listRound(t, _r, results) {
  const start = process.hrtime.bigint();
  const listed = await measured(t, results.cpu, 'list', () => listAll(t, 'bench-list'));
  results.list.push(seconds(start));
  if (listed !== LIST_KEYS) throw new Error(`${t.name}: listing found ${listed} keys, not ${LIST_KEYS}`);
}

async function populateListBucket(t) {
  await request(t, 'PUT', s3Path('bench-list'));
  const body = Buffer.from('x');
  const start = process.hrtime.bigint();
  const { opsPerSecond } = await concurrent(LIST_KEYS, CONCURRENCY, (i) =>
    request(t, 'PUT', s3Path('bench-list', `dir-${i % 10}/key-${String(i).padStart(6, '0')}`), { body, length: 1 }));
  return { seconds: seconds(start), opsPerSecond };
}

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, digits = 1) => (x >= 100 ? x.toFixed(0) : x.toFixed(digits));

async function main() {
  await checkSigner();
  const base = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'omnigate-s3-bench-'));
  const servers = [];
  try {
    servers.push(await startOurs(join(base, 'omnigate')));
    servers.push(await startS3rver(join(base, 's3rver')));
    const [ours, theirs] = servers;
    console.log(`S3 bench: ${ROUNDS} rounds after ${WARMUP_ROUNDS} warm-up; ${BIG / MiB} MiB PUT/GET; ${SMALL_OPS} x ${SMALL / 1024} KiB PUT/GET at concurrency ${CONCURRENCY}; ListObjectsV2 walk of ${LIST_KEYS} keys`);
    console.log(`node ${process.version}, ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')} load at start (shared machine: figures are noisy)`);
    for (const t of servers) await request(t, 'PUT', s3Path('bench'));
    for (const t of PHASES.has('list') ? servers : []) {
      const filled = await populateListBucket(t);
      console.log(`  ${t.name.padEnd(8)} filled the listing bucket: ${LIST_KEYS} one-byte PUTs in ${filled.seconds.toFixed(1)} s (${fmt(filled.opsPerSecond)} ops/s)`);
    }
    const emptyResults = () => ({ bigPut: [], bigGet: [], smallPut: [], smallPutP99: [], smallGet: [], smallGetP99: [], list: [], cpu: {} });
    for (let r = -WARMUP_ROUNDS + 1; r <= 0; r++) {
      for (const t of servers) await round(t, r + WARMUP_ROUNDS + ROUNDS, emptyResults()); // key names unused by the measured rounds
    }
    if (WARMUP_ROUNDS > 0) console.log(`  ${WARMUP_ROUNDS} warm-up round(s) done on both servers (not counted)`);
    const results = new Map(servers.map((t) => [t, emptyResults()]));
    for (let r = 1; r <= ROUNDS; r++) {
      const order = r % 2 ? [ours, theirs] : [theirs, ours];
      for (const t of order) {
        await round(t, r, results.get(t));
        const x = results.get(t);
        const line = [
          PHASES.has('big') && `PUT ${fmt(x.bigPut.at(-1))} MB/s, GET ${fmt(x.bigGet.at(-1))} MB/s`,
          PHASES.has('small') && `small PUT ${fmt(x.smallPut.at(-1))} ops/s (p99 ${fmt(x.smallPutP99.at(-1))} ms), GET ${fmt(x.smallGet.at(-1))} ops/s (p99 ${fmt(x.smallGetP99.at(-1))} ms)`,
          PHASES.has('list') && `list ${x.list.at(-1).toFixed(3)} s`,
        ].filter(Boolean).join('; ');
        console.log(`  round ${r} ${t.name.padEnd(8)} ${line}`);
      }
    }
    const rss = { ours: await peakRssMiB(ours.child.pid), theirs: await peakRssMiB(theirs.child.pid) };
    const a = results.get(ours);
    const b = results.get(theirs);
    const rows = [
      // [label, ours, s3rver, ratio (ours vs s3rver, >1 is better for us unless noted), target, met]
      [`${BIG / MiB} MiB PUT, MB/s`, median(a.bigPut), median(b.bigPut), median(a.bigPut) / median(b.bigPut), 1.0],
      [`${BIG / MiB} MiB GET, MB/s`, median(a.bigGet), median(b.bigGet), median(a.bigGet) / median(b.bigGet), 1.5],
      [`${SMALL / 1024} KiB PUT, ops/s`, median(a.smallPut), median(b.smallPut), median(a.smallPut) / median(b.smallPut), 2.0],
      [`${SMALL / 1024} KiB GET, ops/s`, median(a.smallGet), median(b.smallGet), median(a.smallGet) / median(b.smallGet), 2.0],
      [`list ${LIST_KEYS} keys, s (ratio: s3rver/ours)`, median(a.list), median(b.list), median(b.list) / median(a.list), 5.0],
      ['peak RSS, MiB (ratio: ours/s3rver)', rss.ours, rss.theirs, rss.ours / rss.theirs, 1.0, true],
    ];
    console.log(`\n${'median of rounds'.padEnd(42)}${'omnigate'.padStart(10)}${'s3rver'.padStart(10)}${'ratio'.padStart(8)}  target  result`);
    const missed = [];
    for (const [label, x, y, ratio, goal, lowerIsBetter] of rows) {
      if (Number.isNaN(ratio)) continue; // a workload left out with BENCH_PHASES
      const met = lowerIsBetter ? ratio <= goal : ratio >= goal;
      if (!met) missed.push(label.replace(/,.*/, ''));
      console.log(`${label.padEnd(42)}${fmt(x, x < 10 ? 3 : 1).padStart(10)}${fmt(y, y < 10 ? 3 : 1).padStart(10)}${`${ratio.toFixed(2)}x`.padStart(8)}  ${lowerIsBetter ? '<=' : '>='}${goal.toFixed(1)}x  ${met ? 'met' : 'MISSED'}`);
    }
    console.log(`p99 ms at concurrency ${CONCURRENCY}: PUT omnigate ${fmt(median(a.smallPutP99))} / s3rver ${fmt(median(b.smallPutP99))}; GET omnigate ${fmt(median(a.smallGetP99))} / s3rver ${fmt(median(b.smallGetP99))}`);
    // Server CPU per unit of work, summed over all rounds: steadier than rates on a shared machine.
    const cpuLine = (x) => `PUT ${fmt(x.bigPut * 1e3 / (ROUNDS * BIG / MiB), 2)} / GET ${fmt(x.bigGet * 1e3 / (ROUNDS * BIG / MiB), 2)} ms per MiB; small PUT ${fmt(x.smallPut * 1e6 / (ROUNDS * SMALL_OPS))} / GET ${fmt(x.smallGet * 1e6 / (ROUNDS * SMALL_OPS))} us per op; list ${fmt(x.list * 1e3 / ROUNDS)} ms`;
    console.log(`server CPU: omnigate ${cpuLine(a.cpu)}\n            s3rver   ${cpuLine(b.cpu)}`);
    console.log(`client CPU: vs omnigate ${cpuLine(a.cpu.client)}\n            vs s3rver   ${cpuLine(b.cpu.client)}`);
    console.log(missed.length ? `Targets missed: ${missed.join('; ')}.` : 'All targets met.');
    console.log(`Sizes: BIG ${BIG / MiB} MiB, ${SMALL_OPS} small ops, ${LIST_KEYS} list keys${BIG !== 64 * MiB || LIST_KEYS !== 10_000 ? ' (cut down from the issue\'s 64 MiB / 10,000 keys: quick run)' : ''}.`);
  } finally {
    for (const t of servers) await stopServer(t);
    await rm(base, { recursive: true, force: true });
  }
}

// ---- s3rver child: `node s3-vs-s3rver.mjs --s3rver-child <dir>` prints {"port":N} once listening.
if (process.argv[2] === '--s3rver-child') {
  const { default: S3rver } = await import('s3rver');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.argv[3] });
  const { port } = await server.run();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
} else {
  await main();
}

#!/usr/bin/env node
// ZiB SDK figures, all in one run against one in-process gateway (startServer, the code `omnigate serve` runs):
//   1. SDK encryption MB/s in headless Chromium (WebCrypto, OGS1, from a File), beside raw WebCrypto on memory;
//   2. end-to-end upload MB/s of a file through SDK → node endpoint → core, from Chromium and from a Node process;
//   3. an S3 PutObject of the same size (AWS SDK v3) against the same server, and an S3 multipart upload with the
//      same part size, for comparison.
// Not a test: it prints figures (noisy on a shared machine; compare the ratios within one run).
//   npm run bench:zib            # 256 MiB
//   node bench/zib-sdk.mjs 64    # 64 MiB
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, openAsBlob } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ZiBStorage from '@omnigate/zib-sdk';

const MiB = 1024 * 1024;

// Child mode: the Node SDK as a separate client process, so its time and peak RSS are its own.
if (process.argv[2] === '--node-client') {
  const registration = JSON.parse(process.env.ZIB_BENCH_REGISTRATION);
  const blob = await openAsBlob(process.argv[3]);
  const t = performance.now();
  await ZiBStorage.uploadDirect(blob, registration);
  const ms = performance.now() - t;
  console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

// Loaded only in the main process, so the Node client's RSS is the SDK's own.
const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
const { Upload } = await import('@aws-sdk/lib-storage');
const { chromium } = await import('playwright-core');
const { createLogger, loadConfig, startServer } = await import('@omnigate/server');

const sizeMiB = Number(process.argv[2] ?? 256);
const size = sizeMiB * MiB;
const encryptMiB = Math.min(64, sizeMiB);
const mbps = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
const dir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'omnigate-bench-zib-'));

let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);
const resetPeak = () => { peakRss = process.memoryUsage().rss; };
const rssMiB = () => (peakRss / MiB).toFixed(0);

// The source file: random 1 MiB blocks, written once.
const file = join(dir, 'source.bin');
const sourceHash = createHash('sha256');
{
  const fh = await open(file, 'w');
  for (let done = 0; done < size; done += MiB) {
    const block = randomBytes(Math.min(MiB, size - done));
    sourceHash.update(block);
    await fh.write(block);
  }
  await fh.close();
}
const sourceSha = sourceHash.digest('hex');

const config = loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), logLevel: 'warn', shutdownGraceSeconds: 1 } });
const gateway = await startServer(config, createLogger(config));
const base = `${gateway.url}/zib`;
const { accessKey, secretKey } = gateway.composed.credentials;
const zib = new ZiBStorage({ accessKey, secretKey, endpoint: base });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const rows = [];
try {
  // A page on the gateway's origin (a secure context: 127.0.0.1) with the SDK as the gateway serves it.
  const page = await browser.newPage();
  await page.goto(`${gateway.url}/health`);
  await page.setContent('<input type="file" id="f">');
  await page.addScriptTag({ url: `${base}/sdk/zib-sdk.js` });
  await page.setInputFiles('#f', file);

  // 1. Encryption in Chromium: the SDK sealing the first part of the chosen File (read from disk, output dropped),
  //    beside raw WebCrypto on bytes already in memory, 64 segments in flight and one at a time.
  const enc = await page.evaluate(async (mib) => {
    const bytes = mib * 1024 * 1024;
    const file = document.getElementById('f').files[0].slice(0, bytes);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const drain = async (stream) => { for (;;) if ((await stream.next()).done) return; };
    await drain(await ZiBStorage._format.sealStream(file.slice(0, 4 * 1024 * 1024), { key })); // warm-up
    let t = performance.now();
    await drain(await ZiBStorage._format.sealStream(file, { key }));
    const sdkMs = performance.now() - t;
    const data = new Uint8Array(bytes);
    for (let at = 0; at < bytes; at += 65536) crypto.getRandomValues(data.subarray(at, at + 65536));
    const ck = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
    const params = { name: 'AES-GCM', iv: new Uint8Array(12), additionalData: new Uint8Array(25) };
    t = performance.now();
    for (let at = 0; at < bytes; at += 64 * 65536) {
      const batch = [];
      for (let i = at; i < Math.min(bytes, at + 64 * 65536); i += 65536) batch.push(crypto.subtle.encrypt(params, ck, data.subarray(i, i + 65536)));
      await Promise.all(batch);
    }
    const parallelMs = performance.now() - t;
    t = performance.now();
    for (let at = 0; at < bytes; at += 65536) await crypto.subtle.encrypt(params, ck, data.subarray(at, at + 65536));
    return { sdkMs, parallelMs, serialMs: performance.now() - t };
  }, encryptMiB);
  rows.push([`Chromium SDK encryption, File from <input> (${encryptMiB} MiB)`, mbps(encryptMiB * MiB, enc.sdkMs), '']);
  rows.push([`Chromium WebCrypto on memory, 64 KiB segments, 64 in flight`, mbps(encryptMiB * MiB, enc.parallelMs), '']);
  rows.push([`Chromium WebCrypto on memory, 64 KiB segments, one at a time`, mbps(encryptMiB * MiB, enc.serialMs), '']);

  // 2a. End to end from Chromium: the page gets a registration (as from "your server") and the File from the <input>.
  const browserReg = await zib.initiateUpload({ bucket: 'bench', key: 'chromium.bin', file_size: size });
  resetPeak();
  const up = await page.evaluate(async (reg) => {
    const t = performance.now();
    const result = await ZiBStorage.uploadDirect(document.getElementById('f').files[0], reg);
    return { ms: performance.now() - t, result };
  }, browserReg);
  rows.push([`Chromium uploadDirect ${sizeMiB} MiB (${browserReg.type}, ${browserReg.part_count ?? 1} × ${(browserReg.part_size ?? size) / MiB} MiB)`, mbps(size, up.ms), rssMiB()]);
  const check = createHash('sha256');
  for await (const chunk of (await fetch(up.result.cdn_url)).body) check.update(chunk);
  if (check.digest('hex') !== sourceSha) throw new Error('the CDN does not return the uploaded bytes');

  // 2b. End to end from Node, in a client process of its own (fs.openAsBlob: the file is read slice by slice).
  const nodeReg = await zib.initiateUpload({ bucket: 'bench', key: 'node.bin', file_size: size });
  resetPeak();
  const client = spawn(process.execPath, [fileURLToPath(import.meta.url), '--node-client', file], { env: { ...process.env, ZIB_BENCH_REGISTRATION: JSON.stringify(nodeReg) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  client.stdout.on('data', (d) => { out += d; });
  const code = await new Promise((resolve) => client.once('exit', resolve));
  if (code !== 0) throw new Error(`Node client exited with ${code}`);
  const nodeRun = JSON.parse(out);
  rows.push([`Node uploadDirect ${sizeMiB} MiB (client process; its peak RSS ${nodeRun.maxRssMiB.toFixed(0)} MiB)`, mbps(size, nodeRun.ms), rssMiB()]);

  // 3. S3 PutObject of the same file, same server, same run.
  const s3 = new S3Client({
    endpoint: gateway.url, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    requestHandler: { httpAgent: new http.Agent({ keepAlive: true }) },
  });
  resetPeak();
  const t = performance.now();
  await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 's3.bin', Body: createReadStream(file), ContentLength: size }));
  rows.push([`S3 PutObject ${sizeMiB} MiB (AWS SDK v3, same process as the gateway)`, mbps(size, performance.now() - t), rssMiB()]);
  // The same multipart shape as the ZiB registration (8 MiB parts, 3 in flight), to tell multipart cost from ZiB's.
  resetPeak();
  const t2 = performance.now();
  await new Upload({ client: s3, params: { Bucket: 'bench', Key: 's3-multipart.bin', Body: createReadStream(file) }, partSize: browserReg.part_size ?? 8 * MiB, queueSize: 3 }).done();
  rows.push([`S3 multipart ${sizeMiB} MiB (lib-storage, same part size, 3 in flight)`, mbps(size, performance.now() - t2), rssMiB()]);
  s3.destroy();
} finally {
  clearInterval(sampler);
  await browser.close();
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
}

console.log(`ZiB SDK benchmark, ${sizeMiB} MiB, Node ${process.version}, ${new Date().toISOString()} (shared machine: figures are noisy)`);
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`${'case'.padEnd(width)}  ${'MB/s'.padStart(6)}  peak RSS of the gateway process (MiB)`);
for (const [name, rate, rss] of rows) console.log(`${name.padEnd(width)}  ${String(rate).padStart(6)}  ${rss}`);

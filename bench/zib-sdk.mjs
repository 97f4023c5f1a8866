#!/usr/bin/env node
// ZiB SDK figures, all in one run against one in-process gateway (startServer, the code `omnigate serve` runs):
//   1. SDK encryption MB/s in headless Chromium (WebCrypto, OGS1), beside one-segment-at-a-time WebCrypto;
//   2. end-to-end upload MB/s of a file through SDK → node endpoint → core, from Chromium and from Node;
//   3. an S3 PutObject of the same size (AWS SDK v3) against the same server, for comparison.
// Not a test: it prints figures (noisy on a shared machine; compare the ratios within one run).
//   npm run bench:zib            # 256 MiB
//   node bench/zib-sdk.mjs 64    # 64 MiB
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, openAsBlob } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { chromium } from 'playwright-core';
import ZiBStorage from '@omnigate/zib-sdk';
import { createLogger, loadConfig, startServer } from '@omnigate/server';

const MiB = 1024 * 1024;
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
  await page.addScriptTag({ url: `${base}/sdk/zib-sdk.js` });

  // 1. Encryption in Chromium.
  const enc = await page.evaluate(async (mib) => {
    const data = new Uint8Array(mib * 1024 * 1024);
    for (let at = 0; at < data.length; at += 65536) crypto.getRandomValues(data.subarray(at, at + 65536));
    const blob = new Blob([data]);
    const key = crypto.getRandomValues(new Uint8Array(32));
    await ZiBStorage._format.seal(blob.slice(0, 4 * 1024 * 1024), { key }); // warm-up
    let t = performance.now();
    await ZiBStorage._format.seal(blob, { key });
    const sdkMs = performance.now() - t;
    const ck = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
    const iv = new Uint8Array(12);
    t = performance.now();
    for (let at = 0; at < data.length; at += 65536) await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, ck, data.subarray(at, at + 65536));
    return { sdkMs, serialMs: performance.now() - t };
  }, encryptMiB);
  rows.push([`Chromium SDK encryption (${encryptMiB} MiB, OGS1, 64 segments in flight)`, mbps(encryptMiB * MiB, enc.sdkMs), '']);
  rows.push([`Chromium WebCrypto, one 64 KiB segment at a time`, mbps(encryptMiB * MiB, enc.serialMs), '']);

  // 2a. End to end from Chromium: the page gets a registration (as from "your server") and the file from an <input>.
  await page.setContent('<input type="file" id="f">');
  await page.addScriptTag({ url: `${base}/sdk/zib-sdk.js` });
  await page.setInputFiles('#f', file);
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

  // 2b. End to end from Node (fs.openAsBlob: the file is read slice by slice).
  const nodeReg = await zib.initiateUpload({ bucket: 'bench', key: 'node.bin', file_size: size });
  resetPeak();
  let t = performance.now();
  await ZiBStorage.uploadDirect(await openAsBlob(file), nodeReg);
  rows.push([`Node uploadDirect ${sizeMiB} MiB (same process as the gateway)`, mbps(size, performance.now() - t), rssMiB()]);

  // 3. S3 PutObject of the same file, same server, same run.
  const s3 = new S3Client({
    endpoint: gateway.url, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    requestHandler: { httpAgent: new http.Agent({ keepAlive: true }) },
  });
  resetPeak();
  t = performance.now();
  await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 's3.bin', Body: createReadStream(file), ContentLength: size }));
  rows.push([`S3 PutObject ${sizeMiB} MiB (AWS SDK v3, same process as the gateway)`, mbps(size, performance.now() - t), rssMiB()]);
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

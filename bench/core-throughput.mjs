#!/usr/bin/env node
// PUT and GET MB/s of one large object through @omnigate/core, beside this machine's limits measured in the same run
// (AES-256-GCM, Reed-Solomon 4+2 encode, fsynced disk write), and peak RSS. Not a test: it prints figures.
//   npm run bench:core                 # 1 GiB object
//   node bench/core-throughput.mjs 256 # 256 MiB object
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDirFragmentStore, Storage } from '@omnigate/core';
import { openSqlMetadataStore } from '@omnigate/metadata-sql';

const MiB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 1024);
const size = sizeMiB * MiB;
const dir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'omnigate-bench-'));
const block = randomBytes(MiB); // the source repeats one random MiB, so producing input costs nothing

let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);
function resetPeak() { peakRss = process.memoryUsage().rss; }
async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
const mbps = (bytes, seconds) => bytes / 1e6 / seconds;

async function aesLimit(bytes) {
  const cipher = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
  const chunk = randomBytes(64 * 1024);
  return mbps(bytes, await timed(async () => { for (let done = 0; done < bytes; done += chunk.length) cipher.update(chunk); }));
}

async function reedSolomonLimit(bytes) {
  const rs = createRequire(import.meta.url)('@ronomon/reed-solomon');
  const k = 4, m = 2, shard = 256 * 1024;
  const context = rs.create(k, m);
  const data = randomBytes(k * shard), parity = Buffer.alloc(m * shard);
  let sources = 0, targets = 0;
  for (let i = 0; i < k; i++) sources |= 1 << i;
  for (let i = k; i < k + m; i++) targets |= 1 << i;
  const encode = () => new Promise((resolve, reject) => rs.encode(context, sources, targets, data, 0, data.length, parity, 0, parity.length, (e) => (e ? reject(e) : resolve())));
  return mbps(bytes, await timed(async () => { for (let done = 0; done < bytes; done += data.length) await encode(); }));
}

async function diskLimit(bytes) {
  const file = join(dir, 'disk-probe');
  const seconds = await timed(async () => {
    const fh = await open(file, 'w');
    for (let done = 0; done < bytes; done += 4 * MiB) await fh.write(Buffer.concat([block, block, block, block]));
    await fh.datasync();
    await fh.close();
  });
  await rm(file);
  return mbps(bytes, seconds);
}

async function* source(bytes) {
  for (let done = 0; done < bytes; done += block.length) yield block.subarray(0, Math.min(block.length, bytes - done));
}

const metadata = await openSqlMetadataStore({ url: `sqlite:${join(dir, 'meta.db')}` });
const nodes = await Promise.all(Array.from({ length: 6 }, (_, i) => LocalDirFragmentStore.open({ id: `node-${i + 1}`, dir: join(dir, `node-${i + 1}`) })));
const storage = await Storage.open({ metadata, nodes, kek: randomBytes(32) });
const { tenant } = await storage.tenants.create('bench');
await storage.createBucket(tenant, 'bench');

const rows = [];
const limits = {};
limits.aes = await aesLimit(Math.min(size, 512 * MiB));
limits.rs = await reedSolomonLimit(Math.min(size, 512 * MiB));
limits.disk = await diskLimit(size);
const slowest = Math.min(limits.aes, limits.rs, limits.disk);

resetPeak();
const putSeconds = await timed(() => storage.putObject(tenant, 'bench', 'big', source(size), { size }));
const putRss = peakRss;
resetPeak();
const getSeconds = await timed(async () => {
  const { body } = await storage.getObject(tenant, 'bench', 'big');
  for await (const _chunk of body) { /* discard */ }
});
const getRss = peakRss;
clearInterval(sampler);
await storage.close();
await rm(dir, { recursive: true, force: true });

const put = mbps(size, putSeconds), get = mbps(size, getSeconds);
rows.push(['AES-256-GCM encrypt (64 KiB updates)', limits.aes.toFixed(0), '']);
rows.push(['Reed-Solomon 4+2 encode (1 MiB stripes)', limits.rs.toFixed(0), '']);
rows.push([`disk write + fsync (${sizeMiB} MiB, one file)`, limits.disk.toFixed(0), '']);
rows.push([`core PUT ${sizeMiB} MiB (encrypt + MD5 + SHA-256 + RS + 6 fsynced fragments)`, put.toFixed(0), `${(100 * put / slowest).toFixed(0)}% of slowest limit (target 60%); peak RSS ${(putRss / MiB).toFixed(0)} MiB`]);
rows.push([`core GET ${sizeMiB} MiB (read 4 data fragments + CRC + decrypt)`, get.toFixed(0), `${(100 * get / slowest).toFixed(0)}% of slowest limit (target 70%); peak RSS ${(getRss / MiB).toFixed(0)} MiB`]);
console.log(`Node ${process.version}, ${new Date().toISOString()}`);
for (const [what, value, note] of rows) console.log(`${what.padEnd(80)} ${value.padStart(6)} MB/s  ${note}`);

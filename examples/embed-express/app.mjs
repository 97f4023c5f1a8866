// Omnigate inside an Express app you already have: your own routes and auth, plus Omnigate's protocol routers
// mounted under prefixes of your choosing, all on one storage core (SQLite + six local fragment directories).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import express from 'express';
import { LocalDirFragmentStore, Storage } from '@omnigate/core';
import { openSqlMetadataStore } from '@omnigate/metadata-sql';
import { createS3Adapter } from '@omnigate/s3';
import { createQsAdapter } from '@omnigate/qs';

/** The key-encryption key: keep it somewhere safe and stable; without it no object can be read again. */
async function loadKek(dataDir) {
  const file = join(dataDir, 'kek');
  try {
    return Buffer.from(await readFile(file, 'utf8'), 'hex');
  } catch {
    const kek = randomBytes(32);
    await writeFile(file, kek.toString('hex'), { mode: 0o600 });
    return kek;
  }
}

export async function createEmbeddedApp({ dataDir }) {
  await mkdir(dataDir, { recursive: true });
  const metadata = await openSqlMetadataStore({ url: `sqlite:${join(dataDir, 'meta.db')}` });
  const nodes = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => LocalDirFragmentStore.open({ id: `node-${i}`, dir: join(dataDir, `node-${i}`) })));
  const storage = await Storage.open({ metadata, nodes, kek: await loadKek(dataDir) });
  const existing = await storage.tenants.findByName('my-app');
  const { tenant, credentials } = existing ? { tenant: existing, credentials: undefined } : await storage.tenants.create('my-app');
  if (!existing) await storage.createBucket(tenant, 'uploads');

  const app = express();
  // Your own routes, next to Omnigate's. Body parsers go on your routes only: the Omnigate routers read raw bodies.
  app.get('/api/files', async (_req, res) => {
    const { objects } = await storage.listObjects(tenant, 'uploads');
    res.json(objects.map((o) => ({ key: o.key, size: o.size, fileId: o.fileId, contentType: o.contentType })));
  });
  app.get('/api/files/:fileId', async (req, res, next) => {
    try {
      const { info, body } = await storage.getObjectById(req.params.fileId);
      res.setHeader('Content-Type', info.contentType);
      res.setHeader('Content-Length', info.size);
      body.pipe(res);
    } catch (err) {
      if (err?.code === 'NoSuchKey') res.status(404).json({ error: 'not found' });
      else next(err);
    }
  });
  // S3 clients use http://host/s3 as their endpoint (path-style).
  app.use('/s3', createS3Adapter(storage));
  app.use('/qs', createQsAdapter(storage));

  return { app, storage, tenant, credentials, close: () => storage.close() };
}

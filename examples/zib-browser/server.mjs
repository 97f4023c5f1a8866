// "Your server" in the ZiB browser-upload flow (seed 001, Quick Start steps 3–5): it serves the page, initiates
// uploads with the tenant's master credentials (which never reach the browser) and records confirmed uploads.
// Run: ZIB_GATEWAY=http://127.0.0.1:8080/zib ZIB_ACCESS_KEY=… ZIB_SECRET_KEY=… node examples/zib-browser/server.mjs
import { readFile } from 'node:fs/promises';
import express from 'express';

const env = process.env;
const gateway = (env.ZIB_GATEWAY ?? 'http://127.0.0.1:8080/zib').replace(/\/+$/, '');
const accessKey = env.ZIB_ACCESS_KEY;
const secretKey = env.ZIB_SECRET_KEY;
const bucket = env.ZIB_BUCKET ?? 'browser-uploads';
if (!accessKey || !secretKey) {
  console.error('Set ZIB_ACCESS_KEY and ZIB_SECRET_KEY (omnigate serve prints them on start).');
  process.exit(1);
}

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (await readFile(new URL('./index.html', import.meta.url), 'utf8')).replaceAll('__ZIB_GATEWAY__', escapeHtml(gateway));
const uploads = []; // your database, in a real app

const app = express();
app.get('/', (_req, res) => { res.type('html').send(page); });

app.post('/api/initiate', express.json({ limit: '16kb' }), async (req, res) => {
  // A real app authenticates its own user here (getAuthenticatedUser in the docs) and scopes the key to them.
  const { fileName, fileSize, contentType } = req.body ?? {};
  if (typeof fileName !== 'string' || !fileName || !Number.isSafeInteger(fileSize) || fileSize < 0) {
    return res.status(400).json({ error: 'fileName (string) and fileSize (bytes) are required' });
  }
  const key = `uploads/${Date.now()}-${fileName.replace(/[^\w.-]+/g, '_').slice(0, 200)}`;
  let answer;
  try {
    answer = await fetch(`${gateway}/v1/api/upload/initiate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessKey}:${secretKey}` },
      body: JSON.stringify({ bucket, key, file_size: fileSize, content_type: typeof contentType === 'string' && contentType ? contentType : 'application/octet-stream' }),
    });
  } catch {
    return res.status(502).json({ error: 'ZiB gateway unreachable' });
  }
  if (!answer.ok) {
    const detail = await answer.json().catch(() => ({}));
    return res.status(502).json({ error: 'Failed to initiate upload', code: detail.code });
  }
  res.json(await answer.json()); // the registration: no credentials in it
});

app.post('/api/confirm', express.json({ limit: '16kb' }), (req, res) => {
  const { file_id: fileId, cdn_url: cdnUrl } = req.body ?? {};
  if (typeof fileId !== 'string' || typeof cdnUrl !== 'string') return res.status(400).json({ error: 'file_id and cdn_url are required' });
  uploads.push({ file_id: fileId, cdn_url: cdnUrl, at: new Date().toISOString() });
  res.json({ ok: true });
});
app.get('/api/uploads', (_req, res) => { res.json(uploads); });

const server = app.listen(Number(env.PORT ?? 3000), env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`example app listening on http://${address}:${port} (gateway ${gateway}, bucket ${bucket})`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

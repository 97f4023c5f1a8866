// node examples/embed-express/server.mjs — serves the embedded app on PORT (default 3000) with data in ./example-data.
import { createEmbeddedApp } from './app.mjs';

const { app, credentials } = await createEmbeddedApp({ dataDir: process.env.DATA_DIR ?? './example-data' });
const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => {
  console.log(`my app on http://127.0.0.1:${port} (your routes under /api, S3 endpoint http://127.0.0.1:${port}/s3, QS under /qs)`);
  if (credentials) console.log(`tenant my-app: access key ${credentials.accessKey}, secret key ${credentials.secretKey}, api key ${credentials.apiKey} (shown once)`);
});

#!/usr/bin/env node
// The `omnigate` command. It runs the bundled server that `npm run build` writes (scripts/bundle-server.mjs); this
// file is committed, unlike dist/, so that npm can link the command when it installs, before anything is built.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/omnigate.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('omnigate: the server is not built yet; run `npm run build` (or `npm start`) first\n');
  process.exit(1);
}
await import(bundle.href);

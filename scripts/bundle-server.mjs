#!/usr/bin/env node
// Bundles `omnigate serve` (packages/server/dist/cli.js, after tsc) into one file, packages/server/dist/omnigate.mjs,
// which `npm start` and the `omnigate` bin run. Why: Node keeps every loaded ES module's record and source, and the
// server loads ~1,000 of them (Express, Kysely, zod, five adapters); one bundled file starts at 87 MiB of RSS
// instead of 110 MiB here, which counts on small machines. Libraries embedding the adapters are unaffected: they
// import the packages' own dist/ files.
// Left outside the bundle: native addons (loaded with require), and what the code loads only when used (the
// PostgreSQL driver, the IPFS importer), so a deployment that never needs them never parses them.
import { chmod } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outfile = `${root}packages/server/dist/omnigate.mjs`;

await build({
  entryPoints: [`${root}packages/server/dist/cli.js`],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', '@ronomon/reed-solomon', 'pg', 'ipfs-unixfs-importer', 'blockstore-core'],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __omnigateCreateRequire } from 'node:module'; const require = __omnigateCreateRequire(import.meta.url);" },
  // Smaller source to keep in memory, names kept so logged stacks still read.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
await chmod(outfile, 0o755);

#!/usr/bin/env node
// Runs every *.test.ts under packages/*/test, adapters/*/test and test/ with node:test + tsx.
// Node 20 does not expand globs itself, so the files are listed here. Extra args are passed to node --test
// (e.g. `npm test -- --test-name-pattern=multipart`), and a path argument narrows the run to matching files.
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
const files = [];
for (const group of ['packages', 'adapters']) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  for (const pkg of readdirSync(base)) walk(join(base, pkg, 'test'), files);
}
walk(join(root, 'test'), files);

const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
selected.sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', '--import', 'tsx', '--test-reporter=spec', '--test-concurrency=1', ...flags, ...selected], {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : code ?? 1));

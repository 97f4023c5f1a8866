import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';

const root = join(import.meta.dirname, '../..');

/** Which workspace packages each may depend on (STYLE.md §1): adapters see only the core, the core sees nothing. */
const ALLOWED: Record<string, (dep: string) => boolean> = {
  '@omnigate/core': () => false,
  '@omnigate/metadata-sql': (d) => d === '@omnigate/core',
  '@omnigate/conformance': (d) => d === '@omnigate/core',
  '@omnigate/server': () => true,
  '@omnigate/http': (d) => d === '@omnigate/core',
  '@omnigate/zib-sdk': () => false,
  // The ZiB adapter serves the SDK file and its tests use it; it is a file, not code the adapter runs.
  '@omnigate/zib': (d) => d === '@omnigate/core' || d === '@omnigate/http' || d === '@omnigate/zib-sdk',
};
/** Adapters see the core and the shared HTTP plumbing, never each other. */
const adapterRule = (dep: string) => dep === '@omnigate/core' || dep === '@omnigate/http';

async function workspaces(): Promise<Array<{ dir: string; name: string; deps: string[] }>> {
  const out = [];
  for (const group of ['packages', 'adapters']) {
    for (const entry of await readdir(join(root, group)).catch(() => [])) {
      const dir = join(root, group, entry);
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
      out.push({ dir, name: pkg.name, deps: Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => d.startsWith('@omnigate/')) });
    }
  }
  return out;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(dir, 'src'), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

it('no package depends on a workspace package its layer forbids', async () => {
  for (const pkg of await workspaces()) {
    const allowed = ALLOWED[pkg.name] ?? (pkg.dir.includes('/adapters/') ? adapterRule : () => false);
    for (const dep of pkg.deps) assert.ok(allowed(dep), `${pkg.name} must not depend on ${dep}`);
  }
});

it('no source file imports another package\'s src/ or dist/ by a relative path, or an undeclared workspace package', async () => {
  for (const pkg of await workspaces()) {
    for (const file of await sourceFiles(pkg.dir)) {
      const text = await readFile(file, 'utf8');
      assert.doesNotMatch(text, /from '(\.\.\/)+(\.\.\/)(packages|adapters)\//, `${file} reaches into another package`);
      for (const [, dep] of text.matchAll(/from '(@omnigate\/[\w-]+)/g)) {
        assert.ok(pkg.deps.includes(dep!), `${file} imports ${dep} without declaring it in ${pkg.name}'s package.json`);
      }
      if (pkg.name !== '@omnigate/server') assert.doesNotMatch(text, /process\.env/, `${file}: only the CLI reads environment variables`);
    }
  }
});

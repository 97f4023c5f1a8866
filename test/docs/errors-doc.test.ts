import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { STORAGE_ERROR_CODES, STORAGE_ERROR_STATUS } from '@omnigate/core';

// fastify-style: the error catalogue in the docs cannot fall behind the code.
it('docs/errors.md lists every core error code with its HTTP status', async () => {
  const doc = await readFile(join(import.meta.dirname, '../../docs/errors.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| (\w+) \| (\d+) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
  for (const code of STORAGE_ERROR_CODES) {
    assert.equal(rows.get(code), STORAGE_ERROR_STATUS[code], `${code} is documented with status ${STORAGE_ERROR_STATUS[code]}`);
  }
  for (const documented of rows.keys()) assert.ok(STORAGE_ERROR_CODES.includes(documented as never), `${documented} exists in the code`);
});

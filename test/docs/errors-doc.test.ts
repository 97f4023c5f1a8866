import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { STORAGE_ERROR_CODES, STORAGE_ERROR_STATUS } from '@omnigate/core';
import { DJIB_ERRORS, STORAGE_TO_DJIB } from '@omnigate/djib';
import { STORAGE_TO_NETIKS } from '@omnigate/netiks';
import { STORAGE_TO_QS } from '@omnigate/qs';
import { STORAGE_TO_S3 } from '@omnigate/s3';
import { STORAGE_TO_ZIB } from '@omnigate/zib';

// fastify-style: the error catalogue in the docs cannot fall behind the code or the adapters' mapping tables.
it('docs/errors.md lists every core error code with its HTTP status and each adapter\'s mapping', async () => {
  const doc = await readFile(join(import.meta.dirname, '../../docs/errors.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| (\w+) \| (\d+) \| (\w+) (\d+) \| (\w+) (\d+) \| (\w+) (-\d+) \| (\w+) (\d+) \| (\w+) (\d+) \|/gm)].map((m) => [m[1]!, m.slice(2, 13)]));
  for (const code of STORAGE_ERROR_CODES) {
    const row = rows.get(code);
    assert.ok(row, `${code} is documented`);
    const [status, s3Code, s3Status, qsCode, qsStatus, djibName, djibCode, netiksCode, netiksStatus, zibCode, zibStatus] = row;
    assert.equal(Number(status), STORAGE_ERROR_STATUS[code], `${code}: core status`);
    assert.deepEqual([s3Code, Number(s3Status)], [STORAGE_TO_S3[code].code, STORAGE_TO_S3[code].status], `${code}: S3 column`);
    assert.deepEqual([qsCode, Number(qsStatus)], [STORAGE_TO_QS[code].code, STORAGE_TO_QS[code].status], `${code}: QS column`);
    assert.deepEqual([djibName, Number(djibCode)], [STORAGE_TO_DJIB[code], DJIB_ERRORS[STORAGE_TO_DJIB[code]].code], `${code}: Djib column`);
    assert.deepEqual([netiksCode, Number(netiksStatus)], [STORAGE_TO_NETIKS[code].code, STORAGE_TO_NETIKS[code].status], `${code}: Netiks column`);
    assert.deepEqual([zibCode, Number(zibStatus)], [STORAGE_TO_ZIB[code].code, STORAGE_TO_ZIB[code].status], `${code}: ZiB column`);
    // The Netiks presigned PUT URL answers with S3's codes: the same as the S3 endpoint's.
    assert.deepEqual(STORAGE_TO_NETIKS[code].s3, [STORAGE_TO_S3[code].code, STORAGE_TO_S3[code].status], `${code}: Netiks presigned PUT`);
  }
  for (const documented of rows.keys()) assert.ok(STORAGE_ERROR_CODES.includes(documented as never), `${documented} exists in the code`);
});

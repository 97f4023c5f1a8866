import { StorageError } from '@omnigate/core';
import type { TenantRow } from '@omnigate/core';
import { fromTenant, toJson, toTenant } from '../rows.js';
import type { Q } from '../schema.js';

export type TenantLookup = { id: string } | { accessKey: string } | { apiKeyHash: string } | { name: string };
type TenantPatch = Partial<Pick<TenantRow, 'name' | 'accessKey' | 'sealedSecret' | 'apiKeyHash' | 'quotaBytes' | 'settings'>>;

export async function insertTenant(q: Q, row: TenantRow): Promise<void> {
  await q.db.insertInto('tenants').values(fromTenant(row)).execute();
}

export async function findTenant(q: Q, by: TenantLookup): Promise<TenantRow | undefined> {
  const [column, value] = 'id' in by ? ['id', by.id] as const
    : 'accessKey' in by ? ['access_key', by.accessKey] as const
    : 'apiKeyHash' in by ? ['api_key_hash', by.apiKeyHash] as const
    : ['name', by.name] as const;
  const row = await q.db.selectFrom('tenants').selectAll().where(column, '=', value).executeTakeFirst();
  return row && toTenant(row);
}

export async function listTenants(q: Q): Promise<TenantRow[]> {
  return (await q.db.selectFrom('tenants').selectAll().orderBy('name').execute()).map(toTenant);
}

export async function updateTenant(q: Q, id: string, patch: TenantPatch): Promise<void> {
  const set = {
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.accessKey !== undefined && { access_key: patch.accessKey }),
    ...(patch.sealedSecret !== undefined && { sealed_secret: patch.sealedSecret }),
    ...(patch.apiKeyHash !== undefined && { api_key_hash: patch.apiKeyHash }),
    ...(patch.quotaBytes !== undefined && { quota_bytes: patch.quotaBytes }),
    ...(patch.settings !== undefined && { settings: toJson(patch.settings) }),
  };
  const found = Object.keys(set).length === 0
    ? await q.db.selectFrom('tenants').select('id').where('id', '=', id).executeTakeFirst()
    : await q.db.updateTable('tenants').set(set).where('id', '=', id).returning('id').executeTakeFirst();
  if (!found) throw new StorageError('NoSuchTenant', 'The specified tenant does not exist', { tenantId: id });
}

import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { StorageError } from '../errors.js';
import type { MetadataStore } from '../contracts/metadata-store.js';
import type { TenantRow } from '../types.js';
import { unwrapKey, wrapKey } from '../codec/key-wrap.js';

/** A tenant as adapters see it: no secrets. */
export interface Tenant {
  id: string;
  name: string;
  accessKey: string;
  quotaBytes: number | null;
  settings: Record<string, unknown>;
  createdAt: Date;
}

export interface TenantCredentials {
  accessKey: string;
  secretKey: string;
  apiKey: string;
}

const ACCESS_KEY = /^[A-Za-z0-9]{16,128}$/;
/** Access keys remembered at most; past it the oldest entry goes. */
const CACHE_ENTRIES = 10_000;

type Found = { tenant: Tenant; secretKey: string };

/**
 * Tenants and their credentials. The SigV4 secret is kept sealed by the KEK (signatures need it in the clear);
 * the API key is kept only as a SHA-256 hash, since it is only ever compared.
 */
export class TenantService {
  /**
   * Every signed request starts with its access key: the tenant row and the unsealed secret are kept for
   * `cacheMs` (a SQL query and an AES-GCM unwrap less per request). Unknown keys are not remembered, so a new
   * tenant works at once; changes through this service clear the cache, and another gateway's changes show here
   * within `cacheMs`.
   */
  private readonly byAccessKey = new Map<string, { found: Found; expires: number }>();

  constructor(private readonly metadata: MetadataStore, private readonly kek: Buffer, private readonly cacheMs = 0) {}

  /** Creates a tenant; credentials not given are generated. The returned secrets are shown once. */
  async create(name: string, given: Partial<TenantCredentials> = {}, quotaBytes: number | null = null): Promise<{ tenant: Tenant; credentials: TenantCredentials }> {
    if (!name || name.length > 128) throw new StorageError('InvalidArgument', 'Tenant names are 1 to 128 characters');
    if (await this.metadata.findTenant({ name })) throw new StorageError('InvalidArgument', `A tenant named "${name}" already exists`);
    const credentials = completeCredentials(given);
    await this.assertUnused(credentials);
    const id = randomUUID();
    const row: TenantRow = {
      id, name, accessKey: credentials.accessKey,
      sealedSecret: sealSecret(this.kek, id, credentials.secretKey),
      apiKeyHash: hashApiKey(credentials.apiKey),
      quotaBytes, settings: {}, createdAt: new Date(),
    };
    await this.metadata.insertTenant(row);
    return { tenant: toTenant(row), credentials };
  }

  /** Sets a tenant's credentials (for operator-supplied keys); fields not given stay as they are. */
  async setCredentials(id: string, given: Partial<TenantCredentials>): Promise<void> {
    const row = await this.metadata.findTenant({ id });
    if (!row) throw new StorageError('NoSuchTenant', 'No such tenant');
    const patch: Parameters<MetadataStore['updateTenant']>[1] = {};
    if (given.accessKey !== undefined && given.accessKey !== row.accessKey) {
      assertAccessKey(given.accessKey);
      await this.assertUnused({ accessKey: given.accessKey });
      patch.accessKey = given.accessKey;
    }
    if (given.secretKey !== undefined) {
      assertSecretKey(given.secretKey);
      patch.sealedSecret = sealSecret(this.kek, id, given.secretKey);
    }
    if (given.apiKey !== undefined && hashApiKey(given.apiKey) !== row.apiKeyHash) {
      assertApiKey(given.apiKey);
      await this.assertUnused({ apiKey: given.apiKey });
      patch.apiKeyHash = hashApiKey(given.apiKey);
    }
    if (Object.keys(patch).length > 0) {
      this.byAccessKey.clear();
      await this.metadata.updateTenant(id, patch);
      this.byAccessKey.clear(); // a lookup racing the update may have cached the old row
    }
  }

  async get(id: string): Promise<Tenant | undefined> {
    const row = await this.metadata.findTenant({ id });
    return row && toTenant(row);
  }

  async findByName(name: string): Promise<Tenant | undefined> {
    const row = await this.metadata.findTenant({ name });
    return row && toTenant(row);
  }

  async list(): Promise<Tenant[]> {
    return (await this.metadata.listTenants()).map(toTenant);
  }

  /** For SigV4: the tenant and its secret, or undefined for an unknown access key. */
  async findByAccessKey(accessKey: string): Promise<{ tenant: Tenant; secretKey: string } | undefined> {
    if (!ACCESS_KEY.test(accessKey)) return undefined;
    const hit = this.byAccessKey.get(accessKey);
    if (hit && hit.expires > Date.now()) return { tenant: { ...hit.found.tenant }, secretKey: hit.found.secretKey };
    const row = await this.metadata.findTenant({ accessKey });
    if (!row) {
      this.byAccessKey.delete(accessKey);
      return undefined;
    }
    const found = { tenant: toTenant(row), secretKey: openSecret(this.kek, row.id, row.sealedSecret) };
    if (this.cacheMs > 0) {
      this.byAccessKey.delete(accessKey); // re-inserted last, so the oldest entry is the first one
      if (this.byAccessKey.size >= CACHE_ENTRIES) this.byAccessKey.delete(this.byAccessKey.keys().next().value!);
      this.byAccessKey.set(accessKey, { found, expires: Date.now() + this.cacheMs });
    }
    return { tenant: { ...found.tenant }, secretKey: found.secretKey };
  }

  /** Checks an access key + secret pair (ZiB's `Bearer access:secret`) in constant time. */
  async authenticate(accessKey: string, secretKey: string): Promise<Tenant | undefined> {
    const found = await this.findByAccessKey(accessKey);
    if (!found || !constantTimeEqual(found.secretKey, secretKey)) return undefined;
    return found.tenant;
  }

  async findByApiKey(apiKey: string): Promise<Tenant | undefined> {
    if (typeof apiKey !== 'string' || apiKey.length < 16 || apiKey.length > 256) return undefined;
    const row = await this.metadata.findTenant({ apiKeyHash: hashApiKey(apiKey) });
    return row && toTenant(row);
  }

  async setQuota(id: string, quotaBytes: number | null): Promise<void> {
    this.byAccessKey.clear();
    await this.metadata.updateTenant(id, { quotaBytes });
    this.byAccessKey.clear();
  }

  private async assertUnused(c: Partial<TenantCredentials>): Promise<void> {
    if (c.accessKey && await this.metadata.findTenant({ accessKey: c.accessKey })) {
      throw new StorageError('InvalidArgument', 'That access key is already in use');
    }
    if (c.apiKey && await this.metadata.findTenant({ apiKeyHash: hashApiKey(c.apiKey) })) {
      throw new StorageError('InvalidArgument', 'That API key is already in use');
    }
  }
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a === b;
}

function completeCredentials(given: Partial<TenantCredentials>): TenantCredentials {
  const credentials = {
    // AWS-style shapes: 20 upper-case alphanumerics, 40-character secret.
    accessKey: given.accessKey ?? 'OG' + randomAlphanumeric(18).toUpperCase(),
    secretKey: given.secretKey ?? randomBytes(30).toString('base64').replace(/[+/]/g, 'x'),
    apiKey: given.apiKey ?? 'og_' + randomBytes(24).toString('hex'),
  };
  assertAccessKey(credentials.accessKey);
  assertSecretKey(credentials.secretKey);
  assertApiKey(credentials.apiKey);
  return credentials;
}

function randomAlphanumeric(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function assertAccessKey(key: string): void {
  if (!ACCESS_KEY.test(key)) throw new StorageError('InvalidArgument', 'Access keys are 16 to 128 letters and digits');
}

function assertSecretKey(secret: string): void {
  if (typeof secret !== 'string' || secret.length < 16 || secret.length > 128 || /[\s:]/.test(secret)) {
    throw new StorageError('InvalidArgument', 'Secret keys are 16 to 128 characters without spaces or colons');
  }
}

function assertApiKey(key: string): void {
  if (typeof key !== 'string' || key.length < 16 || key.length > 256 || /\s/.test(key)) {
    throw new StorageError('InvalidArgument', 'API keys are 16 to 256 characters without spaces');
  }
}

function sealSecret(kek: Buffer, tenantId: string, secret: string): Buffer {
  return wrapKey(kek, Buffer.from(secret, 'utf8'), `tenant-secret:${tenantId}`);
}

function openSecret(kek: Buffer, tenantId: string, sealed: Buffer): string {
  return unwrapKey(kek, sealed, `tenant-secret:${tenantId}`).toString('utf8');
}

function toTenant(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, accessKey: row.accessKey, quotaBytes: row.quotaBytes, settings: row.settings, createdAt: row.createdAt };
}

/** What every QS route shares: the storage, the resolved options, and the lazily opened tables. */
import { ContentIndex, type Storage, type StorageError, type Tenant } from '@omnigate/core';
import type { ResolvedQsOptions } from './options.js';
import { QsStore } from './store/qs-store.js';

export interface QsServices {
  store: QsStore;
  contentIndex: ContentIndex;
}

export class QsContext {
  #ready: Promise<QsServices> | undefined;

  constructor(readonly storage: Storage, readonly options: ResolvedQsOptions) {}

  /** Opens (migrates) the QS tables and the content index on first use; a failure is retried on the next request. */
  services(): Promise<QsServices> {
    this.#ready ??= (async () => {
      const metadata = this.storage.options.metadata;
      const [store, contentIndex] = await Promise.all([
        QsStore.open(metadata),
        this.options.contentIndex ?? ContentIndex.open(metadata),
      ]);
      return { store, contentIndex };
    })();
    this.#ready.catch(() => { this.#ready = undefined; });
    return this.#ready;
  }

  now(): number {
    return this.options.now();
  }

  /** The one bucket that holds a tenant's QS files (S3 naming rules: 35 lower-case characters). */
  bucketName(tenantId: string): string {
    return `qs-${tenantId.replace(/-/g, '').toLowerCase()}`;
  }

  /** Creates the tenant's QS bucket on first use. */
  async ensureBucket(tenant: Tenant): Promise<string> {
    const name = this.bucketName(tenant.id);
    try {
      await this.storage.headBucket(tenant, name);
    } catch (err) {
      if ((err as StorageError).code !== 'NoSuchBucket') throw err;
      await this.storage.createBucket(tenant, name, { createdBy: 'qs' }).catch((e: unknown) => {
        if ((e as StorageError).code !== 'BucketAlreadyOwnedByYou') throw e;
      });
    }
    return name;
  }
}

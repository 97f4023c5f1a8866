/** What every Netiks route shares: the storage, the resolved options, the lazily migrated tables, URL bases. */
import type { Request } from 'express';
import type { Storage, StorageError, Tenant } from '@omnigate/core';
import { mountUrl } from '@omnigate/http';
import type { ResolvedNetiksOptions } from './options.js';
import { NetiksStore } from './store/netiks-store.js';

export class NetiksContext {
  #store: Promise<NetiksStore> | undefined;

  constructor(readonly storage: Storage, readonly options: ResolvedNetiksOptions) {}

  /** Opens (migrates) the Netiks tables on first use; a failure is retried on the next request. */
  store(): Promise<NetiksStore> {
    this.#store ??= NetiksStore.open(this.storage.options.metadata);
    this.#store.catch(() => { this.#store = undefined; });
    return this.#store;
  }

  now(): number {
    return this.options.now();
  }

  /** Creates the tenant's assets bucket on first use; returns its name. */
  async ensureBucket(tenant: Tenant): Promise<string> {
    const name = this.options.bucket;
    try {
      await this.storage.headBucket(tenant, name);
    } catch (err) {
      if ((err as StorageError).code !== 'NoSuchBucket') throw err;
      await this.storage.createBucket(tenant, name, { createdBy: 'netiks' }).catch((e: unknown) => {
        if ((e as StorageError).code !== 'BucketAlreadyOwnedByYou') throw e;
      });
    }
    return name;
  }

  /** Absolute URL of this router's mount point: `publicBaseUrl`, else the URL this request came in on. */
  baseUrl(req: Request): string {
    return mountUrl(req, this.options.publicBaseUrl);
  }
}

/** What every ZiB route shares: the storage, the resolved options, the lazily opened tables, sealing under the KEK. */
import { unwrapKey, wrapKey, type Storage, type Tenant } from '@omnigate/core';
import type { ResolvedZibOptions } from './options.js';
import { ZibStore } from './store/zib-store.js';

export class ZibContext {
  #ready: Promise<ZibStore> | undefined;
  /** Wakes the webhook worker (set by it), so a new event is delivered at once rather than at the next poll. */
  wake: () => void = () => {};

  constructor(readonly storage: Storage, readonly options: ResolvedZibOptions) {}

  /** Opens (migrates) the ZiB tables on first use; a failure is retried on the next call. */
  store(): Promise<ZibStore> {
    this.#ready ??= ZibStore.open(this.storage.options.metadata);
    this.#ready.catch(() => { this.#ready = undefined; });
    return this.#ready;
  }

  now(): number {
    return this.options.now();
  }

  /** Seals a secret (per-file key, webhook secret) under the deployment KEK, bound to `context`; base64. */
  seal(secret: Buffer, context: string): string {
    return wrapKey(this.storage.options.kek, secret, `zib:${context}`).toString('base64');
  }

  unseal(sealed: string, context: string): Buffer {
    return unwrapKey(this.storage.options.kek, Buffer.from(sealed, 'base64'), `zib:${context}`);
  }

  async tenant(id: string): Promise<Tenant | undefined> {
    return this.storage.tenants.get(id);
  }
}

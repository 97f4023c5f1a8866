/**
 * Drive quota checks are "sum what is stored, add what comes, compare": two writers of one wallet running at once
 * could each pass. Writes that add bytes (upload, copy, duplicate, savePublic) run one at a time per wallet, in this
 * gateway process; several gateways sharing a database can still overshoot by one concurrent write each.
 */
export class WalletQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(wallet: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(wallet) ?? Promise.resolve();
    const result = previous.catch(() => {}).then(fn);
    const tail = result.catch(() => {});
    this.tails.set(wallet, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(wallet) === tail) this.tails.delete(wallet);
    }
  }
}

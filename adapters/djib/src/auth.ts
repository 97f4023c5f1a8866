/**
 * Wallet auth (spec: handshake, auth). `handshake(publicKey)` issues a fresh nonce inside the documented message,
 * bound to this server (`serverId`) and an expiry; `auth(publicKey, signature)` checks the base58 ed25519 signature
 * of one of the wallet's outstanding messages, uses its nonce up and returns a base58 access token (stored as a
 * SHA-256 hash). Each wallet is a drive user of the configured tenant with its own bucket.
 */
import { createHash, randomBytes } from 'node:crypto';
import bs58 from 'bs58';
import nacl from 'tweetnacl';
import { isStorageError, type Storage } from '@omnigate/core';
import { DjibError } from './errors.js';
import type { ResolvedDjibOptions } from './options.js';
import type { DjibStore } from './store/djib-store.js';

export interface Wallet {
  /** The base58 public key. */
  publicKey: string;
  /** The wallet's drive bucket and its trash bucket, in the tenant. */
  bucket: string;
  trashBucket: string;
}

export function walletOf(publicKey: string): Wallet {
  const hash = createHash('sha256').update(bs58.decode(publicKey)).digest('hex').slice(0, 40);
  return { publicKey, bucket: `djib-${hash}`, trashBucket: `djib-${hash}-trash` };
}

function decode(value: unknown, bytes: number, error: 'InvalidPublicKey' | 'InvalidSignature', what: string): Uint8Array {
  let decoded: Uint8Array | undefined;
  if (typeof value === 'string' && value.length <= 128) {
    try { decoded = bs58.decode(value); } catch { decoded = undefined; }
  }
  if (!decoded || decoded.length !== bytes) throw new DjibError(error, `${what} must be ${bytes} bytes, base58-encoded`);
  return decoded;
}

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

export class WalletAuth {
  constructor(private readonly storage: Storage, private readonly store: DjibStore, private readonly options: ResolvedDjibOptions) {}

  async handshake(publicKey: unknown): Promise<string> {
    decode(publicKey, 32, 'InvalidPublicKey', 'publicKey');
    const now = this.options.now();
    await this.store.sweep(now);
    const nonce = bs58.encode(randomBytes(24));
    const expiresAt = now + this.options.nonceTtlMs;
    const message = `Sign this message for authenticating with your wallet. Nonce: ${nonce} (server ${this.options.serverId}, expires ${new Date(expiresAt).toISOString()})`;
    await this.store.insertNonce({ nonce, wallet: publicKey as string, message, expiresAt, consumedAt: null });
    return message;
  }

  async auth(publicKey: unknown, signature: unknown): Promise<string> {
    const key = decode(publicKey, 32, 'InvalidPublicKey', 'publicKey');
    const sig = decode(signature, 64, 'InvalidSignature', 'signature');
    const now = this.options.now();
    const nonces = await this.store.noncesOf(publicKey as string);
    if (nonces.length === 0) throw new DjibError('NoHandshake', 'No handshake for this wallet: call handshake first');
    const signed = nonces.find((n) => nacl.sign.detached.verify(Buffer.from(n.message, 'utf8'), sig, key));
    if (!signed) throw new DjibError('InvalidSignature', 'The signature does not match a handshake message of this wallet');
    if (signed.consumedAt !== null) throw new DjibError('NonceAlreadyUsed', 'This handshake nonce was already used');
    if (signed.expiresAt <= now) throw new DjibError('NonceExpired', 'This handshake nonce has expired');
    if (!await this.store.consumeNonce(signed.nonce, now)) throw new DjibError('NonceAlreadyUsed', 'This handshake nonce was already used');
    const wallet = walletOf(publicKey as string);
    await this.ensureBuckets(wallet);
    const token = bs58.encode(randomBytes(32));
    await this.store.insertToken(sha256hex(token), wallet.publicKey, now, now + this.options.tokenTtlMs);
    return token;
  }

  /** The wallet of an access token, or Unauthorized / TokenExpired. */
  async authenticate(token: unknown): Promise<Wallet> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 128) throw new DjibError('Unauthorized', 'A valid access token is required');
    const row = await this.store.findToken(sha256hex(token));
    if (!row) throw new DjibError('Unauthorized', 'Invalid access token');
    if (row.expiresAt <= this.options.now()) throw new DjibError('TokenExpired', 'The access token has expired');
    return walletOf(row.wallet);
  }

  private async ensureBuckets(wallet: Wallet): Promise<void> {
    for (const name of [wallet.bucket, wallet.trashBucket]) {
      try {
        await this.storage.createBucket(this.options.tenant, name);
      } catch (err) {
        if (!isStorageError(err) || err.code !== 'BucketAlreadyOwnedByYou') throw err;
      }
    }
  }
}

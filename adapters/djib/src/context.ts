/** What every Djib method and route shares; built once per router. */
import type { Storage } from '@omnigate/core';
import type { WalletAuth } from './auth.js';
import { Drive } from './drive.js';
import { DjibError } from './errors.js';
import type { ResolvedDjibOptions } from './options.js';
import type { DjibStore } from './store/djib-store.js';

export interface DjibContext {
  storage: Storage;
  store: DjibStore;
  auth: WalletAuth;
  options: ResolvedDjibOptions;
}

/** The drive of the wallet holding `token`. */
export async function driveOf(ctx: DjibContext, token: unknown): Promise<Drive> {
  return new Drive(ctx.storage, ctx.options.tenant, await ctx.auth.authenticate(token));
}

/** Positional params (the spec's only form), between `min` and `max` of them; anything else is -32602. */
export function positional(params: unknown, min: number, max = min): unknown[] {
  if (params === undefined && min === 0) return [];
  if (!Array.isArray(params) || params.length < min || params.length > max) {
    throw new DjibError('InvalidParams', `Invalid params: expected an array of ${min === max ? min : `${min} to ${max}`} values`);
  }
  return params;
}

export function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new DjibError('InvalidParams', `Invalid params: ${what} must be a string`);
  return value;
}

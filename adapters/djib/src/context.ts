/** What every Djib method and route shares; built once per router. */
import type { Request } from 'express';
import type { ContentIndex, Storage } from '@omnigate/core';
import type { WalletAuth } from './auth.js';
import { Drive } from './drive.js';
import { DjibError } from './errors.js';
import type { Mailer } from './mailer.js';
import type { ResolvedDjibOptions } from './options.js';
import type { WalletQueue } from './quota.js';
import type { DjibStore } from './store/djib-store.js';

export interface DjibContext {
  storage: Storage;
  store: DjibStore;
  auth: WalletAuth;
  contentIndex: ContentIndex;
  mailer: Mailer | undefined;
  /** Serialises a wallet's quota-checked writes (quota.ts). */
  writes: WalletQueue;
  options: ResolvedDjibOptions;
}

/** Per-request facts a method may need to build links (from the HTTP request that carried the call). */
export interface CallContext {
  /** Absolute URL of the adapter's mount, e.g. `http://host/djib`. */
  baseUrl: string;
  /** Base of public links: `<url>/<cid>`. */
  networkUrl: string;
}

export function callContextOf(options: ResolvedDjibOptions, req: Request): CallContext {
  const origin = `${req.protocol}://${req.get('host')}`;
  const baseUrl = options.publicBaseUrl ?? `${origin}${req.baseUrl}`;
  const networkUrl = options.publicNetworkUrl ?? `${options.publicBaseUrl ? new URL(options.publicBaseUrl).origin : origin}/ipfs`;
  return { baseUrl, networkUrl };
}

export type Method = (ctx: DjibContext, params: unknown, call: CallContext) => Promise<unknown>;

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

/** An optional JSON object param (`{}` when absent or null). */
export function obj(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new DjibError('InvalidParams', `Invalid params: ${what} must be an object`);
  return value as Record<string, unknown>;
}

/** An optional string field of an object param. */
export function optStr(value: unknown, what: string, max = 1024): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) throw new DjibError('InvalidParams', `Invalid params: ${what} must be a string of at most ${max} characters`);
  return value;
}

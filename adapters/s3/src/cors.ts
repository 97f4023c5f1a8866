/**
 * Bucket CORS (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html): rules live in the bucket's settings
 * under `cors`, in a protocol-neutral shape other adapters may read. A preflight (OPTIONS) is answered from them
 * without authentication; an actual request with an Origin gets the matching rule's headers, so a browser can use
 * presigned URLs. The first rule matching origin, method (and, for preflights, every requested header) wins.
 */
import type { S3Response as Response } from './context.js';
import type { Storage, Tenant } from '@omnigate/core';
import { S3Error } from './errors.js';
import { childrenOf, el, opt, textOf, textsOf, type XmlElement, type XmlObject } from './xml.js';

export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

const METHODS = new Set(['GET', 'PUT', 'HEAD', 'POST', 'DELETE']);
const MAX_RULES = 100;

export function parseCorsDocument(root: XmlObject): CorsRule[] {
  const rules = childrenOf(root, 'CORSRule').map((node): CorsRule => {
    const allowedOrigins = textsOf(node, 'AllowedOrigin');
    const allowedMethods = textsOf(node, 'AllowedMethod');
    if (allowedOrigins.length === 0 || allowedMethods.length === 0) throw malformed();
    for (const method of allowedMethods) {
      if (!METHODS.has(method)) throw new S3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`);
    }
    for (const origin of allowedOrigins) {
      if (origin.split('*').length > 2) throw new S3Error('InvalidRequest', `AllowedOrigin "${origin}" can not have more than one wildcard.`);
    }
    const allowedHeaders = textsOf(node, 'AllowedHeader');
    for (const h of allowedHeaders) {
      if (h.split('*').length > 2) throw new S3Error('InvalidRequest', `AllowedHeader "${h}" can not have more than one wildcard.`);
    }
    const maxAge = textOf(node, 'MaxAgeSeconds');
    if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) throw malformed();
    const id = textOf(node, 'ID');
    if (id !== undefined && id.length > 255) throw malformed();
    return {
      ...(id ? { id } : {}),
      allowedOrigins, allowedMethods, allowedHeaders,
      exposeHeaders: textsOf(node, 'ExposeHeader'),
      ...(maxAge !== undefined ? { maxAgeSeconds: Number(maxAge) } : {}),
    };
  });
  if (rules.length === 0 || rules.length > MAX_RULES) throw malformed();
  return rules;
}

export function corsXml(rules: readonly CorsRule[]): XmlElement {
  return el('CORSConfiguration', rules.map((r) => el('CORSRule', [
    opt('ID', r.id),
    ...r.allowedHeaders.map((h) => el('AllowedHeader', h)),
    ...r.allowedMethods.map((m) => el('AllowedMethod', m)),
    ...r.allowedOrigins.map((o) => el('AllowedOrigin', o)),
    ...r.exposeHeaders.map((h) => el('ExposeHeader', h)),
    opt('MaxAgeSeconds', r.maxAgeSeconds),
  ])));
}

/** The rules stored in bucket settings (ignoring anything that is not a well-formed rule). */
export function corsRulesOf(settings: Record<string, unknown>): CorsRule[] {
  const rules = settings.cors;
  if (!Array.isArray(rules)) return [];
  return rules.filter((r): r is CorsRule => typeof r === 'object' && r !== null
    && Array.isArray((r as CorsRule).allowedOrigins) && Array.isArray((r as CorsRule).allowedMethods));
}

/** `*` in a pattern matches any run of characters (at most one `*` per pattern); case-insensitive for headers. */
function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  const star = p.indexOf('*');
  if (star < 0) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

export function matchRule(rules: readonly CorsRule[], origin: string, method: string, requestHeaders: readonly string[] = []): CorsRule | undefined {
  return rules.find((rule) => rule.allowedOrigins.some((o) => wildcardMatch(o, origin, false))
    && rule.allowedMethods.includes(method)
    && requestHeaders.every((h) => rule.allowedHeaders.some((a) => wildcardMatch(a, h, true))));
}

export function setCorsHeaders(res: Response, rule: CorsRule, origin: string, preflight?: { requestHeaders: readonly string[] }): void {
  const anyOrigin = rule.allowedOrigins.includes('*');
  res.setHeader('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
  if (!anyOrigin) res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Allow-Methods', rule.allowedMethods.join(', '));
  res.setHeader('Vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
  if (rule.exposeHeaders.length > 0) res.setHeader('Access-Control-Expose-Headers', rule.exposeHeaders.join(', '));
  if (rule.maxAgeSeconds !== undefined) res.setHeader('Access-Control-Max-Age', String(rule.maxAgeSeconds));
  if (preflight && preflight.requestHeaders.length > 0) res.setHeader('Access-Control-Allow-Headers', preflight.requestHeaders.join(', '));
}

/** Rules of `bucket` as the authenticated tenant sees it; none when the bucket is missing. */
export async function tenantCorsRules(storage: Storage, tenant: Tenant, bucket: string): Promise<CorsRule[]> {
  try {
    return corsRulesOf((await storage.headBucket(tenant, bucket)).settings);
  } catch {
    return [];
  }
}

/**
 * Rules for an unauthenticated preflight. Bucket names are unique per tenant, not globally, and a preflight names
 * no tenant: every tenant's bucket of that name is consulted (one metadata query), and the first matching rule
 * answers. A preflight only tells a browser it may try; the actual request still needs a valid signature for the
 * right tenant. A metadata store without `findBucketsByName` is asked tenant by tenant.
 */
export async function preflightRules(storage: Storage, bucket: string): Promise<CorsRule[]> {
  const { metadata } = storage.options;
  if (metadata.findBucketsByName) return (await metadata.findBucketsByName(bucket)).flatMap((b) => corsRulesOf(b.settings));
  const rules: CorsRule[] = [];
  for (const tenant of await storage.tenants.list()) rules.push(...await tenantCorsRules(storage, tenant, bucket));
  return rules;
}

function malformed(): S3Error {
  return new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
}

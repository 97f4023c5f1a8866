/**
 * Session rules: "the maximum upload size and related limitations are governed by the rules defined for each
 * session". A session starts from the adapter's defaults and may only tighten them; every /buckets call enforces
 * its session's rules.
 */
import type { ResolvedQsOptions } from './options.js';
import { QsError } from './errors.js';

export interface SessionRules {
  /** Largest file, in bytes. */
  maxFileSize: number;
  /** All the session's files together, in bytes. */
  maxTotalBytes: number;
  /** Files, completed or in progress. */
  maxFiles: number;
  /** ISO 8601 time the session (and every token of it) ends. */
  allowedUntil: string;
  /** Files are public (served by /ipfs/<cid>) unless completed with `public: false`. */
  public: boolean;
}

const FIELDS = new Set(['maxFileSize', 'maxTotalBytes', 'maxFiles', 'allowedUntil', 'public']);

/** The rules of a new session: the defaults, tightened by what the request asks. Loosening is an error. */
export function resolveRules(requested: unknown, options: ResolvedQsOptions, now: number): SessionRules {
  const d = options.defaultRules;
  const latest = now + d.sessionTtlMs;
  const rules: SessionRules = {
    maxFileSize: d.maxFileSize, maxTotalBytes: d.maxTotalBytes, maxFiles: d.maxFiles,
    allowedUntil: new Date(latest).toISOString(), public: d.public,
  };
  if (requested === undefined || requested === null) return rules;
  if (typeof requested !== 'object' || Array.isArray(requested)) throw new QsError('InvalidRules', 'The rules must be a JSON object');
  const r = requested as Record<string, unknown>;
  for (const name of Object.keys(r)) {
    if (!FIELDS.has(name)) throw new QsError('InvalidRules', `Unknown rule "${name}"; rules are ${[...FIELDS].join(', ')}`);
  }
  for (const name of ['maxFileSize', 'maxTotalBytes', 'maxFiles'] as const) {
    const value = r[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (name === 'maxFiles' ? 1 : 0)) {
      throw new QsError('InvalidRules', `${name} must be a ${name === 'maxFiles' ? 'positive' : 'non-negative'} integer`);
    }
    if (value > d[name]) throw new QsError('InvalidRules', `${name} may be at most ${d[name]} on this server (rules may only tighten the defaults)`);
    rules[name] = value;
  }
  if (r.allowedUntil !== undefined && r.allowedUntil !== null) {
    const at = typeof r.allowedUntil === 'string' && /^\d{4}-\d\d-\d\dT/.test(r.allowedUntil) ? Date.parse(r.allowedUntil) : NaN;
    if (!Number.isFinite(at)) throw new QsError('InvalidRules', 'allowedUntil must be an ISO 8601 date-time such as 2030-01-01T00:00:00Z');
    if (at <= now) throw new QsError('InvalidRules', 'allowedUntil must be in the future');
    if (at > latest) throw new QsError('InvalidRules', `allowedUntil may be at most ${d.sessionTtlMs} ms ahead on this server (rules may only tighten the defaults)`);
    rules.allowedUntil = new Date(at).toISOString();
  }
  if (r.public !== undefined && r.public !== null) {
    if (typeof r.public !== 'boolean') throw new QsError('InvalidRules', 'public must be a boolean');
    if (r.public && !options.allowPublic) throw new QsError('RuleNotAllowed', 'This server does not allow public files');
    rules.public = r.public;
  }
  return rules;
}

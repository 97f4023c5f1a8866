/**
 * XML out (a tiny escaping builder, so no value can break the document) and XML in (fast-xml-parser, strict:
 * a body that is not well-formed, has a DTD or the wrong root is MalformedXML, and nothing is changed).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from './errors.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface XmlElement {
  name: string;
  content: XmlContent;
  attributes?: Record<string, string>;
}
export type XmlContent = string | number | boolean | undefined | ReadonlyArray<XmlElement | undefined>;

/** An element; text content is escaped when serialised. */
export function el(name: string, content?: XmlContent, attributes?: Record<string, string>): XmlElement {
  return attributes ? { name, content, attributes } : { name, content };
}

/** The element only when `value` is defined (optional response fields). */
export function opt(name: string, value: string | number | boolean | undefined | null): XmlElement | undefined {
  return value === undefined || value === null ? undefined : el(name, value);
}

/** A whole response document: declaration, root in S3's namespace. */
export function xmlDocument(root: XmlElement, xmlns: string | null = S3_XMLNS): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${serialise(root, xmlns ?? undefined)}`;
}

// A listing page serialises ~10,000 elements: no per-element arrays or entries, and no escaping pass over text
// that needs none (numbers, booleans, most keys).
function serialise(node: XmlElement, xmlns?: string): string {
  const { name, content, attributes } = node;
  let attrs = xmlns ? ` xmlns="${xmlns}"` : '';
  if (attributes) for (const attr in attributes) attrs += ` ${attr}="${escapeXml(attributes[attr]!)}"`;
  if (content === undefined || content === '' || (Array.isArray(content) && content.length === 0)) return `<${name}${attrs}/>`;
  let inner = '';
  if (Array.isArray(content)) {
    for (const child of content as ReadonlyArray<XmlElement | undefined>) if (child) inner += serialise(child);
  } else {
    inner = typeof content === 'string' ? escapeXml(content) : String(content);
  }
  return `<${name}${attrs}>${inner}</${name}>`;
}

/** Markup, and what XML 1.0 cannot carry literally. */
const ESCAPED = /[&<>"'\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const NEEDS_ESCAPE = new RegExp(ESCAPED.source); // without /g: test() keeps no state

/**
 * Escapes markup and the characters XML 1.0 cannot carry literally. Keys may hold control characters; S3 sends
 * them as character references (clients that cannot parse those ask for `encoding-type=url`).
 */
export function escapeXml(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(ESCAPED, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case "'": return '&apos;';
      default: return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

/** Elements that may repeat, as arrays even when there is one. */
const REPEATED = new Set(['Object', 'Part', 'CORSRule', 'AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader', 'Tag']);

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  // Keys keep their spaces: values are trimmed by the reader of each field, not here.
  trimValues: false,
  // Entities are decoded here, in one pass (see decodeEntities), not by the parser.
  processEntities: false,
  tagValueProcessor: (_name, value) => decodeEntities(value),
  ignoreDeclaration: true,
  isArray: (name) => REPEATED.has(name),
});

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * XML's five named entities and numeric character references, as any XML parser reads them: Go's encoding/xml
 * (rclone and other Go clients) writes the quotes of an ETag as `&#34;`. One pass, so `&amp;#34;` stays the text
 * `&#34;`. An undeclared name (`&nbsp;`) or a reference to no character (`&#0;`, a surrogate) is malformed. Control
 * characters are accepted: a key may hold them, and our listings send them back as such references.
 */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&]*);/g, (_ref, body: string) => {
    const named = NAMED_ENTITIES[body];
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (!numeric) throw malformed();
    const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2]!, 10);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw malformed();
    return String.fromCodePoint(code);
  });
}

export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/** Parses a request body whose root must be `root` (namespace prefixes ignored); returns the root's children. */
export function parseXmlBody(body: Buffer, root: string): XmlObject {
  const text = body.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw malformed();
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw malformed();
  let doc: XmlObject;
  try {
    doc = parser.parse(text) as XmlObject;
  } catch {
    throw malformed();
  }
  const roots = Object.keys(doc).filter((k) => k !== '#text' && !k.startsWith('?'));
  if (roots.length !== 1 || roots[0] !== root) throw malformed();
  const value = doc[root];
  if (value === '' || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw malformed();
  return value;
}

/** A child element's text (trimmed unless `raw`), or undefined; an element where text was expected is malformed. */
export function textOf(node: XmlObject, name: string, raw = false): string | undefined {
  const value = node[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw malformed();
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => k !== '#text');
    if (keys.length > 0) throw malformed();
    return raw ? String(value['#text'] ?? '') : String(value['#text'] ?? '').trim();
  }
  return raw ? value : value.trim();
}

/** Children named `name` that are elements (repeated elements are arrays; an empty element becomes {}). */
export function childrenOf(node: XmlObject, name: string): XmlObject[] {
  const value = node[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (item === '') return {};
    if (typeof item !== 'object' || Array.isArray(item)) throw malformed();
    return item;
  });
}

/** Texts of a repeated element, trimmed. */
export function textsOf(node: XmlObject, name: string): string[] {
  const value = node[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item === 'string') return item.trim();
    throw malformed();
  });
}

export function malformed(): S3Error {
  return new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
}

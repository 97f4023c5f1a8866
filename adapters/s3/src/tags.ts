/**
 * Object tags: the x-amz-tagging header (URL-encoded query syntax) and the <Tagging> document, with S3's limits
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html): at most 10 tags, unique keys of
 * 1-128 characters, values up to 256 characters. Anything else is InvalidTag.
 */
import { StorageError } from '@omnigate/core';
import { S3Error } from './errors.js';
import { childrenOf, el, textOf, type XmlElement, type XmlObject } from './xml.js';

const MAX_TAGS = 10;

export function parseTaggingHeader(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const pairs: Array<[string, string]> = [];
  for (const part of value.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    try {
      const name = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
      const val = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
      pairs.push([name, val]);
    } catch {
      throw new StorageError('InvalidArgument', 'The header x-amz-tagging is not valid URL-encoded text');
    }
  }
  return validateTags(pairs);
}

/** `<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>` (children of the root). */
export function parseTaggingDocument(root: XmlObject): Record<string, string> {
  const sets = childrenOf(root, 'TagSet');
  if (sets.length !== 1) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  const pairs = childrenOf(sets[0]!, 'Tag').map((tag): [string, string] => {
    const key = textOf(tag, 'Key', true);
    if (key === undefined) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    return [key, textOf(tag, 'Value', true) ?? ''];
  });
  return validateTags(pairs);
}

export function validateTags(pairs: Array<[string, string]>): Record<string, string> {
  if (pairs.length > MAX_TAGS) throw new S3Error('InvalidTag', 'Object tags cannot be greater than 10');
  const tags: Record<string, string> = Object.create(null);
  for (const [key, value] of pairs) {
    if (key.length < 1 || [...key].length > 128) throw new S3Error('InvalidTag', 'The TagKey you have provided is invalid');
    if ([...value].length > 256) throw new S3Error('InvalidTag', 'The TagValue you have provided is invalid');
    if (Object.hasOwn(tags, key)) throw new S3Error('InvalidTag', 'Cannot provide multiple Tags with the same key');
    tags[key] = value;
  }
  return { ...tags };
}

export function tagSetXml(tags: Record<string, string>): XmlElement {
  return el('Tagging', [el('TagSet', Object.entries(tags).map(([k, v]) => el('Tag', [el('Key', k), el('Value', v)])))]);
}

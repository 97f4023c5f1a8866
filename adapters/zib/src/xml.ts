/** A tiny XML writer for the S3-compatible listings (escaping every value, so no key can break the document). */
export type Xml = string;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    // Characters XML 1.0 cannot carry at all are written as S3 does for keys, as numeric references.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
}

/** `<name>children</name>`; strings and numbers are escaped text, arrays are already-built child elements. */
export function el(name: string, content: string | number | boolean | Xml[] | undefined): Xml {
  if (content === undefined) return '';
  const inner = Array.isArray(content) ? content.join('') : escapeXml(String(content));
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

export function document(root: string, children: Xml[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${children.join('')}</${root}>`;
}

/**
 * Writing responses: XML documents, empty answers, and S3 error documents
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses). Every response carries
 * x-amz-request-id and x-amz-id-2 (set when the request arrives); HEAD and 304 answers never carry a body.
 */
import type { S3Request as Request, S3Response as Response } from './context.js';
import { toS3Error, type S3WireError } from './errors.js';
import { el, S3_XMLNS, xmlDocument, type XmlElement } from './xml.js';

export function sendXml(res: Response, status: number, root: XmlElement, xmlns: string | null = S3_XMLNS): void {
  const body = Buffer.from(xmlDocument(root, xmlns), 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

export function sendEmpty(res: Response, status: number): void {
  res.statusCode = status;
  if (status !== 204 && status !== 304) res.setHeader('Content-Length', 0);
  res.end();
}

/** Headers an error keeps: identity and CORS always; validators on 304 (RFC 9110 §15.4.5); Content-Range on 416. */
const KEEP_ALWAYS = new Set(['x-amz-request-id', 'x-amz-id-2', 'vary', 'connection']);
const KEEP_BY_STATUS: Record<number, string[]> = { 304: ['etag', 'last-modified'], 416: ['content-range'] };

/**
 * Sends `err` as S3 does. When the response has already started (a GET failing mid-stream) the connection is cut,
 * so the client sees a short body rather than a corrupt one. Returns what was sent, for logging.
 */
export function sendError(req: Request, res: Response, err: unknown, resource: string, requestId: string): S3WireError {
  const wire = toS3Error(err);
  if (res.headersSent) {
    res.destroy();
    return wire;
  }
  const keep = new Set([...KEEP_ALWAYS, ...(KEEP_BY_STATUS[wire.status] ?? [])]);
  for (const name of res.getHeaderNames()) {
    if (!keep.has(name) && !name.startsWith('access-control-')) res.removeHeader(name);
  }
  if (wire.status === 304 || req.method === 'HEAD') {
    sendEmpty(res, wire.status);
    return wire;
  }
  // The error document has no namespace.
  sendXml(res, wire.status, el('Error', [
    el('Code', wire.code),
    el('Message', wire.message),
    el('Resource', resource),
    el('RequestId', requestId),
  ]), null);
  return wire;
}

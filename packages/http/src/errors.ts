/** The protocol-independent half of answering with an error. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An unread body up to this size is drained by Node after an error answer, so the connection stays usable. */
const DRAIN_LIMIT = 1024 * 1024;

/**
 * After an error, the rest of a request body: a small one (a declared Content-Length up to DRAIN_LIMIT) is read to
 * its end and discarded, so the client finishes sending and reads the answer, and the connection stays usable. Node
 * does that itself for a body nobody read; one we started reading (a form refused at a bad file name) is resumed
 * here. A large or unsized one ends the connection (`Connection: close`) rather than being read: a client still
 * sending may then see the connection reset (Node 24's fetch fails with EPIPE instead of reading the answer).
 */
export function drainOrCloseUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (!(declared <= DRAIN_LIMIT) || req.destroyed) {
    res.setHeader('Connection', 'close');
    return;
  }
  if (req.readableFlowing !== null) req.resume();
}

export interface ErrorAnswer {
  status: number;
  headers?: Record<string, string>;
  /** The protocol's error document, already serialised; omitted for HEAD and 304. */
  body: Buffer | string;
  contentType: string;
}

/**
 * Answers with an error the adapter has already translated. When the response has already started (a download
 * failing mid-stream) the connection is cut instead, so the client sees a short body rather than a corrupt one.
 * Headers set earlier for the success answer (ETag, Content-Length, ...) are dropped.
 */
export function sendErrorAnswer(req: IncomingMessage, res: ServerResponse, answer: ErrorAnswer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  drainOrCloseUnreadBody(req, res);
  res.statusCode = answer.status;
  if (req.method === 'HEAD' || answer.status === 304) {
    res.end();
    return;
  }
  const bytes = typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : answer.body;
  res.setHeader('Content-Type', answer.contentType);
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(bytes);
}

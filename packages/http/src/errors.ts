/** The protocol-independent half of answering with an error. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An unread body up to this size is drained by Node after an error answer, so the connection stays usable. */
const DRAIN_LIMIT = 1024 * 1024;

/**
 * After an error: a body we started reading (a file cut off over a limit), or a large unread one, ends the
 * connection (`Connection: close`) rather than being read to its end; a small unread body is drained by Node.
 */
export function closeIfBodyPending(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (req.readableFlowing !== null || !(declared <= DRAIN_LIMIT)) res.setHeader('Connection', 'close');
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
  closeIfBodyPending(req, res);
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

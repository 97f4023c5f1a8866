/** JSON answers and small JSON request bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Sends `body` as JSON with an exact Content-Length; API answers are never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(bytes);
}

/**
 * Reads a whole small body, refusing (with the adapter's own error, from `tooLarge`) as soon as it passes
 * `maxBytes`, so an oversize body is never buffered.
 */
export async function readSmallBody(req: IncomingMessage, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body; `undefined` when it is empty or only whitespace. `malformed` makes the adapter's error. */
export function parseJsonBody(bytes: Buffer, malformed: (why: string) => Error): unknown {
  const text = bytes.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw malformed('The body is not valid JSON');
  }
}

/** A JSON object body, or `{}` when there is none; arrays and scalars are refused with `malformed`. */
export async function readJsonObject(req: IncomingMessage, maxBytes: number, malformed: (why: string) => Error): Promise<Record<string, unknown>> {
  const bytes = await readSmallBody(req, maxBytes, () => malformed(`The JSON body must be at most ${maxBytes} bytes`));
  const body = parseJsonBody(bytes, malformed);
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw malformed('The body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * Request bodies, never parsed by Express: the raw bytes go through the core's SigV4 payload decoder (aws-chunked
 * framing, chunk signatures, trailers, the signed SHA-256) and then stream on to storage. Small XML bodies are
 * read whole, under a cap.
 */
import type { Readable } from 'node:stream';
import { StorageError } from '@omnigate/core';
import { createPayloadDecoder } from './auth.js';
import { header, type S3Context } from './context.js';
import { S3Error } from './errors.js';

export interface PayloadStream {
  body: Readable;
  /** Trailing headers (x-amz-checksum-*), complete once `body` has ended. */
  trailers(): Record<string, string>;
  /** The decoded (payload) length the client declared, if any. */
  size: number | undefined;
}

/** The request's payload bytes as a stream. The request is never destroyed here, so an error can still be answered. */
export function payloadStream(ctx: S3Context): PayloadStream {
  const decoder = createPayloadDecoder(ctx.auth);
  const { req } = ctx;
  // The decoder may fail (bad chunk signature, SHA-256 mismatch) before storage starts reading it; the error stays on
  // the destroyed stream and reaches storage when it does, so it must not escape as an unhandled 'error' event.
  decoder.on('error', () => {});
  req.on('error', (err) => decoder.destroy(err));
  req.on('aborted', () => decoder.destroy(new StorageError('RequestAborted', 'The client closed the connection')));
  req.pipe(decoder);
  return { body: decoder, trailers: () => decoder.trailers(), size: declaredSize(ctx) };
}

/** Content-Length of the payload: x-amz-decoded-content-length for aws-chunked bodies. */
export function declaredSize(ctx: S3Context): number | undefined {
  const chunked = ctx.auth.payload.kind === 'streaming-signed' || ctx.auth.payload.kind === 'streaming-unsigned-trailer'
    || /aws-chunked/i.test(header(ctx, 'content-encoding') ?? '');
  const raw = chunked ? (ctx.auth.decodedContentLength ?? header(ctx, 'x-amz-decoded-content-length')) : header(ctx, 'content-length');
  if (raw === undefined) return undefined;
  const size = Number(raw);
  if (!Number.isSafeInteger(size) || size < 0 || !/^\d+$/.test(String(raw))) {
    throw new StorageError('InvalidArgument', chunked ? 'Invalid x-amz-decoded-content-length' : 'Invalid Content-Length');
  }
  return size;
}

/** Reads a small body whole (XML documents); more than `max` bytes is MaxMessageLengthExceeded. */
export async function readSmallBody(ctx: S3Context, max = ctx.options.maxXmlBodyBytes): Promise<{ body: Buffer; trailers: Record<string, string> }> {
  const declared = declaredSize(ctx);
  if (declared !== undefined && declared > max) throw tooLong(max);
  const payload = payloadStream(ctx);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of payload.body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > max) throw tooLong(max);
    chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks), trailers: payload.trailers() };
}

function tooLong(max: number): S3Error {
  return new S3Error('MaxMessageLengthExceeded', `Your request was too big: the limit is ${max} bytes.`);
}

/** Lets an unread body drain after an error answer, so the client reads our error instead of a reset. */
export function drainRequest(ctx: S3Context): void {
  const { req } = ctx;
  if (req.complete || req.destroyed) return;
  req.unpipe();
  req.resume();
}

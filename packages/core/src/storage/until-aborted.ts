import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * `work`, or a rejection as soon as `signal` aborts, whichever comes first. An aborted pipeline destroys its streams
 * but settles only once every one of them has closed, and a source may not close for a long time: Readable.from(an
 * async generator) closes after the generator's return(), which (from Node 22 on it is awaited) runs only when the
 * generator next resumes: never, for one waiting on a client that is gone. The caller cleans up without waiting.
 * `earlierFailure` names what went wrong first, if anything did: an abort can be its consequence (a failing pipeline
 * destroys the request it reads, which looks like a client that went away), and then that failure is the answer.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, earlierFailure?: () => unknown): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(earlierFailure?.() ?? abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    work.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err); },
    );
  });
}

/** `pipeline(streams, { signal })` under `untilAborted`, the first error any of the streams emitted winning. */
export async function pipelineUntilAborted(streams: [Readable, ...Array<Readable | Writable>], signal: AbortSignal | undefined): Promise<void> {
  let first: { err: unknown } | undefined;
  const onError = (err: unknown) => { first ??= { err }; };
  for (const stream of streams) stream.on('error', onError);
  try {
    await untilAborted(pipeline(streams, { signal }), signal, () => first?.err);
  } finally {
    for (const stream of streams) stream.off('error', onError);
  }
}

/** What Node's own stream functions reject with on an abort (name AbortError, the reason as cause). */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

/**
 * `work`, or a rejection as soon as `signal` aborts, whichever comes first. An aborted pipeline destroys its streams
 * but settles only once every one of them has closed, and a source may not close for a long time: Readable.from(an
 * async generator) closes after the generator's return(), which (from Node 22 on it is awaited) runs only when the
 * generator next resumes: never, for one waiting on a client that is gone. The caller cleans up without waiting.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    work.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err); },
    );
  });
}

/** What Node's own stream functions reject with on an abort (name AbortError, the reason as cause). */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

/**
 * What `omnigate serve` does without a client asking: every hour it sweeps crash leftovers and expired multipart
 * uploads and expires QS sessions' unfinished uploads; every `scrubIntervalHours` it scrubs (checks every fragment
 * and rebuilds lost or corrupt ones, promoting objects to `safe`). Passes never overlap, and stop() waits for the
 * one in progress (a scrub is cut short through its signal) so the storage can close under it.
 */
import type { Logger } from 'pino';
import type { Storage } from '@omnigate/core';
import { expireQsUploads } from '@omnigate/qs';

export interface BackgroundOptions {
  uploadExpiryHours: number;
  /** 0 turns the scrub off. */
  scrubIntervalHours: number;
  sweepIntervalMs?: number;
}

export interface Background {
  stop(): Promise<void>;
}

export function startBackground(storage: Storage, options: BackgroundOptions, logger: Logger): Background {
  const stopping = new AbortController();
  let running: Promise<void> = Promise.resolve();
  const run = (name: string, pass: () => Promise<unknown>) => {
    running = running.then(async () => {
      if (stopping.signal.aborted) return;
      try {
        await pass();
      } catch (err) {
        if (!stopping.signal.aborted) logger.error({ err: String(err) }, `background ${name} failed; retrying at the next interval`);
      }
    });
  };
  const sweep = () => {
    run('sweep', () => storage.maintenance.sweep({ uploadsOlderThanMs: options.uploadExpiryHours * 3600_000 }));
    run('QS expiry', () => expireQsUploads(storage));
  };
  const scrub = () => run('scrub', async () => {
    const report = await storage.maintenance.repair({ signal: stopping.signal });
    logger.info({ ...report, unrecoverable: report.unrecoverable.length }, 'scrub finished');
  });
  const timers = [setInterval(sweep, options.sweepIntervalMs ?? 3600_000)];
  if (options.scrubIntervalHours > 0) timers.push(setInterval(scrub, options.scrubIntervalHours * 3600_000));
  for (const timer of timers) timer.unref();
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}

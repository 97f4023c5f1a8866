/**
 * Opening files with O_DIRECT, for fragment writes. Reads stay buffered: O_DIRECT reads were tried and measured here
 * (s3 bench 64 MiB GET 3.96-5.00 ms of server CPU per MiB and 139-255 MB/s, against 3.96-4.32 ms and 222-312 MB/s
 * reading the same O_DIRECT-written fragments buffered): they wait for the disk in the threadpool without the
 * kernel's readahead, and the wanted bytes had to be copied out of the aligned blocks on the main thread.
 */
import { constants as fsConstants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Undefined where the platform has no O_DIRECT (then every file is opened buffered). */
const O_DIRECT: number | undefined = fsConstants.O_DIRECT;

export const directIoAvailable = O_DIRECT !== undefined;

/**
 * Opens `path` with O_DIRECT added to `flags`, or resolves to undefined when the filesystem refuses O_DIRECT
 * (EINVAL, e.g. ramfs, or tmpfs before Linux 6.6). With O_CREAT the refused open may already have created the file.
 */
export async function openDirect(path: string, flags: number): Promise<FileHandle | undefined> {
  try {
    return await open(path, flags | O_DIRECT!, 0o666);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
    throw err;
  }
}

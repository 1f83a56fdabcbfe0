import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';
import { makeDirs, makeDirsSync } from './makeDirs';

/** the temporary sibling a write goes to before its rename: hidden, and unique to this process and moment */
const temporaryFor = (file: string) =>
  path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}.tmp`);

/**
 * Write a file so that a reader sees the old content or the new, never half: a temporary
 * file beside it, fsync, rename. A full disk becomes a clear DISK_FULL error and the old
 * file stays as it was. The one way this project writes a file in place (see also
 * writeFileAtomicSync for derived data).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, place?: DiskPlace): Promise<void> {
  const dir = path.dirname(file);
  const tmp = temporaryFor(file);
  let handle: fsp.FileHandle | undefined;
  try {
    await makeDirs(dir);
    handle = await fsp.open(tmp, 'w');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, file);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw diskError(e, file, place);
  }
}

/**
 * The same for derived data on a hot path (bottleneck features, thumbnails): synchronous and not
 * fsynced — a killed process never leaves a torn file that looks whole, and an entry lost to a
 * power cut is only recomputed.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, place?: DiskPlace): void {
  const tmp = temporaryFor(file);
  try {
    makeDirsSync(path.dirname(file));
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing more to clean: the write's own error is the one to report
    }
    throw diskError(e, file, place);
  }
}

/**
 * The folder a failed write was for, and what there can go: a full disk's hint names the
 * folder that was full, so a user frees space where it helps and deletes nothing of theirs
 * by mistake.
 */
export interface DiskPlace {
  folder: string;
  safeToDelete?: string;
}

/** the bottleneck cache: all of it is derived data */
export function bottleneckCachePlace(folder: string): DiskPlace {
  return { folder, safeToDelete: 'the bottleneck cache there is derived data and safe to delete: it costs only a new extraction' };
}

const fullDiskHint = (where: DiskPlace) =>
  `Free some space on the disk that holds ${where.folder}${where.safeToDelete ? ` (${where.safeToDelete})` : ''}, then try again.`;

/** Turns ENOSPC/EDQUOT/EACCES into messages a user can act on; anything else passes through. */
export function diskError(e: unknown, file: string, place?: DiskPlace): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new TransferLabError('DISK_FULL', `The disk is full: could not write ${file}.`, fullDiskHint(place ?? { folder: path.dirname(file) }), { cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new TransferLabError(
      'WRITE_FAILED',
      `${code === 'EROFS' ? 'The disk is read-only' : 'No permission'}: could not write ${file}.`,
      'Choose a folder you can write to.',
      { cause: e },
    );
  }
  return e;
}

/** a DISK_FULL error from a generic writer below, given the hint of the place it was writing to */
export function inPlace(e: unknown, place: DiskPlace): unknown {
  if (!(e instanceof TransferLabError) || e.code !== 'DISK_FULL') return e;
  return new TransferLabError('DISK_FULL', e.message, fullDiskHint(place), { cause: e.cause });
}

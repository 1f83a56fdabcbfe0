import fsp from 'node:fs/promises';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';

/**
 * Write a file so that a reader sees the old content or the new, never half: a temporary
 * file beside it, fsync, rename. A full disk becomes a clear DISK_FULL error and the old
 * file stays as it was.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'w');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, file);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw diskError(e, file);
  }
}

/** Turns ENOSPC/EDQUOT/EACCES into messages a user can act on; anything else passes through. */
export function diskError(e: unknown, file: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new TransferLabError('DISK_FULL', `The disk is full: could not write ${file}.`, 'Free some space (the bottleneck cache in ~/.cache/transfer-lab is safe to delete) and try again.', { cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new TransferLabError('EXPORT_FAILED', `No permission to write ${file}.`, 'Choose a folder you can write to.', { cause: e });
  }
  return e;
}

import fs from 'node:fs';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';

/**
 * `mkdir -p` that always returns: the one way this project creates a folder and those above it.
 *
 * Why not `fs.mkdir(dir, { recursive: true })`: on Linux, Node's recursive mkdir (sync, callback
 * and promise alike, Node 18 to 22) spins forever at 100 % of a core where the kernel answers
 * ENOENT for a folder whose parent exists — any path under /proc (`--out /proc/x` hung a run
 * after its model loaded, and Stop could not end it). It reads ENOENT as "the parent is missing",
 * finds the parent there, and tries again. Here each missing folder is made on its own, from the
 * nearest one that exists down, and an ENOENT whose parent exists is the answer, not a reason to
 * retry. Errors are Node's own (ENOTDIR, EACCES, ENOSPC… for the callers' messages), but that one.
 *
 * Synchronous: a few mkdir calls, as cheap as the stat before them; the async form is for the
 * callers' symmetry.
 */
export function makeDirsSync(dir: string, mode?: number): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let nearest: fs.Stats;
  for (let at = target; ;) {
    try {
      nearest = fs.statSync(at);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const up = path.dirname(at);
      if (up === at) throw e;
      missing.unshift(at);
      at = up;
    }
  }
  // a file where the folder should be: Node's own mkdir says so (EEXIST here, ENOTDIR below it)
  if (!missing.length && !nearest.isDirectory()) fs.mkdirSync(target);
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder, mode === undefined ? undefined : { mode });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // made meanwhile by another writer (two extraction workers, say): taken as made
      if (code === 'EEXIST' && isFolder(folder)) continue;
      const link = code === 'EEXIST' ? linkTarget(folder) : null;
      if (link !== null)
        throw new TransferLabError(
          'WRITE_FAILED',
          `Cannot create the folder ${target}: ${folder} is a link to ${link}, which is not there.`,
          'Connect the disk it points to, or choose another folder.',
          {
            cause: e,
          },
        );
      if (code === 'ENOENT')
        throw new TransferLabError(
          'WRITE_FAILED',
          `Cannot create the folder ${folder}: ${path.dirname(folder)} takes no new folders (${isSystemFolder(folder) ? "it is the system's, not a disk" : 'the system refused'}).`,
          'Choose a folder on a disk, e.g. in your home folder.',
          { cause: e },
        );
      throw e;
    }
  }
}

export async function makeDirs(dir: string, mode?: number): Promise<void> {
  makeDirsSync(dir, mode);
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function linkTarget(p: string): string | null {
  try {
    return fs.readlinkSync(p);
  } catch {
    return null;
  }
}

const isSystemFolder = (p: string) => ['/proc', '/sys', '/dev'].some((root) => p === root || p.startsWith(root + path.sep));

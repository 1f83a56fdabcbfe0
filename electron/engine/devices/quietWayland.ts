import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { makeDirsSync } from '../util/makeDirs';

/**
 * The Vulkan loader may load libwayland, which prints "error: XDG_RUNTIME_DIR is invalid or not
 * set in the environment." to stderr when there is no login session's runtime folder (a headless
 * machine, an SSH session, CI): an alarming line before a report that is right. Where it is
 * unset, this process gets a private empty one (mode 0700, as the variable's specification asks),
 * where libwayland finds no display and says nothing. Set, it is left as it is.
 *
 * Only a process's main thread changes the environment that native code reads: a worker
 * thread's `process.env` is a copy of its own. So the extractor pool calls this before it starts
 * a worker that may load Dawn (the worker's copy then has it too); in a worker it does nothing.
 */
export function quietWayland(): void {
  if (process.env.XDG_RUNTIME_DIR || process.platform !== 'linux' || !isMainThread) return;
  try {
    const dir = path.join(os.tmpdir(), `transfer-lab-runtime-${os.userInfo().uid}`);
    makeDirsSync(dir, 0o700);
    const st = fs.statSync(dir);
    // another user's folder of that name, or one others can write to, is not taken
    if (st.uid === os.userInfo().uid && (st.mode & 0o077) === 0) process.env.XDG_RUNTIME_DIR = dir;
  } catch {
    // the noise is all it costs
  }
}

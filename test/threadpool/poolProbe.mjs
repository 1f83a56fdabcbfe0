/**
 * Prints how many threads this process's libuv pool really has, as JSON: `{"threads": N}`.
 *
 * Each thread of the pool can be held by one blocking call. Opening a named pipe for reading
 * blocks until a writer comes, so this queues more such opens than any pool has threads, and
 * then asks each pipe, newest first, whether a reader is waiting on it (a non-blocking open for
 * writing fails with ENXIO where none is). The pool takes its work in order, so the readers
 * waiting are the first N opens: the first pipe that has one, counting down, is the N-th.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const queued = 64;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-probe-'));
const pipes = Array.from({ length: queued }, (_, i) => path.join(dir, `p${i}`));
execFileSync('mkfifo', pipes);
const readers = pipes.map((p) => fs.promises.open(p, 'r'));
// long enough for the pool's threads to take the first opens
await new Promise((r) => setTimeout(r, 500));

const writers = [];
/** a writer for this pipe if a reader waits on it (which frees that reader's thread), else null */
function writerIfRead(p) {
  try {
    return fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    if (e.code === 'ENXIO') return null;
    throw e;
  }
}
let threads = 0;
for (let i = queued - 1; i >= 0; i--) {
  const w = writerIfRead(pipes[i]);
  if (w === null) continue;
  writers.push(w);
  threads = i + 1;
  break;
}
// let every open finish, then tidy up
for (const [i, p] of pipes.entries()) {
  if (i === threads - 1) continue;
  let w = null;
  while ((w = writerIfRead(p)) === null) await new Promise((r) => setTimeout(r, 2));
  writers.push(w);
}
for (const h of await Promise.all(readers)) await h.close();
for (const w of writers) fs.closeSync(w);
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ threads })}\n`);

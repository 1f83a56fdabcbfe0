import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { scanMemoDir } from '../paths';
import { writeFileAtomicSync } from '../util/atomicWrite';

/**
 * What a scan learnt of each image of a dataset folder — content hash, size in pixels, format —
 * kept with the file's identity on disk (device, inode, size, modification and change times to
 * the nanosecond), so the next scan of the folder reads only the files that changed, as git's
 * index does. A photo folder is gigabytes, and every run and every sweep point scans it: 120
 * phone photographs (634 MB) took 1.3–1.9 s a scan, most of a run that trains from the cache.
 *
 * Any write to a file changes its change time, which no program can set back, so a remembered
 * file that was edited is read again. A file changed within a file system's timestamp
 * granularity of its last write could keep its times; so a file whose times are within
 * `settleMs` of the scan is not remembered ("racily clean" in git's words) and is read again
 * next time. The memo is derived data in the cache folder: unreadable, from another version
 * or for another folder, it is ignored, and a scan that cannot write it goes on without it.
 */
export interface Remembered {
  contentHash: string;
  bytes: number;
  width: number;
  height: number;
  format: string;
}

const version = 1;
const settleMs = 3000;

/** [dev, ino, size, mtimeNs, ctimeNs] as decimal strings, then what the scan found */
type Entry = [string, string, string, string, string, string, number, number, string];

interface MemoFile {
  version: number;
  root: string;
  files: Record<string, Entry>;
}

const identity = (st: BigIntStats): string[] => [st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].map(String);

export function scanMemoFile(root: string): string {
  return path.join(scanMemoDir(), `${createHash('sha1').update(root).digest('hex')}.json`);
}

function isEntry(e: unknown): e is Entry {
  return (
    Array.isArray(e) &&
    e.length === 9 &&
    e.slice(0, 6).every((x) => typeof x === 'string') &&
    Number.isInteger(e[6]) &&
    Number.isInteger(e[7]) &&
    typeof e[8] === 'string'
  );
}

export class ScanMemo {
  private readonly next: Record<string, Entry> = {};
  /** whether this scan learnt anything the memo lacks (forgotten files show in the count) */
  private learnt = false;

  private constructor(
    private readonly root: string,
    private readonly known: Record<string, Entry>,
    private readonly startedAt: number,
  ) {}

  /** the memo kept for this folder, or an empty one */
  static async open(root: string, startedAt = Date.now()): Promise<ScanMemo> {
    let known: Record<string, Entry> = {};
    try {
      const m = JSON.parse(await readFile(scanMemoFile(root), 'utf8')) as Partial<MemoFile>;
      if (m.version === version && m.root === root && m.files && typeof m.files === 'object')
        known = Object.fromEntries(Object.entries(m.files).filter(([, e]) => isEntry(e)));
    } catch {
      // none yet, or not one we can read: every file is read, and the memo written anew
    }
    return new ScanMemo(root, known, startedAt);
  }

  /** what an earlier scan found in this file, if it has not changed since */
  recall(relPath: string, st: BigIntStats): Remembered | null {
    const e = this.known[relPath];
    if (!e) return null;
    const id = identity(st);
    if (id.some((x, i) => x !== e[i])) return null;
    this.next[relPath] = e;
    return { contentHash: e[5], bytes: Number(st.size), width: e[6], height: e[7], format: e[8] };
  }

  /** what this scan found in the file: kept unless the file changed too recently to be sure of */
  remember(relPath: string, st: BigIntStats, found: Remembered): void {
    const newest = Math.max(Number(st.mtimeNs / 1_000_000n), Number(st.ctimeNs / 1_000_000n));
    if (newest > this.startedAt - settleMs) return;
    this.next[relPath] = [...identity(st), found.contentHash, found.width, found.height, found.format] as Entry;
    this.learnt = true;
  }

  /** the files seen by this scan replace the memo (files gone since are forgotten); a failed write loses only the memo */
  save(): void {
    // every file recalled unchanged, none new, none gone: the memo on disk already says this
    if (!this.learnt && Object.keys(this.next).length === Object.keys(this.known).length) return;
    const file: MemoFile = { version, root: this.root, files: this.next };
    try {
      writeFileAtomicSync(scanMemoFile(this.root), JSON.stringify(file));
    } catch {
      // a full or read-only cache folder: the next scan reads every file again
    }
  }
}

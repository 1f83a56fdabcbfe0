import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SkippedFile } from '../../../shared/dataset';
import { TransferLabError } from '../../../shared/errors';
import { isHiddenOrSystemFile, notUtf8Name } from '../images/imageFiles';

/** A file found under the dataset root; nothing is read from it yet. */
export interface FoundFile {
  /** relative to the root, '/'-separated */
  relPath: string;
  absPath: string;
  /** top-level folder it lies under, or null for a file directly in the root */
  className: string | null;
}

export interface WalkResult {
  /** top-level folders, in locale-independent order */
  classNames: string[];
  files: FoundFile[];
  hiddenCount: number;
  /** folders or links that could not be followed */
  skipped: SkippedFile[];
  /** links to a folder already walked, relative paths */
  symlinkLoops: string[];
}

const layoutHint = 'Expected layout: dataset/<class>/<image>, e.g. dataset/cats/001.jpg and dataset/dogs/001.jpg.';

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

export async function openRoot(root: string): Promise<string> {
  const abs = path.resolve(root);
  let st;
  try {
    st = await stat(abs);
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') {
      throw new TransferLabError('DATASET_NOT_FOUND', `Dataset folder not found: ${abs}`, `Check the path, or choose the folder again. ${layoutHint}`, {
        cause: e,
      });
    }
    throw new TransferLabError('DATASET_UNREADABLE', `Cannot open the dataset folder ${abs} (${errCode(e)})`, 'Check that you have permission to read it.', {
      cause: e,
    });
  }
  if (!st.isDirectory()) {
    throw new TransferLabError('DATASET_UNREADABLE', `${abs} is a file, not a folder`, `Choose the folder that holds one sub-folder per class. ${layoutHint}`);
  }
  return abs;
}

/** a folder's entry, by a name that is text */
interface Entry {
  name: string;
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

/** an entry whose name is not UTF-8, by the name as Node shows it */
interface NotText {
  name: string;
  folder: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A folder's entries in name order, and apart from them those whose names are not UTF-8 (an old
 * archive's or camera's Latin-1, say). Node reads such a name with U+FFFD in it, a name no file
 * has: opening it failed, and the first such folder ended the scan with "ENOENT … realpath".
 */
async function list(dir: string): Promise<{ entries: Entry[]; notText: NotText[] }> {
  const entries: Entry[] = [];
  const notText: NotText[] = [];
  for (const d of await readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
    const bytes = d.name;
    try {
      const name = utf8.decode(bytes);
      entries.push({ name, isDirectory: () => d.isDirectory(), isFile: () => d.isFile(), isSymbolicLink: () => d.isSymbolicLink() });
    } catch {
      notText.push({ name: bytes.toString('utf8'), folder: d.isDirectory() });
    }
  }
  return { entries: entries.sort((a, b) => compareNames(a.name, b.name)), notText };
}

const notTextReason = (folder: boolean) =>
  `${notUtf8Name}, so it cannot be opened by that name: rename it${folder ? ' and the files in it' : ''} (convmv -f cp1252 -t utf8 -r --notest <dataset folder> renames them all; apt install convmv)`;

function skipNotText(result: WalkResult, dirRel: string | null, notText: NotText[]): void {
  for (const n of notText) {
    const rel = dirRel === null ? n.name : `${dirRel}/${n.name}`;
    result.skipped.push({ path: n.folder ? `${rel}/` : rel, reason: notTextReason(n.folder) });
  }
}

/**
 * Walks the dataset. Symbolic links are followed, but every folder is entered at most once,
 * keyed by its real path: a link such as `ln -s .. loop` would otherwise recurse forever, and
 * a link to another class would count its images under two labels. The root and every class
 * folder are marked before any descent, so a link back to any of them is caught.
 */
export async function walkDataset(root: string, signal?: AbortSignal): Promise<WalkResult> {
  const result: WalkResult = { classNames: [], files: [], hiddenCount: 0, skipped: [], symlinkLoops: [] };
  let top: Entry[];
  try {
    const listed = await list(root);
    top = listed.entries;
    skipNotText(result, null, listed.notText);
  } catch (e) {
    throw new TransferLabError('DATASET_UNREADABLE', `Cannot list the dataset folder ${root} (${errCode(e)})`, 'Check that you have permission to read it.', {
      cause: e,
    });
  }
  const visited = new Set<string>([await realpath(root)]);
  const classDirs: Array<{ name: string; abs: string }> = [];

  for (const entry of top) {
    const abs = path.join(root, entry.name);
    const kind = await entryKind(entry, abs, entry.name, result);
    if (kind === 'hidden' || kind === 'skip') continue;
    if (kind === 'file') {
      result.files.push({ relPath: entry.name, absPath: abs, className: null });
      continue;
    }
    const real = await realpath(abs);
    if (visited.has(real)) {
      result.symlinkLoops.push(entry.name);
      continue;
    }
    visited.add(real);
    classDirs.push({ name: entry.name, abs });
  }
  result.classNames = classDirs.map((c) => c.name);

  for (const cls of classDirs) {
    // depth-first with an explicit stack: nesting depth is the user's, not ours to bound
    const stack: Array<{ abs: string; rel: string }> = [{ abs: cls.abs, rel: cls.name }];
    while (stack.length > 0) {
      if (signal?.aborted) throw cancelled();
      const dir = stack.pop()!;
      let entries: Entry[];
      try {
        const listed = await list(dir.abs);
        entries = listed.entries;
        skipNotText(result, dir.rel, listed.notText);
      } catch (e) {
        result.skipped.push({ path: `${dir.rel}/`, reason: `folder could not be read (${errCode(e)})` });
        continue;
      }
      const subdirs: Array<{ abs: string; rel: string }> = [];
      for (const entry of entries) {
        const abs = path.join(dir.abs, entry.name);
        const rel = `${dir.rel}/${entry.name}`;
        const kind = await entryKind(entry, abs, rel, result);
        if (kind === 'file') result.files.push({ relPath: rel, absPath: abs, className: cls.name });
        if (kind !== 'dir') continue;
        const real = await realpath(abs).catch(() => null);
        if (real === null) {
          result.skipped.push({ path: `${rel}/`, reason: 'folder could not be resolved' });
        } else if (visited.has(real)) {
          result.symlinkLoops.push(rel);
        } else {
          visited.add(real);
          subdirs.push({ abs, rel });
        }
      }
      // reversed so that the stack pops them in name order
      stack.push(...subdirs.reverse());
    }
  }
  return result;
}

async function entryKind(entry: Entry, abs: string, rel: string, result: WalkResult): Promise<'file' | 'dir' | 'hidden' | 'skip'> {
  if (isHiddenOrSystemFile(entry.name)) {
    result.hiddenCount++;
    return 'hidden';
  }
  if (entry.isDirectory()) return 'dir';
  if (entry.isFile()) return 'file';
  if (entry.isSymbolicLink()) {
    try {
      const st = await stat(abs);
      if (st.isDirectory()) return 'dir';
      if (st.isFile()) return 'file';
    } catch (e) {
      const reason = errCode(e) === 'ELOOP' ? 'symbolic link that points to itself' : 'broken symbolic link';
      result.skipped.push({ path: rel, reason });
      return 'skip';
    }
  }
  result.skipped.push({ path: rel, reason: 'not a regular file' });
  return 'skip';
}

export function cancelled(): TransferLabError {
  return new TransferLabError('CANCELLED', 'Dataset scan cancelled');
}

export { layoutHint };

import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';
import { isHiddenOrSystemFile, isImageFileName, notUtf8Name } from '../images/imageFiles';

/**
 * The web host's folder browser: the browser cannot see the engine's disk, so the engine
 * lists folders for it. Folders and image files only; hidden entries left out.
 */

const byName = new Intl.Collator('en', { numeric: true });
export async function listFolder(
  dir: string | undefined,
): Promise<{ path: string; parent: string | null; entries: { name: string; kind: 'dir' | 'file'; image: boolean }[] }> {
  const target = path.resolve(dir ?? os.homedir());
  let dirents;
  try {
    dirents = await fsp.readdir(target, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TransferLabError(
      code === 'ENOENT' ? 'DATASET_NOT_FOUND' : 'DATASET_UNREADABLE',
      code === 'ENOENT'
        ? // a name that is not UTF-8 is listed with U+FFFD in it, a name no folder has
          target.includes('\ufffd')
          ? `The folder ${target} cannot be opened: ${notUtf8Name}. Rename it (convmv -f cp1252 -t utf8 renames it).`
          : `The folder ${target} does not exist.`
        : code === 'ENOTDIR'
          ? `${target} is a file, not a folder.`
          : `The folder ${target} cannot be read (${code ?? 'error'}).`,
      'Choose another folder.',
    );
  }
  const entries: { name: string; kind: 'dir' | 'file'; image: boolean }[] = [];
  for (const d of dirents) {
    if (isHiddenOrSystemFile(d.name)) continue;
    let isDir = d.isDirectory();
    if (d.isSymbolicLink())
      isDir = await fsp
        .stat(path.join(target, d.name))
        .then((s) => s.isDirectory())
        .catch(() => false);
    if (isDir) entries.push({ name: d.name, kind: 'dir', image: false });
    else if (d.isFile() || d.isSymbolicLink()) entries.push({ name: d.name, kind: 'file', image: isImageFileName(d.name) });
  }
  // as a file manager lists them: folders first, numbers by value (photo2 before photo10)
  entries.sort((a, b) => (a.kind === b.kind ? byName.compare(a.name, b.name) : a.kind === 'dir' ? -1 : 1));
  const parent = path.dirname(target);
  return { path: target, parent: parent === target ? null : parent, entries: entries.slice(0, 2000) };
}

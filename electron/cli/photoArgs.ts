import fs from 'node:fs';
import path from 'node:path';
import { compareNames } from '../engine/dataset/walk';
import { isHiddenOrSystemFile, isImageFileName } from '../engine/images/imageFiles';

/** a photo to ask about: as the user will read its name, and where it is */
export interface PhotoArg {
  shown: string;
  file: string;
}

/**
 * The photos `predict` was given: a file as it is, a folder as every image in it and in its
 * sub-folders (by name; hidden and system files left out), as classify.py reads one. A folder
 * was refused ("is a folder, not a file"). A folder with no image in it is said so, not skipped.
 */
export function photoArgs(args: readonly string[]): { photos: PhotoArg[]; empty: string[] } {
  const photos: PhotoArg[] = [];
  const empty: string[] = [];
  for (const arg of args) {
    const file = path.resolve(arg);
    let isFolder = false;
    try {
      isFolder = fs.statSync(file).isDirectory();
    } catch {
      // a file that is not there: its answer says so
    }
    if (!isFolder) {
      photos.push({ shown: arg, file });
      continue;
    }
    const inside = fs
      .readdirSync(file, { recursive: true, encoding: 'utf8' })
      .filter((rel) => !rel.split(path.sep).some(isHiddenOrSystemFile) && isImageFileName(rel))
      .sort(compareNames);
    if (!inside.length) empty.push(arg);
    for (const rel of inside) photos.push({ shown: path.join(arg, rel), file: path.join(file, rel) });
  }
  return { photos, empty };
}

/**
 * Photos in a folder named after a class are that class's: how many the classifier named right,
 * and the confusions most often made (as classify.py counts them). Null when no photo lies in
 * such a folder.
 */
export function classFolderCount(
  answered: ReadonlyArray<{ file: string; said: string }>,
  classes: readonly string[],
): { right: number; of: number; confused: Array<{ trueClass: string; takenFor: string; photos: number }> } | null {
  const known = new Set(classes);
  let right = 0;
  let of = 0;
  const confused = new Map<string, { trueClass: string; takenFor: string; photos: number }>();
  for (const a of answered) {
    const truth = path.basename(path.dirname(a.file));
    if (!known.has(truth)) continue;
    of++;
    if (a.said === truth) right++;
    else {
      const key = `${truth}\n${a.said}`;
      const c = confused.get(key) ?? { trueClass: truth, takenFor: a.said, photos: 0 };
      c.photos++;
      confused.set(key, c);
    }
  }
  if (!of) return null;
  const worst = [...confused.values()].sort((a, b) => b.photos - a.photos || compareNames(a.trueClass, b.trueClass)).slice(0, 3);
  return { right, of, confused: worst };
}

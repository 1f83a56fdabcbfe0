import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { TransferLabError } from '../../../shared/errors';
import { isImageFileName } from '../images/imageFiles';
import { writeFileAtomic } from '../util/atomicWrite';

/**
 * The folders the user chose: datasets they scanned, folders they saved or opened projects in,
 * folders they exported to. `<configDir>/chosen-folders.json`, real paths (symlinks resolved).
 *
 * Two things hang on it. The folder browser offers these as its places (with home), so
 * browsing starts where the user works, not at `/`. And dataset images are served (thumbnails,
 * augmentation previews) only from inside a dataset the user scanned: the token grants the
 * lab, not every picture on the disk. A damaged file reads as "nothing chosen yet".
 */
export const chosenFoldersFileName = 'chosen-folders.json';
export const placeKinds = ['dataset', 'project', 'export'] as const;
export type PlaceKind = (typeof placeKinds)[number];
/** per kind, most recent first */
export const maxChosen = 20;

const fileSchema = z.object({
  formatVersion: z.literal(1),
  dataset: z.array(z.string()),
  project: z.array(z.string()),
  export: z.array(z.string()),
});
type Chosen = z.infer<typeof fileSchema>;

export interface Place {
  kind: 'home' | PlaceKind;
  path: string;
}

export class ChosenFolders {
  private readonly file: string;
  private chosen: Chosen | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(configDir: string) {
    this.file = path.join(configDir, chosenFoldersFileName);
  }

  /** records `folder` as chosen for `kind` (first, once); a folder that is gone is not recorded */
  async choose(kind: PlaceKind, folder: string): Promise<void> {
    const real = await fsp.realpath(path.resolve(folder)).catch(() => null);
    if (!real) return;
    const chosen = await this.load();
    chosen[kind] = [real, ...chosen[kind].filter((f) => f !== real)].slice(0, maxChosen);
    const text = `${JSON.stringify(chosen, null, 2)}\n`;
    // one write at a time, in order: the last choice wins
    this.writing = this.writing.then(() => writeFileAtomic(this.file, text)).catch(() => undefined);
    await this.writing;
  }

  /** home first, then the chosen folders that still exist, most recent first, each once */
  async places(): Promise<Place[]> {
    const chosen = await this.load();
    const out: Place[] = [{ kind: 'home', path: os.homedir() }];
    const seen = new Set([os.homedir()]);
    for (const kind of placeKinds) {
      for (const folder of chosen[kind]) {
        if (seen.has(folder) || !isDirectory(folder)) continue;
        seen.add(folder);
        out.push({ kind, path: folder });
      }
    }
    return out;
  }

  /**
   * The image `relPath` of the scanned dataset `root`, as a real path, or a BAD_ARGUMENT error.
   * Both are resolved through symlinks before the check, so a link inside the dataset that points
   * elsewhere on the disk serves nothing.
   */
  async datasetImage(root: string, relPath: string): Promise<string> {
    const refuse = (why: string) =>
      new TransferLabError('BAD_ARGUMENT', `${relPath} is not shown: ${why}.`, 'Only images inside a dataset folder you scanned are shown.');
    if (!isImageFileName(relPath)) return Promise.reject(refuse('it is not an image file'));
    const realRoot = await fsp.realpath(path.resolve(root)).catch(() => null);
    const chosen = await this.load();
    if (!realRoot || !chosen.dataset.some((d) => isInside(realRoot, d) || realRoot === d)) throw refuse(`${root} is not a dataset scanned here`);
    const real = await fsp.realpath(path.resolve(realRoot, relPath)).catch(() => null);
    if (!real) throw new TransferLabError('IMAGE_UNREADABLE', `${relPath} is not in ${root} any more.`, 'Scan the dataset again.');
    if (!isInside(real, realRoot) || !isImageFileName(real)) throw refuse(`it lies outside ${root}`);
    return real;
  }

  private async load(): Promise<Chosen> {
    if (this.chosen) return this.chosen;
    const text = await fsp.readFile(this.file, 'utf8').catch(() => null);
    let parsed: Chosen | null = null;
    try {
      const r = text === null ? null : fileSchema.safeParse(JSON.parse(text));
      parsed = r?.success ? r.data : null;
    } catch {
      parsed = null;
    }
    this.chosen ??= parsed ?? { formatVersion: 1, dataset: [], project: [], export: [] };
    return this.chosen;
  }
}

function isInside(file: string, folder: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

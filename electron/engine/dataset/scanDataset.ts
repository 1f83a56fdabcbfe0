import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { defaultSplit, type ClassSummary, type DatasetImage, type DatasetScan, type SkippedFile, type SplitFractions } from '../../../shared/dataset';
import { isTransferLabError, TransferLabError } from '../../../shared/errors';
import { isNotAnImageReason, probeImage } from '../images/decodeImage';
import { isImageFileName, undecodablePhotoReason } from '../images/imageFiles';
import { findProblems } from './problems';
import { ScanMemo } from './scanMemo';
import { assignSplit, validateSplit } from './split';
import { cancelled, compareNames, layoutHint, openRoot, walkDataset, type FoundFile } from './walk';

export interface ScanOptions {
  split?: SplitFractions;
  /** called as files are read; `total` is every file found, images or not */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** images shorter than this on their short side are reported; default 32 */
  smallImagePx?: number;
}

/** enough to overlap disk latency and sharp's header parsing; each in flight holds one file */
const CONCURRENCY = 8;

type Probed =
  | { ok: true; file: FoundFile; contentHash: string; bytes: number; width: number; height: number; format: string }
  | { ok: false; file: FoundFile; reason: string; kind: 'unreadable' | 'not-an-image' | 'not-image-file' };

/**
 * Scans a class-per-folder dataset: finds classes and images, reads each image once (content
 * hash and header) — or not at all, where an earlier scan saw the same file unchanged
 * (scanMemo.ts) — assigns the stable split and reports problems. Nothing but paths and small
 * records is kept, so memory does not grow with image sizes.
 */
export async function scanDataset(root: string, opts: ScanOptions = {}): Promise<DatasetScan> {
  const split = validateSplit(opts.split ?? defaultSplit);
  const smallImagePx = opts.smallImagePx ?? 32;
  const signal = opts.signal;
  if (signal?.aborted) throw cancelled();

  const absRoot = await openRoot(root);
  const memo = await ScanMemo.open(absRoot);
  const walk = await walkDataset(absRoot, signal);

  const total = walk.files.length;
  let done = 0;
  opts.onProgress?.(0, total);
  const results = await mapConcurrent(walk.files, CONCURRENCY, async (file) => {
    if (signal?.aborted) throw cancelled();
    const r = file.className === null ? topLevel(file) : await probeFile(file, memo);
    done++;
    opts.onProgress?.(done, total);
    return r;
  });
  if (signal?.aborted) throw cancelled();
  memo.save();

  const skipped: SkippedFile[] = [...walk.skipped];
  const topLevelImages: string[] = [];
  const unreadable: SkippedFile[] = [];
  const notImages: string[] = [];
  const good: Array<Extract<Probed, { ok: true }>> = [];
  for (const r of results) {
    if (r.ok) {
      good.push(r);
      continue;
    }
    skipped.push({ path: r.file.relPath, reason: r.reason });
    if (r.file.className === null && isImageFileName(r.file.relPath)) topLevelImages.push(r.file.relPath);
    else if (r.kind === 'unreadable') unreadable.push({ path: r.file.relPath, reason: r.reason });
    else if (r.kind === 'not-an-image') notImages.push(r.file.relPath);
  }
  skipped.sort((a, b) => compareNames(a.path, b.path));

  const populated = new Set(good.map((g) => g.file.className!));
  const classes = walk.classNames.filter((c) => populated.has(c));
  const emptyClasses = walk.classNames.filter((c) => !populated.has(c));
  if (classes.length < 2) throw tooFewClasses(absRoot, classes, walk.classNames.length, topLevelImages.length);

  const labelOf = new Map(classes.map((c, i) => [c, i]));
  const images: DatasetImage[] = good
    .map((g) => ({
      relPath: g.file.relPath,
      label: labelOf.get(g.file.className!)!,
      contentHash: g.contentHash,
      bytes: g.bytes,
      width: g.width,
      height: g.height,
      format: g.format,
      split: assignSplit(g.file.relPath, split),
    }))
    .sort((a, b) => a.label - b.label || compareNames(a.relPath, b.relPath));
  keepCopiesTogether(images);

  const classSummaries: ClassSummary[] = classes.map((name) => ({ name, count: 0, train: 0, val: 0, test: 0 }));
  for (const im of images) {
    const s = classSummaries[im.label]!;
    s.count++;
    s[im.split]++;
  }

  const problems = findProblems({
    classes,
    images,
    summaries: classSummaries,
    emptyClasses,
    topLevelImages,
    unreadable,
    notImages,
    symlinkLoops: walk.symlinkLoops,
    split,
    smallImagePx,
  });

  return { root: absRoot, classes, classSummaries, images, skipped, hiddenCount: walk.hiddenCount, problems, split: { ...split } };
}

/**
 * Identical files split by their own names could land in train and in test, and the test
 * score would then measure memory, not generalisation. So every copy of the same content
 * (same class or not) takes the split of the copy whose path sorts first. This departs from
 * pure per-name stability only for duplicates, which the scan reports anyway.
 */
function keepCopiesTogether(images: DatasetImage[]): void {
  const first = new Map<string, DatasetImage>();
  for (const im of images) {
    const f = first.get(im.contentHash);
    if (f === undefined || compareNames(im.relPath, f.relPath) < 0) first.set(im.contentHash, im);
  }
  for (const im of images) im.split = first.get(im.contentHash)!.split;
}

function topLevel(file: FoundFile): Probed {
  const reason = isImageFileName(file.relPath) ? 'lies directly in the dataset folder, not inside a class folder' : notImageFileReason(file.relPath);
  return { ok: false, file, reason, kind: 'not-image-file' };
}

function notImageFileReason(relPath: string): string {
  const ext = path.posix.extname(relPath);
  return `not an image file (${ext === '' ? 'no extension' : ext})`;
}

async function probeFile(file: FoundFile, memo: ScanMemo): Promise<Probed> {
  if (!isImageFileName(file.relPath)) {
    // an iPhone's photos are photos: the problem list says why they cannot be used, and what to do
    const undecodable = undecodablePhotoReason(file.relPath);
    return undecodable
      ? { ok: false, file, reason: undecodable, kind: 'unreadable' }
      : { ok: false, file, reason: notImageFileReason(file.relPath), kind: 'not-image-file' };
  }
  const unreadable = (e: unknown): Probed => ({
    ok: false,
    file,
    reason: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    kind: 'unreadable',
  });
  let bytes: Buffer;
  let st: BigIntStats;
  try {
    st = await stat(file.absPath, { bigint: true });
    const known = memo.recall(file.relPath, st);
    if (known) return { ok: true, file, ...known };
    bytes = await readFile(file.absPath);
  } catch (e) {
    return unreadable(e);
  }
  const contentHash = createHash('sha1').update(bytes).digest('hex');
  try {
    const info = await probeImage(bytes);
    const found = { contentHash, bytes: bytes.length, ...info };
    memo.remember(file.relPath, st, found);
    return { ok: true, file, ...found };
  } catch (e) {
    if (!isTransferLabError(e) || e.code !== 'IMAGE_UNREADABLE') throw e;
    return { ok: false, file, reason: e.message, kind: isNotAnImageReason(e.message) ? 'not-an-image' : 'unreadable' };
  }
}

function tooFewClasses(root: string, classes: string[], folders: number, topLevelImages: number): TransferLabError {
  if (folders === 0 && topLevelImages > 0) {
    return new TransferLabError(
      'DATASET_INVALID',
      `${root} holds ${topLevelImages} images but no class folders.`,
      `Make one sub-folder per class and move each image into the folder of its class. ${layoutHint}`,
    );
  }
  const found = classes.length === 0 ? 'no class folders with images' : `only 1 class folder with images ("${classes[0]}")`;
  const empty =
    folders > classes.length ? ` (${folders - classes.length} more folder${folders - classes.length === 1 ? ' is' : 's are'} empty or unreadable)` : '';
  return new TransferLabError(
    'DATASET_INVALID',
    `Found ${found} in ${root}${empty}; a classifier needs at least two classes.`,
    `Put each class's images in its own sub-folder. ${layoutHint}`,
  );
}

/** Runs fn over items with at most `limit` in flight; results keep the input order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

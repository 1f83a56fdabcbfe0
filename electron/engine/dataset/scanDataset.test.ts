import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetScan, ProblemKind } from '../../../shared/dataset';
import { TransferLabError } from '../../../shared/errors';
import { bmp24, fromRgb, noise, noiseJpeg, noisePng } from '../../../test/fixtures/syntheticImages';
import { scanDataset } from './scanDataset';
import { assignSplit } from './split';

let tmp: string;
let seed = 100;

async function put(root: string, rel: string, content: Uint8Array | string): Promise<void> {
  const file = path.join(root, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

async function jpegs(root: string, dir: string, n: number, prefix = 'img'): Promise<void> {
  for (let i = 0; i < n; i++) await put(root, `${dir}/${prefix}${i}.jpg`, await noiseJpeg(40, 40, seed++));
}

async function expectScanError(p: Promise<unknown>, code: string): Promise<TransferLabError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TransferLabError);
  expect((e as TransferLabError).code).toBe(code);
  expect((e as TransferLabError).hint).toBeTruthy();
  return e as TransferLabError;
}

function problem(scan: DatasetScan, kind: ProblemKind) {
  return scan.problems.filter((p) => p.kind === kind);
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tlab-scan-'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('scanDataset on a messy dataset', () => {
  let root: string;
  let scan: DatasetScan;
  const progress: Array<[number, number]> = [];
  const shared = noiseJpeg(40, 40, 9999);

  beforeAll(async () => {
    root = path.join(tmp, 'messy');
    const dup = await noisePng(40, 40, 4242);
    const whole = await noiseJpeg(64, 64, 777);
    await put(root, 'cats/a.jpg', await noiseJpeg(40, 40, seed++));
    await put(root, 'cats/b.png', await noisePng(40, 40, seed++));
    await put(root, 'cats/nested/deeper/c.jpg', await noiseJpeg(50, 36, seed++));
    await put(root, 'cats/dup1.png', dup);
    await put(root, 'cats/dup2.png', dup);
    await put(
      root,
      'cats/tiny.png',
      await fromRgb(noise(8, 12, seed++), 8, 12)
        .png()
        .toBuffer(),
    );
    await put(root, 'cats/notes.txt', 'remember to add more cats');
    await put(root, 'cats/.DS_Store', 'mac');
    await put(root, 'cats/._a.jpg', 'resource fork');
    await put(root, 'cats/Thumbs.db', 'windows');
    await put(root, 'cats/broken.jpg', whole.subarray(0, whole.length / 2));
    await put(root, 'cats/fake.jpg', 'this is text, not a JPEG');
    await symlink('..', path.join(root, 'cats/loop'));
    await jpegs(root, 'dogs', 8);
    await put(root, 'dogs/shared.jpg', await shared);
    await symlink('../birds', path.join(root, 'dogs/alias'));
    await put(
      root,
      'birds/b1.webp',
      await fromRgb(noise(40, 40, seed++), 40, 40)
        .webp()
        .toBuffer(),
    );
    await put(
      root,
      'birds/b2.GIF',
      await fromRgb(noise(40, 40, seed++), 40, 40)
        .gif()
        .toBuffer(),
    );
    await put(root, 'birds/b3.bmp', bmp24(40, 40, [1, 2, 3]));
    await put(
      root,
      'birds/b4.avif',
      await fromRgb(noise(40, 40, seed++), 40, 40)
        .avif()
        .toBuffer(),
    );
    // an iPhone photo: its name is what the scan goes by (no HEVC decoder is bundled to make a real one)
    await put(root, 'birds/IMG_0001.HEIC', Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1'));
    await put(root, 'birds/shared.jpg', await shared);
    await put(root, 'empty/readme.txt', 'nothing here yet');
    await put(root, 'top.jpg', await noiseJpeg(40, 40, seed++));
    await put(root, 'README.md', '# my dataset');
    await put(root, '.git/HEAD', 'ref: refs/heads/main');
    scan = await scanDataset(root, { onProgress: (d, t) => progress.push([d, t]) });
  });

  it('finds the classes in sorted order, leaving the empty one out', () => {
    expect(scan.root).toBe(path.resolve(root));
    expect(scan.classes).toEqual(['birds', 'cats', 'dogs']);
    expect(problem(scan, 'empty-class')).toEqual([expect.objectContaining({ severity: 'error', className: 'empty' })]);
  });

  it('lists usable images with labels, hashes and sizes', () => {
    const byPath = new Map(scan.images.map((im) => [im.relPath, im]));
    expect([...byPath.keys()].sort()).toEqual(
      [
        'birds/b1.webp',
        'birds/b2.GIF',
        'birds/b3.bmp',
        'birds/b4.avif',
        'birds/shared.jpg',
        'cats/a.jpg',
        'cats/b.png',
        'cats/dup1.png',
        'cats/dup2.png',
        'cats/nested/deeper/c.jpg',
        'cats/tiny.png',
        ...Array.from({ length: 8 }, (_, i) => `dogs/img${i}.jpg`),
        'dogs/shared.jpg',
      ].sort(),
    );
    const c = byPath.get('cats/nested/deeper/c.jpg')!;
    expect(c).toMatchObject({ label: 1, width: 50, height: 36, format: 'jpeg' });
    expect(c.contentHash).toMatch(/^[0-9a-f]{40}$/);
    expect(c.bytes).toBeGreaterThan(0);
    expect(byPath.get('birds/b3.bmp')).toMatchObject({ label: 0, format: 'bmp' });
    expect(byPath.get('dogs/img0.jpg')!.label).toBe(2);
  });

  it('skips what it cannot use, with reasons, and counts hidden files quietly', () => {
    const reasons = Object.fromEntries(scan.skipped.map((s) => [s.path, s.reason]));
    expect(reasons['cats/notes.txt']).toBe('not an image file (.txt)');
    expect(reasons['empty/readme.txt']).toBe('not an image file (.txt)');
    expect(reasons['README.md']).toBe('not an image file (.md)');
    expect(reasons['cats/broken.jpg']).toMatch(/truncated or corrupt JPEG/);
    expect(reasons['cats/fake.jpg']).toMatch(/^not an image \(it looks like a text file\)/);
    expect(reasons['top.jpg']).toMatch(/not inside a class folder/);
    // a photo all the same, with what to do: not "not an image file (.HEIC)"
    expect(reasons['birds/IMG_0001.HEIC']).toBe('HEIC photo (iPhone format), which cannot be decoded here; export it as JPEG');
    expect(scan.skipped.some((s) => s.path.includes('DS_Store') || s.path.includes('._a'))).toBe(false);
    expect(scan.hiddenCount).toBe(4); // .DS_Store, ._a.jpg, Thumbs.db, .git
  });

  it('reports broken files, non-images and top-level images as problems', () => {
    expect(problem(scan, 'unreadable')[0]!.paths).toEqual(['birds/IMG_0001.HEIC', 'cats/broken.jpg']);
    expect(problem(scan, 'not-an-image')[0]!.paths).toEqual(['cats/fake.jpg']);
    expect(problem(scan, 'images-at-top-level')[0]).toMatchObject({ severity: 'warning', paths: ['top.jpg'] });
  });

  it('does not follow links into folders already scanned', () => {
    expect(problem(scan, 'symlink-loop')).toHaveLength(1);
    expect(problem(scan, 'symlink-loop')[0]!.paths).toEqual(['cats/loop', 'dogs/alias']);
    expect(scan.images.some((im) => im.relPath.includes('loop') || im.relPath.includes('alias'))).toBe(false);
  });

  it('reports duplicates within and across classes, and keeps copies in one split', () => {
    const inClass = problem(scan, 'duplicate-in-class');
    expect(inClass).toEqual([expect.objectContaining({ severity: 'warning', className: 'cats', paths: ['cats/dup1.png', 'cats/dup2.png'] })]);
    const across = problem(scan, 'duplicate-across-classes');
    expect(across).toEqual([expect.objectContaining({ severity: 'error', paths: ['birds/shared.jpg', 'dogs/shared.jpg'] })]);
    const split = (p: string) => scan.images.find((im) => im.relPath === p)!.split;
    expect(split('cats/dup2.png')).toBe(split('cats/dup1.png'));
    expect(split('cats/dup1.png')).toBe(assignSplit('cats/dup1.png', scan.split));
    expect(split('dogs/shared.jpg')).toBe(split('birds/shared.jpg'));
  });

  it('flags small images', () => {
    expect(problem(scan, 'small-image')).toEqual([expect.objectContaining({ severity: 'warning', paths: ['cats/tiny.png'] })]);
  });

  it('assigns the hash split and summarises it per class', () => {
    const copies = new Set(['cats/dup2.png', 'dogs/shared.jpg']);
    for (const im of scan.images) if (!copies.has(im.relPath)) expect(im.split, im.relPath).toBe(assignSplit(im.relPath, scan.split));
    expect(scan.split).toEqual({ val: 0.1, test: 0.2 });
    expect(scan.classSummaries.map((s) => [s.name, s.count])).toEqual([
      ['birds', 5],
      ['cats', 6],
      ['dogs', 9],
    ]);
    for (const s of scan.classSummaries) expect(s.train + s.val + s.test).toBe(s.count);
  });

  it('reports progress up to the total', () => {
    const total = progress[0]![1];
    expect(progress[0]).toEqual([0, total]);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.map(([d]) => d)).toEqual(progress.map((_, i) => i));
    // every non-hidden file found: 9 in cats, 9 in dogs, 6 in birds, 1 in empty, 2 at the top
    expect(total).toBe(27);
  });

  it('keeps every split when images are added', async () => {
    await jpegs(root, 'dogs', 5, 'new');
    const again = await scanDataset(root);
    const before = new Map(scan.images.map((im) => [im.relPath, im.split]));
    for (const im of again.images) if (before.has(im.relPath)) expect(im.split, im.relPath).toBe(before.get(im.relPath));
    expect(again.images.length).toBe(scan.images.length + 5);
  });
});

describe('scanDataset checks', () => {
  it('warns about class imbalance and classes too small to split', async () => {
    const root = path.join(tmp, 'imbalanced');
    await jpegs(root, 'many', 13);
    await jpegs(root, 'few', 2);
    const scan = await scanDataset(root, { split: { val: 0.2, test: 0.2 } });
    expect(problem(scan, 'class-imbalance')).toEqual([expect.objectContaining({ severity: 'warning', className: 'few' })]);
    const tooSmall = problem(scan, 'class-too-small-to-split');
    expect(tooSmall.find((p) => p.className === 'few')).toMatchObject({ severity: 'warning', message: expect.stringMatching(/at least 3/) });
  });

  it('needs only a training image when nothing is held out', async () => {
    const root = path.join(tmp, 'no-holdout');
    await jpegs(root, 'a', 1);
    await jpegs(root, 'b', 1);
    const scan = await scanDataset(root, { split: { val: 0, test: 0 } });
    expect(problem(scan, 'class-too-small-to-split')).toEqual([]);
    expect(scan.images.every((im) => im.split === 'train')).toBe(true);
  });

  it('honours smallImagePx', async () => {
    const root = path.join(tmp, 'sizes');
    await jpegs(root, 'a', 2);
    await jpegs(root, 'b', 2);
    expect(problem(await scanDataset(root, { smallImagePx: 64 }), 'small-image')[0]!.paths).toHaveLength(4);
    expect(problem(await scanDataset(root, { smallImagePx: 16 }), 'small-image')).toEqual([]);
  });

  it('fails clearly on a missing folder, a file, and bad fractions', async () => {
    await expectScanError(scanDataset(path.join(tmp, 'nope')), 'DATASET_NOT_FOUND');
    const f = path.join(tmp, 'file.jpg');
    await writeFile(f, 'x');
    await expectScanError(scanDataset(f), 'DATASET_UNREADABLE');
    await expectScanError(scanDataset(tmp, { split: { val: 0.5, test: 0.6 } }), 'BAD_ARGUMENT');
  });

  it('needs two classes with images', async () => {
    const one = path.join(tmp, 'one-class');
    await jpegs(one, 'only', 3);
    await mkdir(path.join(one, 'hollow'));
    const e = await expectScanError(scanDataset(one), 'DATASET_INVALID');
    expect(e.message).toMatch(/only 1 class folder with images \("only"\)/);
    expect(e.message).toMatch(/1 more folder is empty/);
    expect(e.hint).toContain('dataset/<class>/<image>');

    const none = path.join(tmp, 'no-class');
    await mkdir(none);
    expect((await expectScanError(scanDataset(none), 'DATASET_INVALID')).message).toMatch(/no class folders with images/);
  });

  it('explains images with no class folders', async () => {
    const root = path.join(tmp, 'flat');
    await jpegs(root, '.', 3);
    const e = await expectScanError(scanDataset(root), 'DATASET_INVALID');
    expect(e.message).toMatch(/3 images but no class folders/);
    expect(e.hint).toMatch(/sub-folder per class/);
  });

  it('skips a folder or a file whose name is not UTF-8, saying so, where such a folder ended the scan ("ENOENT … realpath")', async () => {
    const root = path.join(tmp, 'latin1');
    await jpegs(root, 'a', 3);
    await jpegs(root, 'b', 3);
    // names as an old archive's or camera's Latin-1 writes them: "été" and "café.jpg"
    const latin1 = (s: string) => Buffer.from(s, 'latin1');
    await mkdir(Buffer.concat([Buffer.from(`${root}/`), latin1('\u00e9t\u00e9')]));
    await writeFile(Buffer.concat([Buffer.from(`${root}/a/`), latin1('caf\u00e9.jpg')]), await noiseJpeg(40, 40, seed++));
    const scan = await scanDataset(root);
    expect(scan.classes).toEqual(['a', 'b']);
    expect(scan.images).toHaveLength(6);
    const reasons = Object.fromEntries(scan.skipped.map((f) => [f.path, f.reason]));
    expect(reasons['\ufffdt\ufffd/']).toMatch(/^its name is not UTF-8 text .*: rename it and the files in it \(convmv -f cp1252 -t utf8 -r --notest/);
    expect(reasons['a/caf\ufffd.jpg']).toMatch(/^its name is not UTF-8 text .*: rename it \(convmv/);
  });

  it('can be cancelled', async () => {
    const root = path.join(tmp, 'cancel');
    await jpegs(root, 'a', 20);
    await jpegs(root, 'b', 20);
    const ac = new AbortController();
    const p = scanDataset(root, {
      signal: ac.signal,
      onProgress: (done) => {
        if (done === 5) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    const pre = new AbortController();
    pre.abort();
    await expect(scanDataset(root, { signal: pre.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { noiseJpeg } from '../../../test/fixtures/syntheticImages';
import { scanDataset } from './scanDataset';
import { scanMemoFile } from './scanMemo';

// every read of a file, counted, so a test can tell a scan that read an image from one that did not
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof fsp>();
  return { ...real, readFile: vi.fn(real.readFile) };
});
const readFile = vi.mocked(fsp.readFile);

let tmp: string;
let root: string;
let seed = 500;

/** the images a scan read from the dataset folder (not the memo) */
async function imagesRead<T>(work: () => Promise<T>): Promise<{ result: T; read: string[] }> {
  readFile.mockClear();
  const result = await work();
  const read = readFile.mock.calls.map((c) => String(c[0])).filter((f) => f.startsWith(root));
  return { result, read: read.map((f) => path.relative(root, f)).sort() };
}

const memoOf = () => JSON.parse(fs.readFileSync(scanMemoFile(root), 'utf8')) as { files: Record<string, unknown> };

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tlab-memo-'));
  root = path.join(tmp, 'photos');
  for (const c of ['cats', 'dogs']) {
    fs.mkdirSync(path.join(root, c), { recursive: true });
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(root, c, `${i}.jpg`), await noiseJpeg(40, 40, seed++));
  }
  // older than the memo's settling time, as a user's photos are: a file written just now is read again (below)
  await new Promise((r) => setTimeout(r, 3100));
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('a scan remembers what it learnt of each file', () => {
  it('reads every image once, then none while nothing changes, and finds the same', async () => {
    const first = await imagesRead(() => scanDataset(root));
    expect(first.read).toHaveLength(6);
    const second = await imagesRead(() => scanDataset(root));
    expect(second.read).toEqual([]);
    expect(second.result.images).toEqual(first.result.images);
    expect(second.result.problems).toEqual(first.result.problems);
  });

  it('does not trust a file changed moments before the scan: the next scan reads it again', async () => {
    fs.writeFileSync(path.join(root, 'dogs', 'new.jpg'), await noiseJpeg(40, 40, seed++));
    expect((await imagesRead(() => scanDataset(root))).read).toEqual(['dogs/new.jpg']);
    expect((await imagesRead(() => scanDataset(root))).read).toEqual(['dogs/new.jpg']);
    expect(Object.keys(memoOf().files)).not.toContain('dogs/new.jpg');
  });

  it('forgets a file that is gone', async () => {
    fs.rmSync(path.join(root, 'dogs', 'new.jpg'));
    fs.rmSync(path.join(root, 'dogs', '2.jpg'));
    const scan = await scanDataset(root);
    expect(scan.images.map((i) => i.relPath)).not.toContain('dogs/2.jpg');
    expect(Object.keys(memoOf().files).sort()).toEqual(['cats/0.jpg', 'cats/1.jpg', 'cats/2.jpg', 'dogs/0.jpg', 'dogs/1.jpg']);
  });

  it('reads everything again, and writes a good memo, where the memo is damaged', async () => {
    const good = await scanDataset(root);
    fs.writeFileSync(scanMemoFile(root), '{"version":1,"root":');
    const again = await imagesRead(() => scanDataset(root));
    expect(again.read).toHaveLength(5);
    expect(again.result.images).toEqual(good.images);
    expect(Object.keys(memoOf().files)).toHaveLength(5);
    // an entry of the wrong shape is one file read again, not a wrong answer
    const memo = memoOf();
    memo.files['cats/0.jpg'] = ['x'];
    fs.writeFileSync(scanMemoFile(root), JSON.stringify(memo));
    expect((await imagesRead(() => scanDataset(root))).read).toEqual(['cats/0.jpg']);
  });

  it('scans as before where the cache folder cannot be written', async () => {
    const cache = process.env.TRANSFER_LAB_CACHE;
    const blocked = path.join(tmp, 'not-a-folder');
    fs.writeFileSync(blocked, 'a file where the cache folder would be');
    process.env.TRANSFER_LAB_CACHE = blocked;
    try {
      const scan = await imagesRead(() => scanDataset(root));
      expect(scan.result.images).toHaveLength(5);
      expect(scan.read).toHaveLength(5);
    } finally {
      process.env.TRANSFER_LAB_CACHE = cache;
    }
  });

  it('reads a file again once it is edited, even with its size and modification time put back', async () => {
    const file = path.join(root, 'cats', '1.jpg');
    const before = (await scanDataset(root)).images.find((i) => i.relPath === 'cats/1.jpg')!;
    const old = fs.statSync(file, { bigint: true });
    // another photo of the same length, and its old time restored (as a sync tool might)
    let other = await noiseJpeg(40, 40, seed++);
    while (BigInt(other.length) !== old.size) other = await noiseJpeg(40, 40, seed++);
    fs.writeFileSync(file, other);
    // to the nanosecond: GNU touch takes what utimes' floating-point seconds would round
    const ns = old.mtimeNs % 1_000_000_000n;
    execFileSync('touch', ['-m', '-d', `@${old.mtimeNs / 1_000_000_000n}.${ns.toString().padStart(9, '0')}`, file]);
    expect(fs.statSync(file, { bigint: true }).mtimeNs).toBe(old.mtimeNs);
    const after = await imagesRead(() => scanDataset(root));
    expect(after.read).toEqual(['cats/1.jpg']);
    expect(after.result.images.find((i) => i.relPath === 'cats/1.jpg')!.contentHash).not.toBe(before.contentHash);
  });
});

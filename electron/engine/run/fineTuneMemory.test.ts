import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistClasses, fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { initBackend } from '../tf/backend';
import { trainRun } from './trainRun';

/**
 * A fine-tuning batch too large for the wasm heap (4 GiB) is refused before training starts,
 * with the largest batch that fits; before, XNNPACK failed mid-step and the wasm module aborted
 * ("Aborted()"), which also broke the engine's backend for every later run. The features stay
 * cached, so the next run at a batch that fits extracts nothing.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-finetune-memory-'));
const cacheDir = path.join(work, 'cache');
let dataset: string;

beforeAll(async () => {
  await initBackend('wasm');
  dataset = await fashionMnistCopy({ perClass: 53, classes: [...fashionMnistClasses], dest: path.join(work, 'photos') });
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('fine-tuning with a batch larger than the wasm heap', () => {
  it('is refused before training, with the largest batch that fits; the features stay cached for the next run', async () => {
    const split = { val: 0, test: 0 };
    const model = pretrainedModelDir('mobilenet_v2');
    const refused = trainRun({ dataset, model, config: { epochs: 1, batchSize: 530, fineTuneLayers: 4 }, split, cacheDir, outDir: path.join(work, 'big') });
    await expect(refused).rejects.toMatchObject({
      code: 'OUT_OF_MEMORY',
      // the heap's end, or on a machine with less than 4 GiB free its memory
      message: expect.stringMatching(/^Fine-tuning 4 layers at a batch of 530 needs about [\d.]+ GiB; .*(4 GiB the wasm backend can address|free now)\.$/),
      hint: expect.stringMatching(/^Use a batch of \d+ or less/),
    });
    const fits = Number(/batch of (\d+) or less/.exec(((await refused.catch((e: unknown) => e)) as { hint: string }).hint)![1]);
    expect(fits).toBeGreaterThan(32);
    expect(fits).toBeLessThan(530);
    const next = await trainRun({ dataset, model, config: { epochs: 1, batchSize: 32, fineTuneLayers: 4 }, split, cacheDir, outDir: path.join(work, 'next') });
    expect(next.record.cache).toMatchObject({ hits: 530, misses: 0 });
    expect(next.record.epochs).toHaveLength(1);
  }, 300_000);

  it('counts a batch as at most the training images: augmented copies replace an image, they do not add one', async () => {
    const few = await fashionMnistCopy({ perClass: 12, classes: ['1_trouser', '8_bag'], dest: path.join(work, 'few') });
    // 24 images: a batch of 24, whatever the 530 asked; 24 × 17 copies would be past the heap
    const run = await trainRun({
      dataset: few,
      model: pretrainedModelDir('mobilenet_v2'),
      config: { epochs: 1, batchSize: 530, fineTuneLayers: 4, augmentVariants: 16 },
      split: { val: 0, test: 0 },
      cacheDir,
      outDir: path.join(work, 'augmented'),
    });
    expect(run.record.epochs).toHaveLength(1);
  }, 300_000);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../shared/events';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { initBackend } from '../tf/backend';
import { fileSystemSaver } from '../tf/fsModelIO';
import { trainRun, type TrainRunOptions } from './trainRun';

/**
 * A run that fails part way frees what it made, whatever the phase: a stop while training or
 * extracting, a run folder taken away while training or saving, a run folder that cannot be
 * made, a stop held at a phase by the fault hooks. After each, the tensors are back to their
 * count before the run. A tiny Keras network (a conv, a depthwise conv, pooling) keeps it quick;
 * fine-tuning its top layer makes the backbone, its top and the net all live at once.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cleanup-'));
const cacheDir = path.join(work, 'cache');
const model = path.join(work, 'tiny');
let dataset: string;
let n = 0;

beforeAll(async () => {
  await initBackend('wasm');
  const x = tfl.input({ shape: [16, 16, 3] });
  const c = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'c' }).apply(x) as tfl.SymbolicTensor;
  const d = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', name: 'd' }).apply(c) as tfl.SymbolicTensor;
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(d) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: x, outputs: gap });
  await m.save(fileSystemSaver(model));
  m.dispose();
  dataset = await fashionMnistCopy({ perClass: 8, classes: ['1_trouser', '8_bag'], dest: path.join(work, 'photos') });
  // one whole run of each kind first: what a first run sets up for good (kernels, the backend) is not a leak
  await trainRun(options({ config: { epochs: 2, batchSize: 4, fineTuneLayers: 0 } }));
  await trainRun(options({ config: { epochs: 2, batchSize: 4, fineTuneLayers: 1 } }));
}, 120_000);

afterEach(() => {
  delete process.env.TRANSFER_LAB_FAULT_HOLD;
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function options(over: Partial<TrainRunOptions> = {}): TrainRunOptions {
  return {
    dataset,
    model,
    config: { epochs: 3, batchSize: 4, patience: 0, seed: 1 },
    split: { val: 0.25, test: 0.25 },
    backend: 'wasm',
    extractor: 'tfjs',
    workers: 1,
    cacheDir,
    outDir: path.join(work, `run${++n}`),
    ...over,
  };
}

/** the run's own folder, whatever the phase, turned into a file: every later write there fails */
function spoilFolder(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.writeFileSync(dir, 'not a folder');
}

/** runs to its failure and gives the change in live tensors across it */
async function leakedBy(o: TrainRunOptions, fails: RegExp | object): Promise<number> {
  const before = tf.memory().numTensors;
  await expect(trainRun(o)).rejects.toMatchObject(fails instanceof RegExp ? { message: expect.stringMatching(fails) } : fails);
  return tf.memory().numTensors - before;
}

describe.each([
  ['the head alone', 0],
  ['fine-tuning', 1],
])('a run that fails part way frees what it made: %s', (_, fineTuneLayers) => {
  const config = { epochs: 6, batchSize: 4, patience: 0, seed: 1, fineTuneLayers };

  it('stopped while training', async () => {
    const ac = new AbortController();
    const onEvent = (e: EngineEvent) => e.type === 'epoch' && e.epoch === 2 && ac.abort();
    expect(await leakedBy(options({ config, signal: ac.signal, onEvent }), { code: 'CANCELLED' })).toBe(0);
  });

  it('its folder taken away while training: the checkpoint cannot be written', async () => {
    const o = options({ config });
    const onEvent = (e: EngineEvent) => e.type === 'epoch' && e.epoch === 1 && spoilFolder(o.outDir!);
    expect(await leakedBy({ ...o, onEvent }, /./)).toBe(0);
  });

  it('its folder taken away while saving', async () => {
    const o = options({ config });
    const onEvent = (e: EngineEvent) => e.type === 'phase' && e.phase === 'save' && spoilFolder(o.outDir!);
    expect(await leakedBy({ ...o, onEvent }, /./)).toBe(0);
  });

  it('its folder taken while the model loads: the request cannot be written', async () => {
    const o = options({ config });
    const onEvent = (e: EngineEvent) => e.type === 'phase' && e.phase === 'load-model' && spoilFolder(o.outDir!);
    expect(await leakedBy({ ...o, onEvent }, /./)).toBe(0);
  });

  it('stopped while extracting', async () => {
    const ac = new AbortController();
    const onEvent = (e: EngineEvent) => e.type === 'phase' && e.phase === 'extract' && ac.abort();
    const fresh = path.join(work, `cache${++n}`);
    expect(await leakedBy(options({ config, cacheDir: fresh, signal: ac.signal, onEvent }), /features extracted so far are kept/)).toBe(0);
  });

  it.each(['load-model', 'evaluate'])('stopped where the fault hook holds it: %s', async (phase) => {
    process.env.TRANSFER_LAB_FAULT_HOLD = phase;
    const ac = new AbortController();
    const onEvent = (e: EngineEvent) => e.type === 'phase' && e.phase === phase && setTimeout(() => ac.abort(), 20);
    expect(await leakedBy(options({ config, signal: ac.signal, onEvent }), { code: 'CANCELLED' })).toBe(0);
  });
});

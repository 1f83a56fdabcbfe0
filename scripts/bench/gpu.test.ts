import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../electron/engine/tf/backend';
import { fileSystemSaver } from '../../electron/engine/tf/fsModelIO';
import { fashionMnistDataset } from '../../test/fixtures/fashionMnist';
import { checkCudaPeer, gpuBench, type GpuBenchOptions } from './gpu';
import { peerPython } from './peer';
import { steadyRate } from './gpuExtract';
import { renderGpuTable } from './gpuReport';
import { swiftShaderIcd, swiftShaderOr } from '../../test/fixtures/swiftShader';

const canSwiftShader = swiftShaderOr('GPU bench test');

// the peer: Debian's PyTorch (python3-torch, python3-torchvision; CI does not install them)
const peerScript = path.resolve(__dirname, '../../../shared/bench/peer_pytorch.py');
const hasPeer = fs.existsSync(peerScript) && spawnSync(peerPython(), ['-c', 'import torch, torchvision'], { timeout: 60_000 }).status === 0;
if (canSwiftShader && !hasPeer) console.log(`GPU bench test with the peer skipped: ${peerScript} or ${peerPython()} with torch and torchvision is absent`);

const envKeys = ['VK_DRIVER_FILES', 'TRANSFER_LAB_TEST_SOFTWARE_GPU'] as const;
const envBefore = Object.fromEntries(envKeys.map((k) => [k, process.env[k]]));
let root: string;

beforeAll(async () => {
  await initBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-gpubench-'));
  // a small network with a classifier on top, so the bench's default cut and one fine-tuned layer below it exist
  const x = tfl.input({ shape: [16, 16, 3] });
  const c = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'c' }).apply(x) as tfl.SymbolicTensor;
  const d = tfl.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu', name: 'd' }).apply(c) as tfl.SymbolicTensor;
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(d) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 10, activation: 'softmax', name: 'predictions' }).apply(gap) as tfl.SymbolicTensor;
  await tfl.model({ inputs: x, outputs: out }).save(fileSystemSaver(path.join(root, 'tiny')));
});
afterAll(() => {
  for (const k of envKeys) {
    if (envBefore[k] === undefined) delete process.env[k];
    else process.env[k] = envBefore[k];
  }
  fs.rmSync(root, { recursive: true, force: true });
});

/**
 * The GPU bench on the small network, SwiftShader standing in for the GPU: 30 images to extract,
 * 20 in the smaller set; every step's label kept.
 */
async function benchTiny(o: Pick<GpuBenchOptions, 'peerScript' | 'skipPeer' | 'extractBatches' | 'peerBatches' | 'fineTuneLayers' | 'step'>) {
  process.env.VK_DRIVER_FILES = swiftShaderIcd;
  process.env.TRANSFER_LAB_TEST_SOFTWARE_GPU = '1';
  const dataset = await fashionMnistDataset({ perClass: 3 });
  const labels: string[] = [];
  const line = await gpuBench({
    ...o,
    dataset,
    models: [{ dir: path.join(root, 'tiny'), peer: 'mobilenet_v2', dataset }],
    workDir: root,
    repeats: 1,
    fineTuneDataset: await fashionMnistDataset({ perClass: 2 }),
    fineTuneEpochs: 1,
    step: (label, work) => {
      labels.push(label);
      return o.step(label, work);
    },
    log: () => undefined,
  });
  return { line, labels };
}

describe.skipIf(!canSwiftShader)('npm run bench -- --gpu, on SwiftShader standing in for a GPU', () => {
  it('measures a step again when asked (a busy machine) and still gets its figures: each attempt trains into a folder of its own', async () => {
    const { line, labels } = await benchTiny({
      peerScript: path.join(root, 'no-peer.py'),
      skipPeer: true,
      extractBatches: [2, 4],
      peerBatches: [1],
      fineTuneLayers: 1,
      // as the bench's steps do when other processes used the machine during an attempt
      step: async (_label, work) => {
        await work();
        return await work();
      },
    });
    // the second fine-tuning attempt found the first's finished run in its folder and failed
    expect(line.notes.filter((n) => /failed/.test(n))).toEqual([]);
    expect(line.fineTune).toMatchObject({ layers: 1, ours: expect.any(Number), cpu: expect.any(Number), ratio: expect.any(Number) });
    expect(line.extract).toMatchObject({ ours: expect.any(Number), oursEngine: expect.stringMatching(/WGSL kernels/) });
    // ours at each batch asked for, its best counting (as the peer's does)
    expect(Object.keys(line.extract!.oursByBatch).sort()).toEqual(['2', '4']);
    expect(line.extract!.ours).toBe(Math.max(...Object.values(line.extract!.oursByBatch).map(Number)));
    expect(line.extract!.oursBatch).toBe(Number(Object.entries(line.extract!.oursByBatch).find(([, v]) => v === line.extract!.ours)![0]));
    // ours again at its best batch on the smaller set, for its rate past fixed costs (the peer's needs CUDA)
    expect(line.extract!.steady).toMatchObject({ images: [30, 20], peer: null, ratio: null });
    expect(labels).toContain(`ours: tiny extraction on WebGPU, fresh cache, batch ${line.extract!.oursBatch}, the smaller set`);
    expect(renderGpuTable(line)).toMatch(/\| past fixed costs \(from 30 and 20 images\), images\/s \| ([\d.]+|—) \| — \| — \|/);
    expect(renderGpuTable(line)).toMatch(/\| by batch size \| 2: [\d.]+, 4: [\d.]+ \| — \|/);
    expect(line.machine.software).toBe(true);
    expect(labels.some((l) => /fine-tuning 1 layers/.test(l))).toBe(true);
  });
});

describe.skipIf(!canSwiftShader || !hasPeer)('npm run bench -- --gpu with the peer, its CPU standing in for CUDA', () => {
  it("runs the peer at each batch and again at its best on the smaller set, and gives each side's rate past its fixed costs", async () => {
    const { line, labels } = await benchTiny({
      peerScript,
      skipPeer: false,
      extractBatches: [4],
      peerBatches: [2, 4],
      fineTuneLayers: 0,
      step: (_label, work) => work(),
    });
    expect(line.notes).toContain('TEST ONLY: the peer ran on the CPU, standing in for CUDA (TRANSFER_LAB_TEST_SOFTWARE_GPU=1)');
    const e = line.extract!;
    expect(Object.keys(e.peerByBatch!).sort()).toEqual(['2', '4']);
    expect(e.peer).toBe(Math.max(...Object.values(e.peerByBatch!).map(Number)));
    expect(labels).toContain(`peer: mobilenet_v2 extraction on CUDA, cached mode, batch ${e.peerBatch}, the smaller set`);
    // the peer extracts its training split: 24 of 30 images, 16 of 20
    expect(e.steady!.images).toEqual([30, 20]);
    if (e.steady!.peer !== null) expect(e.steady!.peer).toBeGreaterThan(0);
    expect(e.ratio).toBeCloseTo(e.ours! / e.peer!, 2);
  });
});

describe("each side's rate past its fixed costs", () => {
  it('comes from the difference of a large and a small run', () => {
    // 2000 images in 1.0 s and 400 in 0.6 s: 0.5 s of start, 1600 images in 0.4 s
    expect(steadyRate({ images: 2000, seconds: 1.0 }, { images: 400, seconds: 0.6 })).toBeCloseTo(4000, 6);
  });
  it('is not given where the difference is too small to time, or upside down', () => {
    expect(steadyRate({ images: 2000, seconds: 0.65 }, { images: 400, seconds: 0.6 })).toBeNull();
    expect(steadyRate({ images: 2000, seconds: 0.5 }, { images: 400, seconds: 0.6 })).toBeNull();
    expect(steadyRate({ images: 400, seconds: 1.0 }, { images: 400, seconds: 0.6 })).toBeNull();
  });
});

describe("the peer's Python", () => {
  it('is the one TRANSFER_LAB_PYTHON names, where PyTorch lives outside Debian (a GPU machine)', () => {
    const before = process.env.TRANSFER_LAB_PYTHON;
    try {
      process.env.TRANSFER_LAB_PYTHON = path.join(root, 'no-such-python3');
      // it always ran /usr/bin/python3, which on such a machine may have no torch at all
      const script = path.join(root, 'peer.py');
      fs.writeFileSync(script, '');
      expect(checkCudaPeer(script)).toEqual({ ok: false, reason: expect.stringMatching(/no-such-python3 cannot be run/) });
    } finally {
      if (before === undefined) delete process.env.TRANSFER_LAB_PYTHON;
      else process.env.TRANSFER_LAB_PYTHON = before;
    }
  });
});

// `npm run bench -- --gpu`: our GPU path (our WGSL kernels through Dawn, and TF.js's WebGPU backend beside them) against the
// PyTorch peer on CUDA, on the same images and architectures, in one run. Runs on a machine
// with an NVIDIA GPU, Vulkan and CUDA PyTorch; never in CI, and needs no package registry.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeAdaptersIsolated, type AdapterFacts } from '../../electron/engine/devices/probeDevices';
import { trainRun } from '../../electron/engine/run/trainRun';
import { adapterLabel } from '../../electron/engine/extract/chooseDevice';
import { oursExtraction, type OursExtraction } from './ours';
import { PYTHON, runPeer, type PeerModel, type PeerResult } from './peer';
import { ratio, round } from './report';

/** the peer's DataLoader workers on a GPU machine: decoding on its main thread would cap it far below the GPU */
const peerWorkers = Math.min(8, os.availableParallelism());

/** For tests only: a software adapter (SwiftShader) stands in for a GPU, as in the engine (gpuRunners.ts). */
const softwareStandIn = () => process.env.TRANSFER_LAB_TEST_SOFTWARE_GPU === '1';

export type GpuCheck = { ok: true; adapter: AdapterFacts } | { ok: false; reason: string };

/** A hardware adapter Dawn can reach, or why not (a software one is refused: it measures nothing). */
export async function checkGpuAdapter(): Promise<GpuCheck> {
  const { adapters, noAdapterReason } = await probeAdaptersIsolated();
  const a = adapters[0];
  if (!a) return { ok: false, reason: noAdapterReason ?? 'Dawn found no adapter' };
  if (a.software && !softwareStandIn()) return { ok: false, reason: `the only adapter is software (${adapterLabel(a)}): it is for tests, never for speed` };
  return { ok: true, adapter: a };
}

export type CudaCheck = { ok: true; torch: string; device: string; on: 'cuda' | 'cpu' } | { ok: false; reason: string };

/** Whether the peer can run on CUDA here: Python imports torch and torchvision, and torch sees a CUDA device. */
export function checkCudaPeer(script: string): CudaCheck {
  if (!fs.existsSync(script)) return { ok: false, reason: `the peer script ${script} is missing` };
  const code =
    'import json, torch, torchvision; c = torch.cuda.is_available(); print(json.dumps({"torch": torch.__version__, "cuda": c, "device": torch.cuda.get_device_name(0) if c else None}))';
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `${PYTHON} cannot be run (${r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: `${PYTHON} cannot import torch and torchvision` };
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { torch: string; cuda: boolean; device: string | null };
  // for tests only, as the software adapter stands in for a GPU: the peer's CPU stands in for CUDA
  if (!j.cuda && softwareStandIn()) return { ok: true, torch: j.torch, device: 'the CPU, standing in for CUDA (a test)', on: 'cpu' };
  if (!j.cuda) return { ok: false, reason: `PyTorch ${j.torch} here sees no CUDA device` };
  return { ok: true, torch: j.torch, device: j.device ?? 'cuda', on: 'cuda' };
}

export interface GpuExtract {
  model: string;
  peerModel: PeerModel | null;
  images: number;
  ours: number | null;
  /** the batch of ours that counted (the fastest), and each batch's figure */
  oursBatch: number | null;
  oursByBatch: Record<string, number | null>;
  /** whose kernels ran ours (shared/gpuEngines.ts), and why not ours where TF.js's did */
  oursEngine: string | null;
  /** the same extraction on TF.js's WebGPU kernels (TRANSFER_LAB_WEBGPU_KERNELS=tfjs): what our kernels gained */
  oursTfjs: number | null;
  peer: number | null;
  peerBatch: number | null;
  ratio: number | null;
  peerByBatch: Record<string, number | null> | null;
  /**
   * Each side's rate past its fixed costs, at its best batch: from its runs on this set and on a
   * smaller one, (images − images') / (seconds − seconds'). A GPU runs 2000 images in a fraction
   * of a second, so what each side pays once (our workers' start and parity check; the peer's
   * DataLoader workers and CUDA's first kernels) would otherwise weigh on the figures above.
   */
  steady: { images: [number, number]; ours: number | null; peer: number | null; ratio: number | null } | null;
}

/** A rate past fixed costs from two runs of different sizes; null where the difference is too small to time. */
export function steadyRate(big: { images: number; seconds: number }, small: { images: number; seconds: number }): number | null {
  const dn = big.images - small.images;
  const dt = big.seconds - small.seconds;
  // the peer's seconds come to hundredths: a difference under a tenth says little
  return dn > 0 && dt >= 0.1 ? dn / dt : null;
}

/** the peer's extraction covers its training split: all but a fifth of the images (peer_pytorch.py) */
const peerExtracted = (images: number) => images - Math.floor(images / 5);

export interface GpuFineTune {
  model: string;
  layers: number;
  images: number;
  /** seconds of one epoch (the last: the first pays for compiling shaders) */
  ours: number | null;
  /** the same epoch on the CPU path (TF.js's wasm backend, as without a GPU) */
  cpu: number | null;
  /** cpu / ours: how many times faster the GPU trains */
  ratio: number | null;
  /** peer_pytorch.py trains a head alone: it has no fine-tuning to compare with */
  peer: null;
}

export interface GpuBenchLine {
  type: 'bench-gpu';
  dataset: string;
  extract: GpuExtract | null;
  extractSecond: GpuExtract | null;
  fineTune: GpuFineTune | null;
  machine: { adapter: string; software: boolean; cuda: string | null; torch: string | null; node: string; cpus: number };
  notes: string[];
}

type Step = <T>(label: string, work: () => Promise<T>) => Promise<T | null>;

export interface GpuBenchOptions {
  dataset: string;
  models: { dir: string; peer: PeerModel; dataset: string }[];
  workDir: string;
  peerScript: string;
  skipPeer: boolean;
  repeats: number;
  extractBatches: number[];
  /** the images fine-tuning trains on (fewer than extraction's: an epoch on the CPU path is slow), and the smaller set of the steady-state figures */
  fineTuneDataset: string;
  peerBatches: number[];
  fineTuneLayers: number;
  fineTuneEpochs: number;
  step: Step;
  log: (s: string) => void;
}

const countImages = (dir: string) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .reduce((n, d) => n + fs.readdirSync(path.join(dir, d.name)).filter((f) => !f.startsWith('.')).length, 0);

/** Checks the machine, then measures: extraction per model (ours on WebGPU, the peer on CUDA at each batch), then fine-tuning. */
export async function gpuBench(o: GpuBenchOptions): Promise<GpuBenchLine> {
  const notes: string[] = [];
  const gpu = await checkGpuAdapter();
  if (!gpu.ok)
    throw new Error(
      `bench --gpu needs a hardware GPU adapter, and ${gpu.reason}. Run it on a machine with an NVIDIA GPU and Vulkan (libvulkan1 and the driver's Vulkan ICD); \`transfer-lab devices\` shows what Dawn finds.`,
    );
  if (gpu.adapter.software)
    notes.push(
      `TEST ONLY: the software adapter ${adapterLabel(gpu.adapter)} stood in for a GPU (TRANSFER_LAB_TEST_SOFTWARE_GPU=1): these figures say the script works, nothing about speed`,
    );
  let cuda: CudaCheck | null = null;
  if (!o.skipPeer) {
    cuda = checkCudaPeer(o.peerScript);
    if (!cuda.ok)
      throw new Error(
        `bench --gpu compares with PyTorch on CUDA, and ${cuda.reason}. Run it where PyTorch has CUDA (python3 -c 'import torch; print(torch.cuda.is_available())'), or pass --skip-peer for ours alone.`,
      );
    if (cuda.on === 'cpu') notes.push('TEST ONLY: the peer ran on the CPU, standing in for CUDA (TRANSFER_LAB_TEST_SOFTWARE_GPU=1)');
  } else notes.push('peer skipped (--skip-peer): ours alone, ratios are null');
  o.log(
    `GPU: ${adapterLabel(gpu.adapter)} (${gpu.adapter.vendor}, ${gpu.adapter.software ? 'software' : 'hardware'}); peer: ${cuda?.ok ? `PyTorch ${cuda.torch} on ${cuda.device}` : 'not run'}`,
  );

  const extracts: GpuExtract[] = [];
  for (const m of o.models) {
    const name = path.basename(m.dir);
    let best: OursExtraction | null = null;
    let bestBatch: number | null = null;
    const oursByBatch: Record<string, number | null> = {};
    for (const batch of o.extractBatches) {
      let bestHere: number | null = null;
      for (let i = 1; i <= o.repeats; i++) {
        const r = await o.step(`ours: ${name} extraction on WebGPU, fresh cache, batch ${batch}${o.repeats > 1 ? `, ${i} of ${o.repeats}` : ''}`, () =>
          oursExtraction({ dataset: m.dataset, model: m.dir, workDir: o.workDir, extractor: 'webgpu', extractBatchSize: batch }),
        );
        if (r && (bestHere === null || r.imagesPerSecond > bestHere)) bestHere = r.imagesPerSecond;
        if (r && (!best || r.imagesPerSecond > best.imagesPerSecond)) [best, bestBatch] = [r, batch];
      }
      oursByBatch[batch] = bestHere;
    }
    const tfjsBatch = bestBatch ?? o.extractBatches[0]!;
    if (best)
      notes.push(
        `ours ${name} on ${best.backend}: ${best.images} images in ${best.extractSeconds.toFixed(1)} s including worker start and parity check; ${best.workers} worker(s), batch ${best.batchSize}${best.fallbackReason ? ` (${best.fallbackReason})` : ''}`,
      );
    const tfjs = await o.step(`ours: ${name} extraction on TF.js's WebGPU kernels, fresh cache, batch ${tfjsBatch}`, async () => {
      process.env.TRANSFER_LAB_WEBGPU_KERNELS = 'tfjs';
      try {
        return await oursExtraction({ dataset: m.dataset, model: m.dir, workDir: o.workDir, extractor: 'webgpu', extractBatchSize: tfjsBatch });
      } finally {
        delete process.env.TRANSFER_LAB_WEBGPU_KERNELS;
      }
    });
    const byBatch: Record<string, number | null> = {};
    const peerRuns: Record<string, PeerResult> = {};
    // as a PyTorch user with a GPU would: images decoded by DataLoader workers, not on the main thread
    const peerArgs = (b: number) =>
      ({
        model: m.peer,
        mode: 'cached',
        epochs: 1,
        batchSize: b,
        learningRate: 0.001,
        threads: 1,
        device: cuda?.ok ? cuda.on : 'cuda',
        workers: peerWorkers,
      }) as const;
    if (cuda?.ok) {
      for (const b of o.peerBatches) {
        const r = await o.step(`peer: ${m.peer} extraction on CUDA, cached mode, batch ${b}`, () => runPeer(o.peerScript, m.dataset, peerArgs(b)));
        byBatch[b] = r?.imagesPerSecond ?? null;
        if (r) peerRuns[b] = r;
      }
    }
    const top = Object.entries(byBatch).reduce<[string, number] | null>((acc, [b, v]) => (v !== null && (acc === null || v > acc[1]) ? [b, v] : acc), null);
    // each side again at its best batch on the smaller set: the difference is its rate past fixed costs
    let steady: GpuExtract['steady'] = null;
    if (o.fineTuneDataset !== m.dataset && best && bestBatch !== null) {
      const small = await o.step(`ours: ${name} extraction on WebGPU, fresh cache, batch ${bestBatch}, the smaller set`, () =>
        oursExtraction({ dataset: o.fineTuneDataset, model: m.dir, workDir: o.workDir, extractor: 'webgpu', extractBatchSize: bestBatch }),
      );
      const bigPeer = top ? peerRuns[top[0]] : undefined;
      const smallPeer = bigPeer
        ? await o.step(`peer: ${m.peer} extraction on CUDA, cached mode, batch ${top![0]}, the smaller set`, () =>
            runPeer(o.peerScript, o.fineTuneDataset, peerArgs(Number(top![0]))),
          )
        : null;
      const oursSteady = small
        ? steadyRate({ images: best.images, seconds: best.extractSeconds }, { images: small.images, seconds: small.extractSeconds })
        : null;
      const peerSteady =
        bigPeer && smallPeer
          ? steadyRate(
              { images: peerExtracted(bigPeer.images), seconds: bigPeer.extractSeconds },
              { images: peerExtracted(smallPeer.images), seconds: smallPeer.extractSeconds },
            )
          : null;
      steady = {
        images: [best.images, small?.images ?? countImages(o.fineTuneDataset)],
        ours: round(oursSteady, 1),
        peer: round(peerSteady, 1),
        ratio: ratio(round(oursSteady, 1), round(peerSteady, 1)),
      };
    }
    // a software stand-in makes a fraction of an image a second: keep its digits
    const digits = (v: number | null) => round(v, (v ?? 100) < 10 ? 3 : 1);
    const ours = digits(best?.imagesPerSecond ?? null);
    extracts.push({
      model: best?.modelName ?? name,
      peerModel: cuda?.ok ? m.peer : null,
      images: best?.datasetImages ?? countImages(m.dataset),
      ours,
      oursBatch: bestBatch,
      oursByBatch: Object.fromEntries(Object.entries(oursByBatch).map(([b, v]) => [b, digits(v)])),
      oursEngine: best?.backend ?? null,
      oursTfjs: digits(tfjs?.imagesPerSecond ?? null),
      peer: top ? top[1] : null,
      peerBatch: top ? Number(top[0]) : null,
      ratio: ratio(ours, top ? top[1] : null),
      peerByBatch: cuda?.ok ? byBatch : null,
      steady,
    });
  }

  // fine-tuning the top layers of the first model: on the GPU, then the same epochs on the CPU path from the same cache
  let fineTune: GpuFineTune | null = null;
  const ft = o.models[0];
  if (ft && o.fineTuneLayers > 0) {
    const dir = fs.mkdtempSync(path.join(o.workDir, 'finetune-'));
    try {
      const config = {
        epochs: o.fineTuneEpochs,
        batchSize: 32,
        learningRate: 0.001,
        fineTuneLayers: o.fineTuneLayers,
        patience: 0,
        head: { hiddenUnits: 0, dropout: 0 },
      };
      const split = { val: 0, test: 0.2 };
      const cacheDir = path.join(dir, 'cache');
      const gpuRun = await o.step(
        `ours: fine-tuning ${o.fineTuneLayers} layers of ${path.basename(ft.dir)} on WebGPU, ${o.fineTuneEpochs} epochs`,
        async () => {
          const r = await trainRun({
            dataset: o.fineTuneDataset,
            model: ft.dir,
            config,
            split,
            cacheDir,
            // a folder of its own for each attempt: a step measured again (the machine was busy)
            // found the first attempt's finished run there and refused to overwrite it
            outDir: fs.mkdtempSync(path.join(dir, 'gpu-')),
            extractor: 'webgpu',
            extractBatchSize: o.extractBatches[0],
          });
          if (r.record.devices?.topLayers?.device !== 'gpu')
            throw new Error(`the top layers did not train on the GPU: ${r.record.devices?.topLayers?.why ?? 'no reason given'}`);
          return r.record;
        },
      );
      const cpuRun = await o.step(
        `ours: the same fine-tuning on the CPU path (wasm), from the same cache`,
        async () =>
          (
            await trainRun({
              dataset: o.fineTuneDataset,
              model: ft.dir,
              config,
              split,
              cacheDir,
              outDir: fs.mkdtempSync(path.join(dir, 'cpu-')),
              extractor: 'onnx',
            })
          ).record,
      );
      const lastEpoch = (r: typeof gpuRun) => r?.epochs.at(-1)?.seconds ?? null;
      const g = round(lastEpoch(gpuRun), 3);
      const c = round(lastEpoch(cpuRun), 3);
      fineTune = {
        model: gpuRun?.model.name ?? path.basename(ft.dir),
        layers: gpuRun?.model.fineTune?.layers.length ?? o.fineTuneLayers,
        images: gpuRun?.dataset.counts.train ?? 0,
        ours: g,
        cpu: c,
        ratio: ratio(c, g),
        peer: null,
      };
      if (gpuRun && cpuRun)
        notes.push(
          `fine-tuning: the last epoch's loss ${gpuRun.epochs.at(-1)!.loss.toFixed(5)} on the GPU, ${cpuRun.epochs.at(-1)!.loss.toFixed(5)} on the CPU path`,
        );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  return {
    type: 'bench-gpu',
    dataset: o.dataset,
    extract: extracts[0] ?? null,
    extractSecond: extracts[1] ?? null,
    fineTune,
    machine: {
      adapter: `${adapterLabel(gpu.adapter)} (${gpu.adapter.vendor})`,
      software: gpu.adapter.software,
      cuda: cuda?.ok ? cuda.device : null,
      torch: cuda?.ok ? cuda.torch : null,
      node: process.version,
      cpus: fs.existsSync('/proc/cpuinfo') ? (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 0) : 0,
    },
    notes,
  };
}

const show = (v: number | null, unit = '') => (v === null ? '—' : `${v}${unit}`);
const byBatch = (m: Record<string, number | null> | null) =>
  m && Object.keys(m).length
    ? Object.entries(m)
        .map(([b, v]) => `${b}: ${show(v)}`)
        .join(', ')
    : '—';

/** The human table: ours on the GPU beside the peer on CUDA, then the ratio. */
export function renderGpuTable(b: GpuBenchLine): string {
  const rows: string[] = [
    `Transfer Lab GPU bench on ${b.machine.adapter}; peer ${b.machine.torch ? `PyTorch ${b.machine.torch} on ${b.machine.cuda}` : 'not run'}`,
    '',
  ];
  rows.push('| figure | ours (WebGPU) | peer (CUDA) | ratio |', '| --- | --- | --- | --- |');
  for (const e of [b.extract, b.extractSecond]) {
    if (!e) continue;
    rows.push(
      `| extraction, ${e.model}, ${e.images} images, images/s | ${show(e.ours)}${e.oursBatch ? ` at batch ${e.oursBatch}` : ''}${e.oursEngine ? ` (${e.oursEngine})` : ''} | ${show(e.peer)}${e.peerBatch ? ` at batch ${e.peerBatch}` : ''} | ${show(e.ratio, '×')} |`,
      `| by batch size | ${byBatch(e.oursByBatch)} | ${byBatch(e.peerByBatch)} | |`,
      `| the same on TF.js's WebGPU kernels, images/s | ${show(e.oursTfjs)} | | ${show(ratio(e.oursTfjs, e.peer), '×')} |`,
      ...(e.steady
        ? [
            `| past fixed costs (from ${e.steady.images[0]} and ${e.steady.images[1]} images), images/s | ${show(e.steady.ours)} | ${show(e.steady.peer)} | ${show(e.steady.ratio, '×')} |`,
          ]
        : []),
    );
  }
  if (b.fineTune) {
    const f = b.fineTune;
    rows.push(
      `| fine-tuning ${f.layers} layers of ${f.model}, one epoch of ${f.images} images, s | ${show(f.ours)} | — (the peer trains a head alone) | our CPU path ${show(f.cpu, ' s')}: the GPU ${show(f.ratio, '×')} as fast |`,
    );
  }
  if (b.notes.length) rows.push('', ...b.notes.map((n) => `- ${n}`));
  return rows.join('\n');
}

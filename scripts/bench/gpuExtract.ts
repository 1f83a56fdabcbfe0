// `npm run bench -- --gpu`'s extraction figures: ours on WebGPU at each batch (our kernels, then
// TF.js's), the peer on CUDA at each batch, and each side's rate past its fixed costs.
import os from 'node:os';
import path from 'node:path';
import { countImages, oursExtraction, type OursExtraction } from './ours';
import type { Step } from './peerSweep';
import { runPeer, type PeerArgs, type PeerModel, type PeerResult } from './peer';
import { ratio, round } from './report';

/** the peer's DataLoader workers on a GPU machine: decoding on its main thread would cap it far below the GPU */
const peerWorkers = Math.min(8, os.availableParallelism());

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

/** What the extraction figures of one model need from the bench. */
export interface ExtractionBench {
  step: Step;
  workDir: string;
  repeats: number;
  extractBatches: number[];
  peerBatches: number[];
  /** the smaller set of the steady-state figures (the bench's fine-tuning images) */
  smallDataset: string;
  peerScript: string;
  /** where the peer runs (the CPU only standing in for CUDA in tests), or null: no peer */
  peerOn: 'cuda' | 'cpu' | null;
  notes: string[];
}

type Side<T> = { best: T | null; batch: number | null; byBatch: Record<string, number | null> };

/** our extraction of `dataset` forced onto WebGPU, on a fresh cache */
const oursOnGpu = (b: ExtractionBench, model: string, dataset: string, batch: number) =>
  oursExtraction({ dataset, model, workDir: b.workDir, extractor: 'webgpu', extractBatchSize: batch });

/** Ours on WebGPU at each batch, `repeats` times each: the fastest run, its batch, and each batch's best. */
async function oursAtBatches(b: ExtractionBench, m: { dir: string; dataset: string }, name: string): Promise<Side<OursExtraction>> {
  const side: Side<OursExtraction> = { best: null, batch: null, byBatch: {} };
  for (const batch of b.extractBatches) {
    let here: number | null = null;
    for (let i = 1; i <= b.repeats; i++) {
      const r = await b.step(`ours: ${name} extraction on WebGPU, fresh cache, batch ${batch}${b.repeats > 1 ? `, ${i} of ${b.repeats}` : ''}`, () =>
        oursOnGpu(b, m.dir, m.dataset, batch),
      );
      if (r && (here === null || r.imagesPerSecond > here)) here = r.imagesPerSecond;
      if (r && (!side.best || r.imagesPerSecond > side.best.imagesPerSecond)) [side.best, side.batch] = [r, batch];
    }
    side.byBatch[batch] = here;
  }
  return side;
}

/** as a PyTorch user with a GPU would run it: images decoded by DataLoader workers, not on the main thread */
const peerArgs = (b: ExtractionBench, model: PeerModel, batchSize: number): PeerArgs => ({
  model,
  mode: 'cached',
  epochs: 1,
  batchSize,
  learningRate: 0.001,
  threads: 1,
  device: b.peerOn ?? 'cuda',
  workers: peerWorkers,
});

/** The peer at each batch: its fastest run, that batch, and each batch's figure. */
async function peerAtBatches(b: ExtractionBench, m: { peer: PeerModel; dataset: string }): Promise<Side<PeerResult>> {
  const side: Side<PeerResult> = { best: null, batch: null, byBatch: {} };
  for (const batch of b.peerBatches) {
    const r = await b.step(`peer: ${m.peer} extraction on CUDA, cached mode, batch ${batch}`, () =>
      runPeer(b.peerScript, m.dataset, peerArgs(b, m.peer, batch)),
    );
    side.byBatch[batch] = r?.imagesPerSecond ?? null;
    if (r?.imagesPerSecond != null && (side.best?.imagesPerSecond == null || r.imagesPerSecond > side.best.imagesPerSecond))
      [side.best, side.batch] = [r, batch];
  }
  return side;
}

/** Each side again at its best batch on the smaller set; the difference is its rate past fixed costs. */
async function steadyFigures(
  b: ExtractionBench,
  m: { dir: string; peer: PeerModel },
  name: string,
  ours: Side<OursExtraction>,
  peer: Side<PeerResult>,
): Promise<GpuExtract['steady']> {
  if (!ours.best || ours.batch === null) return null;
  const batch = ours.batch;
  const small = await b.step(`ours: ${name} extraction on WebGPU, fresh cache, batch ${batch}, the smaller set`, () =>
    oursOnGpu(b, m.dir, b.smallDataset, batch),
  );
  const peerBatch = peer.batch;
  const smallPeer =
    peer.best && peerBatch !== null
      ? await b.step(`peer: ${m.peer} extraction on CUDA, cached mode, batch ${peerBatch}, the smaller set`, () =>
          runPeer(b.peerScript, b.smallDataset, peerArgs(b, m.peer, peerBatch)),
        )
      : null;
  const oursRate = small
    ? steadyRate({ images: ours.best.images, seconds: ours.best.extractSeconds }, { images: small.images, seconds: small.extractSeconds })
    : null;
  const peerRate =
    peer.best && smallPeer
      ? steadyRate(
          { images: peerExtracted(peer.best.images), seconds: peer.best.extractSeconds },
          { images: peerExtracted(smallPeer.images), seconds: smallPeer.extractSeconds },
        )
      : null;
  return {
    images: [ours.best.images, small?.images ?? countImages(b.smallDataset)],
    ours: round(oursRate, 1),
    peer: round(peerRate, 1),
    ratio: ratio(round(oursRate, 1), round(peerRate, 1)),
  };
}

/** One model's extraction figures, ours beside the peer's. */
export async function measureGpuExtraction(b: ExtractionBench, m: { dir: string; peer: PeerModel; dataset: string }): Promise<GpuExtract> {
  const name = path.basename(m.dir);
  const ours = await oursAtBatches(b, m, name);
  const best = ours.best;
  if (best)
    b.notes.push(
      `ours ${name} on ${best.backend}: ${best.images} images in ${best.extractSeconds.toFixed(1)} s including worker start and parity check; ${best.workers} worker(s), batch ${best.batchSize}${best.fallbackReason ? ` (${best.fallbackReason})` : ''}`,
    );
  const tfjsBatch = ours.batch ?? b.extractBatches[0]!;
  const tfjs = await b.step(`ours: ${name} extraction on TF.js's WebGPU kernels, fresh cache, batch ${tfjsBatch}`, async () => {
    process.env.TRANSFER_LAB_WEBGPU_KERNELS = 'tfjs';
    try {
      return await oursOnGpu(b, m.dir, m.dataset, tfjsBatch);
    } finally {
      delete process.env.TRANSFER_LAB_WEBGPU_KERNELS;
    }
  });
  const peer: Side<PeerResult> = b.peerOn ? await peerAtBatches(b, m) : { best: null, batch: null, byBatch: {} };
  const steady = b.smallDataset !== m.dataset ? await steadyFigures(b, m, name, ours, peer) : null;
  // a software stand-in makes a fraction of an image a second: keep its digits
  const digits = (v: number | null) => round(v, (v ?? 100) < 10 ? 3 : 1);
  const oursRate = digits(best?.imagesPerSecond ?? null);
  const peerRate = peer.best?.imagesPerSecond ?? null;
  return {
    model: best?.modelName ?? name,
    peerModel: b.peerOn ? m.peer : null,
    images: best?.datasetImages ?? countImages(m.dataset),
    ours: oursRate,
    oursBatch: ours.batch,
    oursByBatch: Object.fromEntries(Object.entries(ours.byBatch).map(([k, v]) => [k, digits(v)])),
    oursEngine: best?.backend ?? null,
    oursTfjs: digits(tfjs?.imagesPerSecond ?? null),
    peer: peerRate,
    peerBatch: peer.batch,
    ratio: ratio(oursRate, peerRate),
    peerByBatch: b.peerOn ? peer.byBatch : null,
    steady,
  };
}

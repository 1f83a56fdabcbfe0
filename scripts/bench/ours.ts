import fs from 'node:fs';
import path from 'node:path';
import { trainRun } from '../../electron/engine/run/trainRun';
import type { TrainConfig } from '../../shared/run';
import type { ExtractorRuntime } from '../../electron/engine/extract/protocol';
import { errorLine, lastJsonLine, runProcess, tail } from './proc';

export interface SweepPoint {
  learningRate: number;
  batchSize: number;
}

/** The lab's six runs, batch size varying fastest so any first K runs cover both sizes. */
export const sweepPoints: SweepPoint[] = [0.001, 0.01, 1.0].flatMap((learningRate) => [4, 32].map((batchSize) => ({ learningRate, batchSize })));
export const sweepEpochs = 10;

/**
 * The same work the peer does: a plain linear head (no dropout) trained with Adam for every
 * epoch (no early stopping) on 80 % of the images, tested on the other 20 %.
 */
function peerLikeConfig(p: SweepPoint, epochs: number): Partial<TrainConfig> {
  return { epochs, batchSize: p.batchSize, learningRate: p.learningRate, optimizer: 'adam', patience: 0, head: { hiddenUnits: 0, dropout: 0 } };
}
const peerLikeSplit = { val: 0, test: 0.2 };

export interface OursExtraction {
  imagesPerSecond: number;
  images: number;
  extractSeconds: number;
  runtime: string;
  backend: string;
  /** why a faster runtime or set of kernels was not the one that ran */
  fallbackReason?: string;
  workers: number;
  threads: number;
  batchSize: number;
  modelName: string;
  datasetImages: number;
}

/** Work in a folder of its own, removed after: a repeated measurement starts as cold as the first. */
async function inScratch<T>(workDir: string, prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(workDir, prefix));
  try {
    return await work(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface ExtractionOptions {
  dataset: string;
  model: string;
  workDir: string;
  extractor?: ExtractorRuntime;
  extractBatchSize?: number;
}

/** One epoch on a fresh cache: every image goes through the frozen part exactly once. */
export function oursExtraction(o: ExtractionOptions): Promise<OursExtraction> {
  return inScratch(o.workDir, 'extract-', (dir) => extractOnce(o, path.join(dir, 'cache'), path.join(dir, 'run')));
}

/**
 * The same extraction where an earlier run of this model kept its compiled graph and parity
 * verdict (a user's second dataset, or a cleared feature cache): a first run fills the cache,
 * its features are removed, and the second run, in the same process as the app or the web
 * host would be, is measured. It must find the graph kept, and extract every image again.
 */
export function oursExtractionKept(o: ExtractionOptions): Promise<OursExtraction> {
  return inScratch(o.workDir, 'extract-kept-', async (dir) => {
    const cacheDir = path.join(dir, 'cache');
    await extractOnce(o, cacheDir, path.join(dir, 'run-first'));
    for (const f of fs.readdirSync(cacheDir, { recursive: true, withFileTypes: true }))
      if (f.isFile() && !f.name.startsWith('frozen-ort')) fs.rmSync(path.join(f.parentPath, f.name));
    return extractOnce(o, cacheDir, path.join(dir, 'run'), { kept: true });
  });
}

async function extractOnce(o: ExtractionOptions, cacheDir: string, outDir: string, expect: { kept?: boolean } = {}): Promise<OursExtraction> {
  const { record } = await trainRun({
    dataset: o.dataset,
    model: o.model,
    ...(o.extractor ? { extractor: o.extractor } : {}),
    ...(o.extractBatchSize ? { extractBatchSize: o.extractBatchSize } : {}),
    cacheDir,
    outDir,
    config: peerLikeConfig({ learningRate: 0.001, batchSize: 32 }, 1),
    split: peerLikeSplit,
  });
  const x = record.extractor;
  if (o.extractor === 'webgpu' && x.runtime !== 'webgpu') throw new Error(`our GPU path fell back to ${x.runtime}: ${x.fallbackReason ?? 'no reason given'}`);
  if (record.cache.misses === 0) throw new Error('the extraction run found a warm cache: the measurement needs a fresh one');
  if (expect.kept && !x.compiledFromCache) throw new Error('the second run did not reuse the compiled graph the first one kept');
  if (!(record.timings.extractSeconds > 0)) throw new Error('the extraction run recorded no extraction time');
  const c = record.dataset.counts;
  return {
    // the run's own rate; below minTimedImages the run keeps none, and the bench's dry runs are that small: the same images over the same seconds
    imagesPerSecond: x.imagesPerSecond ?? record.cache.misses / record.timings.extractSeconds,
    images: record.cache.misses,
    extractSeconds: record.timings.extractSeconds,
    runtime: x.runtime,
    backend: x.backend,
    ...(x.fallbackReason ? { fallbackReason: x.fallbackReason } : {}),
    workers: x.workers,
    threads: x.threads ?? 1,
    batchSize: x.batchSize,
    modelName: record.model.name,
    datasetImages: c.train + c.val + c.test,
  };
}

export interface OursSweep {
  seconds: number;
  /** each run's wall time, and the extraction's and the training's within it (the run's own timings) */
  runs: { learningRate: number; batchSize: number; seconds: number; extracted: number; extractSeconds: number; trainSeconds: number; testAccuracy: number }[];
}

/** Six runs in one process over one cache that starts cold: what a student's session costs. */
export function oursSweep(o: { dataset: string; model: string; workDir: string; onRun?: (i: number, p: SweepPoint) => void }): Promise<OursSweep> {
  return inScratch(o.workDir, 'sweep-', async (dir) => {
    const cacheDir = path.join(dir, 'cache');
    const runs: OursSweep['runs'] = [];
    const t0 = performance.now();
    for (const [i, p] of sweepPoints.entries()) {
      o.onRun?.(i, p);
      const t = performance.now();
      const { record } = await trainRun({
        dataset: o.dataset,
        model: o.model,
        cacheDir,
        outDir: path.join(dir, `run-${i}`),
        config: peerLikeConfig(p, sweepEpochs),
        split: peerLikeSplit,
      });
      runs.push({
        ...p,
        seconds: (performance.now() - t) / 1000,
        extracted: record.cache.misses,
        extractSeconds: record.timings.extractSeconds,
        trainSeconds: record.timings.trainSeconds,
        testAccuracy: record.evaluation.accuracy,
      });
    }
    return { seconds: (performance.now() - t0) / 1000, runs };
  });
}

export interface OursMemory {
  peakRssMiB: number;
  images: number;
  wallSeconds: number;
  /** set when the CLI could not start and the stand-in child measured instead: why */
  viaStandIn?: string;
}

/** A full default training run in a fresh CLI process and a fresh cache: its peak RSS. */
export function oursMemory(o: { repoRoot: string; dataset: string; model: string; workDir: string; label: string }): Promise<OursMemory> {
  return inScratch(o.workDir, `memory-${o.label}-`, (dir) => memoryRun(o, dir));
}

async function memoryRun(o: { repoRoot: string; dataset: string; model: string }, dir: string): Promise<OursMemory> {
  const env = { ...process.env, TRANSFER_LAB_CACHE: path.join(dir, 'cache') };
  const cli = path.join(o.repoRoot, 'bin', 'transfer-lab.cjs');
  const r = await runProcess(process.execPath, [cli, 'train', o.dataset, '--model', o.model, '--out', path.join(dir, 'run'), '--json'], {
    cwd: o.repoRoot,
    env,
  });
  const result = lastJsonLine(r.stdout);
  if (r.code === 0 && result?.type === 'result' && typeof result.peakRssMiB === 'number') return memoryOf(result, r.wallSeconds);
  // a CLI that never got to print a JSON line did not start (a broken import, say); one that
  // failed while training is a real failure and is reported as such
  if (r.stdout.trim() === '') {
    const why = errorLine(r.stderr);
    const s = await runProcess(
      process.execPath,
      [
        path.join(o.repoRoot, 'bin', 'run-ts.cjs'),
        path.join(o.repoRoot, 'scripts', 'bench', 'trainChild.ts'),
        o.dataset,
        o.model,
        path.join(dir, 'run-stand-in'),
      ],
      { cwd: o.repoRoot, env },
    );
    const sr = lastJsonLine(s.stdout);
    if (s.code === 0 && sr && typeof sr.peakRssMiB === 'number') return { ...memoryOf(sr, s.wallSeconds), viaStandIn: why };
    throw new Error(`neither transfer-lab train (${why}) nor the stand-in child ran: ${errorLine(s.stderr || s.stdout)}\n${tail(s.stderr || s.stdout)}`);
  }
  throw new Error(`transfer-lab train exited ${r.code} without a result line: ${errorLine(r.stderr || r.stdout)}\n${tail(r.stderr || r.stdout)}`);
}

function memoryOf(result: Record<string, unknown>, wallSeconds: number): OursMemory {
  const c = result.counts as { train: number; val: number; test: number };
  return { peakRssMiB: result.peakRssMiB as number, images: c.train + c.val + c.test, wallSeconds };
}

/** the images of a class-per-folder dataset, where no run counted them */
export function countImages(dir: string): number {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .reduce((n, d) => n + fs.readdirSync(path.join(dir, d.name)).filter((f) => !f.startsWith('.')).length, 0);
}

import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { TransferLabError } from '../../../shared/errors';
import type { Preprocessing } from '../../../shared/preprocessing';
import { BottleneckCache } from '../cache/bottleneckCache';
import { compiledRunner } from '../extract/compiledRunner';
import { readCompiled } from '../extract/compiledCache';
import type { Runner } from '../extract/runner';
import { buildRunner } from '../extract/runners';
import { topK } from '../export/classifier';
import { decodeForModel } from '../images/modelPixels';
import { initBackend, type BackendPreference } from '../tf/backend';
import type { ClassifierNet } from '../train/net';
import { runBackbone, runCacheRoot } from './evaluateRun';
import { drawnPlane } from './featureMap';
import { planeCoords } from './principalPlane';
import { cacheSpecOf } from './openBackbone';
import { readNet, readRun } from './runFolder';

/** what one frame took, in milliseconds: its decoding, the frozen part, the head, and in all */
export interface FrameTimes {
  decode: number;
  frozen: number;
  head: number;
  total: number;
}

export interface FrameAnswer {
  /** the likeliest classes, most likely first */
  answers: { className: string; probability: number }[];
  ms: FrameTimes;
  /** where the frame lands on the run's feature map, where one was drawn in this process */
  point?: { x: number; y: number };
}

/**
 * A saved run held open to answer one picture after another — a camera's frames — without
 * opening anything again: its frozen part on the compiled ONNX graph the run's extraction kept
 * (checked against TF.js when it was made), else TF.js's own kernels, and its head. Nothing is
 * written: a frame is seen once, so its features go to no cache. The same pixels as every other
 * path (decodeForModel, the run's preprocessing), so a frame of a photo gets that photo's answer.
 */
export class LiveClassifier {
  private busy: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly runDir: string,
    /** who runs the frozen part, in words: 'ONNX Runtime (CPU)' or 'TF.js (wasm)' */
    readonly frozenBy: string,
    private readonly runner: Runner,
    private readonly net: ClassifierNet,
    private readonly classes: readonly string[],
    private readonly preprocessing: Preprocessing,
    private readonly featureDim: number,
  ) {}

  static async open(runDir: string, o: { backend?: BackendPreference; cacheDir?: string } = {}): Promise<LiveClassifier> {
    const record = readRun(runDir);
    const backend = await initBackend(o.backend ?? 'auto');
    const { model, plan } = await runBackbone(record, () => undefined);
    const cache = new BottleneckCache(runCacheRoot(record, o.cacheDir), cacheSpecOf(model, plan));
    const init = {
      modelDir: model.dir,
      format: model.format,
      cut: plan.cut,
      pooling: plan.pooling,
      preprocessing: model.preprocessing,
      backend: backend.name,
      runtime: 'tfjs' as const,
      cacheDir: cache.dir,
      featureDim: plan.featureDim,
      parityCheck: false,
      // one frame at a time: its latency is what counts, so ONNX Runtime gets every core
      threads: Math.max(1, os.availableParallelism()),
    };
    const kept = await readCompiled(cache.dir).catch(() => null);
    let runner: Runner;
    let frozenBy: string;
    if (kept) {
      runner = await compiledRunner(init, kept.compiled);
      frozenBy = 'ONNX Runtime (CPU)';
    } else {
      // no graph kept (the cache was cleared, or the frozen part never compiled): TF.js runs it
      runner = (await buildRunner(init)).runner;
      frozenBy = `TF.js (${backend.name})`;
    }
    let net: ClassifierNet;
    try {
      net = await readNet(runDir, record);
    } catch (e) {
      await runner.dispose();
      throw e;
    }
    return new LiveClassifier(runDir, frozenBy, runner, net, record.dataset.classes, model.preprocessing, plan.featureDim);
  }

  /** one picture's answer, the `top` likeliest classes first; pictures asked at once take turns */
  classify(bytes: Uint8Array, top = 3): Promise<FrameAnswer> {
    const next = this.busy.then(() => this.answer(bytes, top));
    this.busy = next.catch(() => undefined);
    return next;
  }

  private async answer(bytes: Uint8Array, top: number): Promise<FrameAnswer> {
    if (this.closed) throw new TransferLabError('CANCELLED', 'The live classifier was closed.');
    const t0 = performance.now();
    const p = this.preprocessing;
    let pixels;
    try {
      pixels = await decodeForModel(bytes, { width: p.width, height: p.height, resize: p.resize });
    } catch (e) {
      throw new TransferLabError('BAD_ARGUMENT', `The picture could not be read: ${(e as Error).message}.`, 'Send a JPEG or PNG image.');
    }
    const t1 = performance.now();
    const features = await this.runner.infer(pixels.data, 1, [pixels.height, pixels.width]);
    const t2 = performance.now();
    const probabilities = tf.tidy(() => this.net.predict(tf.tensor2d(features, [1, this.featureDim])).dataSync() as Float32Array);
    const t3 = performance.now();
    const point = this.mapPoint(features);
    return {
      answers: topK(probabilities, 0, this.classes, Math.min(top, this.classes.length)),
      ms: { decode: t1 - t0, frozen: t2 - t1, head: t3 - t2, total: t3 - t0 },
      ...(point ? { point } : {}),
    };
  }

  /** the frame on the run's map, by what its head is given (as the map's images are placed) */
  private mapPoint(features: Float32Array): { x: number; y: number } | null {
    const plane = drawnPlane(this.runDir);
    if (!plane) return null;
    const input = tf.tidy(() => this.net.headInput(tf.tensor2d(features, [1, this.featureDim])).dataSync() as Float32Array);
    if (input.length !== plane.mean.length) return null;
    const [x, y] = planeCoords(plane, input);
    return { x, y };
  }

  /** frees the runtime and the head, once any picture in progress is answered */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.busy;
    await this.runner.dispose();
    this.net.dispose();
  }
}

/**
 * The one run held open for frames: the last one asked. A frame of another run closes it and
 * opens that one; a minute with no frame closes it (its runtime and weights hold memory a
 * Jetson shares with its GPU). Frames that come while it opens wait for the same opening.
 */
export class HeldClassifier {
  private held: { runDir: string; live: Promise<LiveClassifier> } | null = null;
  private idle: NodeJS.Timeout | null = null;

  constructor(
    private readonly open: (runDir: string) => Promise<LiveClassifier>,
    private readonly idleMs = 60_000,
  ) {}

  async classify(runDir: string, bytes: Uint8Array, top?: number): Promise<FrameAnswer & { frozenBy: string }> {
    if (this.held?.runDir !== runDir) {
      const old = this.held;
      this.held = { runDir, live: this.open(runDir) };
      if (old) void old.live.then((l) => l.close()).catch(() => undefined);
    }
    const held = this.held;
    let live: LiveClassifier;
    try {
      live = await held.live;
    } catch (e) {
      // a run that would not open is tried afresh at the next frame
      if (this.held === held) this.held = null;
      throw e;
    }
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.release(), this.idleMs);
    this.idle.unref();
    return { ...(await live.classify(bytes, top)), frozenBy: live.frozenBy };
  }

  /** whether a run is held open now, and which */
  get runDir(): string | null {
    return this.held?.runDir ?? null;
  }

  async release(): Promise<void> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const held = this.held;
    this.held = null;
    const live = await held?.live.catch(() => null);
    await live?.close();
  }
}

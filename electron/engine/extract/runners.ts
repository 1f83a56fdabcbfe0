import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type * as tfconv from '@tensorflow/tfjs-converter';
import { loadGraphBackbone, loadLayersBackbone } from '../models/loadBackbone';
import { optimizeFrozenGraph, valueRanks, type FrozenGraph } from '../frozen/frozenGraph';
import { frozenGraphFromLayers } from '../frozen/fromLayers';
import { frozenGraphFromGraphModel } from '../frozen/fromGraphModel';
import { readModelJson } from '../tf/fsModelIO';
import { FusedExecutor } from '../frozen/fusedExecutor';
import { compileOnnx } from '../frozen/onnx/compileOnnx';
import { createOnnxRunner } from '../frozen/onnx/onnxSession';
import { TransferLabError } from '../../../shared/errors';
import { pixelsToFloat } from '../images/modelPixels';
import { enlargeToInput } from '../tf/enlarge';
import { startWebgpuBackend } from '../tf/webgpu';
import type { CompiledGraph, RuntimeName, WorkerInit } from './protocol';
import { chooseFrozenDevice, type DeviceFacts } from './chooseDevice';
import { continuingOnCpu, gpuWindowRunner } from './gpuWindowRunner';

/**
 * The runtimes an extraction worker can run the frozen part on, behind one shape: the
 * decoder's RGB bytes in ([n, height, width, 3], at the model's input size or smaller — see
 * decodeForModel), pooled features out. Both enlarge the smaller ones bilinearly with
 * half-pixel centres and map the bytes onto the model's value range: TF.js in its ops, a
 * compiled ONNX graph inside itself.
 */
export interface Runner {
  runtime: RuntimeName;
  /** `size`: the pixels' [height, width]; the model's input size when left out */
  infer(pixels: Uint8Array, n: number, size?: readonly [number, number]): Promise<Float32Array>;
  /** releases the runtime; called only when no `infer` is in flight */
  dispose(): void | Promise<void>;
}

export interface BuiltRunner {
  runner: Runner;
  fallbackReason?: string;
  parityMaxDiff?: number;
  /** the plain TF.js model, to check a compiled runtime against before it is trusted (ONNX only) */
  reference: Runner | null;
  /** the ONNX graph the runner runs, for the pool's other workers once it is trusted */
  compiled?: CompiledGraph;
  /**
   * `auto` only: the GPU path beside the CPU one, with what is known of it so far (the
   * adapter, whether its runtime started); the worker checks and times it, then decides.
   */
  gpu?: GpuCandidate;
}

export interface GpuCandidate {
  facts: DeviceFacts;
  /** the frozen graph on WebGPU, when its runtime started */
  runner?: Runner;
  /** the plain TF.js model the GPU's features are checked against */
  reference: Runner;
  /** told when the worker keeps the GPU: from then on a GPU that fails hands over to the CPU instead of failing the check */
  onChosen?: () => void;
}

/**
 * Max abs difference allowed between a compiled runtime and the plain TF.js model, relative
 * to the largest feature. Both compute in float32; over MobileNetV2's or Inception's ~50–100
 * layers, reordered sums and folded BatchNorm differ by about 1e-6 relative (measured: 3e-6
 * MobileNetV2, 4e-7 Inception v3). A translation mistake — a transposed kernel, padding on
 * the wrong side, channels in the wrong order — moves features by 1e-2 to 1. 1e-3 sits two
 * orders of magnitude from each.
 */
export const parityTolerance = 1e-3;

export function relativeDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return Number.isFinite(diff) ? diff / scale : Number.POSITIVE_INFINITY;
}

function tfRunner(init: WorkerInit, runtime: RuntimeName, forward: (x: tf.Tensor4D) => tf.Tensor, release: () => void): Runner {
  const { height, width } = init.preprocessing;
  let released = false;
  // idempotent: the plain model may be both a reference and part of another runner
  const dispose = () => {
    if (!released) release();
    released = true;
  };
  return {
    runtime,
    infer: (pixels, n, [h, w] = [height, width]) =>
      Promise.resolve(
        tf.tidy(() => {
          let y = forward(enlargeToInput(tf.tensor4d(pixelsToFloat(pixels, init.preprocessing), [n, h, w, 3]), height, width));
          if (init.pooling === 'avg' && y.rank === 4) y = tf.mean(y, [1, 2]);
          return tf.reshape(y, [n, -1]).dataSync() as Float32Array;
        }),
      ),
    dispose,
  };
}

/**
 * The frozen graph on TF.js's WebGPU backend, fused executor. Synchronous reads throw there in
 * Node (`OffscreenCanvas is not defined`): features come back through `await data()`. The
 * worker's own backend stays active between calls, so the parity reference runs on the CPU.
 */
async function webgpuRunner(init: WorkerInit, graph: FrozenGraph): Promise<Runner> {
  // the desktop app: Chromium's WebGPU in its GPU window (Dawn for Node cannot load in Electron)
  if (init.gpuWindowPort) return continuingOnCpu(await rawWindowRunner(init, graph, true), cpuAfterWindow(init));
  await startWebgpuBackend();
  const { height, width } = init.preprocessing;
  const previous = tf.getBackend();
  await tf.setBackend('webgpu');
  const executor = new FusedExecutor(withPooling(graph, init.pooling));
  await tf.setBackend(previous);
  return {
    runtime: 'webgpu',
    infer: async (pixels, n, [h, w] = [height, width]) => {
      const back = tf.getBackend();
      await tf.setBackend('webgpu');
      try {
        const y = tf.tidy(() =>
          tf.reshape(executor.run(enlargeToInput(tf.tensor4d(pixelsToFloat(pixels, init.preprocessing), [n, h, w, 3]), height, width)), [n, -1]),
        );
        try {
          return (await y.data()) as Float32Array;
        } finally {
          y.dispose();
        }
      } finally {
        await tf.setBackend(back);
      }
    },
    dispose: () => executor.dispose(),
  };
}

/**
 * For tests only (SwiftShader in CI, the bench's dry run): TRANSFER_LAB_TEST_SOFTWARE_GPU=1
 * lets `auto` weigh a software adapter as if it were hardware, so the start, parity check and
 * timing run end to end without a GPU; TRANSFER_LAB_FAULT_CPU_RATE=x multiplies the CPU path's
 * measured speed by x (0: the GPU wins). Unset in normal use.
 */
const softwareAsHardware = process.env.TRANSFER_LAB_TEST_SOFTWARE_GPU === '1';

/**
 * What `auto` knows of the GPU before checking it: the adapter Dawn finds (none, or a
 * software one, ends it there: no model goes to the GPU), else the WebGPU runtime started.
 */
export async function adapterFacts(): Promise<DeviceFacts> {
  const { probeAdaptersIsolated } = await import('../devices/probeDevices');
  const probe = await probeAdaptersIsolated();
  const found = probe.adapters[0];
  const adapter = found && softwareAsHardware ? { ...found, software: false } : found;
  return { adapter: adapter ?? null, ...(probe.noAdapterReason ? { noAdapterReason: probe.noAdapterReason } : {}) };
}

/** the frozen part in the desktop app's GPU window, its failures its own */
async function rawWindowRunner(init: WorkerInit, graph: FrozenGraph, allowSoftware: boolean): Promise<Runner & { adapterName: string }> {
  return gpuWindowRunner(init.preprocessing, withPooling(graph, init.pooling), init.gpuWindowPort!, { allowSoftware });
}

/** should the window die in the middle of an extraction, TF.js's fused graph on this worker's backend takes over */
const cpuAfterWindow = (init: WorkerInit) => async () => (await buildRunner({ ...init, runtime: 'tfjs', gpuWindowPort: undefined })).runner;

/**
 * `auto` in the desktop app: the GPU is the window's (Chromium's WebGPU), weighed like Dawn's
 * in plain Node: its start here (a software adapter refuses to start unless a test lets it),
 * then the worker's parity check and timing against the CPU path. A window that fails while
 * weighed loses; once kept, a window that dies hands the rest to the CPU.
 */
async function windowCandidate(init: WorkerInit, graph: FrozenGraph): Promise<Omit<GpuCandidate, 'reference'>> {
  const adapter = { name: "the app window's GPU", vendor: '', architecture: '', software: false };
  let gpu: Runner & { adapterName: string };
  try {
    gpu = await rawWindowRunner(init, graph, softwareAsHardware);
  } catch (e) {
    return { facts: { adapter, gpuStart: { ok: false, error: firstLine(e) } } };
  }
  let chosen = false;
  const safe = continuingOnCpu(gpu, cpuAfterWindow(init));
  const runner: Runner = {
    runtime: 'webgpu',
    infer: (pixels, n, size) => (chosen ? safe.infer(pixels, n, size) : gpu.infer(pixels, n, size)),
    dispose: () => safe.dispose(),
  };
  return { facts: { adapter: { ...adapter, name: gpu.adapterName }, gpuStart: { ok: true } }, runner, onChosen: () => (chosen = true) };
}

async function gpuCandidate(init: WorkerInit, graph: FrozenGraph): Promise<Omit<GpuCandidate, 'reference'>> {
  if (init.gpuWindowPort) return windowCandidate(init, graph);
  const facts = await adapterFacts();
  const step = chooseFrozenDevice(facts);
  if (!('next' in step) || step.next !== 'start') return { facts };
  try {
    const runner = await webgpuRunner(init, graph);
    return { facts: { ...facts, gpuStart: { ok: true } }, runner };
  } catch (e) {
    return { facts: { ...facts, gpuStart: { ok: false, error: firstLine(e) } } };
  }
}

/** the frozen part with the bottleneck's pooling on top, as the cache stores it */
function withPooling(g: FrozenGraph, pooling: 'avg' | 'none'): FrozenGraph {
  if (pooling !== 'avg' || valueRanks(g).get(g.output) !== 4) return g;
  const name = `${g.output}/transfer_lab_pool`;
  return { ...g, nodes: [...g.nodes, { op: 'globalAvgPool', name, inputs: [g.output], keepDims: false }], output: name };
}

/**
 * Fault injection for tests of the parity fallback: TRANSFER_LAB_FAULT_ONNX_SKEW=x adds x to
 * every feature ONNX Runtime computes, as a mistranslated graph would skew them. Unset in
 * normal use.
 */
const simulatedSkew = Number(process.env.TRANSFER_LAB_FAULT_ONNX_SKEW ?? 0);

async function onnxRunner(init: WorkerInit, graph: FrozenGraph): Promise<{ runner: Runner; compiled: CompiledGraph }> {
  const { bytes, inputName, outputName } = compileOnnx(withPooling(graph, init.pooling), {
    preprocessing: init.preprocessing,
    outputDim: init.featureDim,
    pixelType: 'uint8',
    resizeInside: true,
  });
  const compiled = { bytes, inputName, outputName };
  return { runner: await compiledRunner(init, compiled), compiled };
}

async function compiledRunner(init: WorkerInit, compiled: CompiledGraph): Promise<Runner> {
  const { height, width } = init.preprocessing;
  const session = await createOnnxRunner(compiled.bytes, {
    inputName: compiled.inputName,
    outputName: compiled.outputName,
    height,
    width,
    threads: init.threads,
  });
  return {
    runtime: 'onnx',
    infer: async (pixels, n, size) => {
      const y = await session.run(pixels, n, size);
      if (simulatedSkew) for (let i = 0; i < y.length; i++) y[i]! += simulatedSkew;
      return y;
    },
    dispose: () => session.dispose(),
  };
}

const cannotOnnx = (e: unknown) =>
  new TransferLabError(
    'UNSUPPORTED',
    `ONNX Runtime cannot run this model: ${firstLine(e)}.`,
    'Use --extractor auto or tfjs: TF.js runs every layer it can load.',
  );

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? String(e);

/**
 * `auto` weighs the GPU beside the CPU path it built, where the parity check can vouch for the
 * GPU's features; the other runtimes are what the user asked for.
 */
async function withGpu(init: WorkerInit, graph: FrozenGraph, plain: Runner, built: BuiltRunner): Promise<BuiltRunner> {
  if (init.runtime !== 'auto' || !init.parityCheck) return built;
  return { ...built, gpu: { ...(await gpuCandidate(init, graph)), reference: plain } };
}

/** A graph model: compiled for ONNX Runtime where its ops translate, else run as TF.js loads it. */
async function buildGraphRunner(init: WorkerInit): Promise<BuiltRunner> {
  const model: tfconv.GraphModel = await loadGraphBackbone(init.modelDir);
  const forward = (x: tf.Tensor4D) => {
    const y = model.predict(x) as tf.Tensor | tf.Tensor[];
    return Array.isArray(y) ? y[0]! : y;
  };
  const plain = tfRunner(init, 'graph', forward, () => model.dispose());
  if (init.runtime !== 'auto' && init.runtime !== 'onnx' && init.runtime !== 'webgpu') return { runner: plain, reference: null };
  let graph: FrozenGraph;
  try {
    const topology = readModelJson(init.modelDir).modelTopology as Parameters<typeof frozenGraphFromGraphModel>[0];
    const { height, width } = init.preprocessing;
    graph = optimizeFrozenGraph(frozenGraphFromGraphModel(topology, model.weights, model.outputNodes[0]!, [height, width, 3]));
  } catch (e) {
    if (init.runtime === 'onnx') throw cannotOnnx(e);
    return { runner: plain, reference: null, fallbackReason: `${init.runtime === 'webgpu' ? 'WebGPU' : 'ONNX Runtime'}: ${firstLine(e)}` };
  }
  let gpuFailure: string | undefined;
  if (init.runtime === 'webgpu') {
    try {
      return { runner: await webgpuRunner(init, graph), reference: init.parityCheck ? plain : null };
    } catch (e) {
      gpuFailure = `WebGPU: ${firstLine(e)}`;
    }
  }
  try {
    const { runner, compiled } = await onnxRunner(init, graph);
    return withGpu(init, graph, plain, { runner, compiled, reference: init.parityCheck ? plain : null, ...(gpuFailure ? { fallbackReason: gpuFailure } : {}) });
  } catch (e) {
    if (init.runtime === 'onnx') throw cannotOnnx(e);
    return withGpu(init, graph, plain, {
      runner: plain,
      reference: null,
      fallbackReason: [gpuFailure, `ONNX Runtime: ${firstLine(e)}`].filter(Boolean).join('; '),
    });
  }
}

/**
 * Picks the runtime: ONNX Runtime where the frozen part translates and the runtime loads
 * (auto, onnx), else TF.js's fused graph (checked at once against the plain model on random
 * input), else the plain TF.js model; `auto` then weighs the GPU against it (withGpu). A
 * forced runtime that cannot be had is an error; auto falls back and says why.
 */
export async function buildRunner(init: WorkerInit): Promise<BuiltRunner> {
  // a graph the pool's first worker compiled and checked: nothing to load, translate or check
  if (init.compiled) return { runner: await compiledRunner(init, init.compiled), reference: null };
  if (init.format === 'graph') return buildGraphRunner(init);
  const model = await loadLayersBackbone(init.modelDir);
  const cutModel = tfl.model({ inputs: model.inputs, outputs: model.getLayer(init.cut).output as tfl.SymbolicTensor });
  const plain = tfRunner(
    init,
    'layers',
    (x) => cutModel.predict(x) as tf.Tensor,
    () => model.dispose(),
  );
  if (init.runtime === 'layers') return { runner: plain, reference: null };

  let graph: FrozenGraph;
  try {
    graph = optimizeFrozenGraph(frozenGraphFromLayers(model, init.cut));
  } catch (e) {
    if (init.runtime === 'onnx') throw cannotOnnx(e);
    if (init.runtime === 'fused')
      throw new TransferLabError(
        'UNSUPPORTED',
        `TF.js's fused graph cannot run this model: ${firstLine(e)}.`,
        'Use --extractor auto or tfjs: the plain TF.js model runs every layer.',
      );
    return { runner: plain, reference: null, fallbackReason: firstLine(e) };
  }
  return withGpu(init, graph, plain, await buildCpuOrForced(init, graph, plain));
}

async function buildCpuOrForced(init: WorkerInit, graph: FrozenGraph, plain: Runner): Promise<BuiltRunner> {
  let onnxFailure: string | undefined;
  if (init.runtime === 'webgpu') {
    try {
      // checked against the plain TF.js model on the CPU before any feature is written
      return { runner: await webgpuRunner(init, graph), reference: init.parityCheck ? plain : null };
    } catch (e) {
      onnxFailure = `WebGPU: ${firstLine(e)}`;
    }
  }
  if (init.runtime === 'auto' || init.runtime === 'onnx' || init.runtime === 'webgpu') {
    try {
      const { runner, compiled } = await onnxRunner(init, graph);
      // the TF.js model stays until the parity check has compared the two
      return { runner, compiled, reference: init.parityCheck ? plain : null, ...(onnxFailure ? { fallbackReason: onnxFailure } : {}) };
    } catch (e) {
      if (init.runtime === 'onnx') throw cannotOnnx(e);
      onnxFailure = [onnxFailure, `ONNX Runtime: ${firstLine(e)}`].filter(Boolean).join('; ');
    }
  }

  const executor = new FusedExecutor(graph);
  // the executor holds weights of its own; the model goes with the plain runner (disposing twice is a no-op)
  const fused = tfRunner(
    init,
    'fused',
    (x) => executor.run(x),
    () => {
      executor.dispose();
      plain.dispose();
    },
  );
  const withOnnxReason = (r: BuiltRunner): BuiltRunner =>
    onnxFailure ? { ...r, fallbackReason: r.fallbackReason ? `${onnxFailure}; ${r.fallbackReason}` : onnxFailure } : r;
  if (!init.parityCheck) return withOnnxReason({ runner: fused, reference: null });
  const { height, width } = init.preprocessing;
  const n = 2;
  const x = tf.tidy(() => Uint8Array.from(tf.randomUniform([n, height, width, 3], 0, 255, 'float32', 7).dataSync()));
  const diff = relativeDiff(await plain.infer(x, n), await fused.infer(x, n));
  if (!(diff <= parityTolerance)) {
    executor.dispose();
    if (init.runtime === 'fused') throw new Error(`the fused graph differs from the model by ${diff.toExponential(2)}`);
    return withOnnxReason({
      runner: plain,
      reference: null,
      fallbackReason: `fused graph failed the parity check (relative difference ${diff.toExponential(2)})`,
      parityMaxDiff: diff,
    });
  }
  return withOnnxReason({ runner: fused, reference: null, parityMaxDiff: diff });
}

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type * as tfconv from '@tensorflow/tfjs-converter';
import { loadGraphBackbone, loadLayersBackbone } from '../models/loadBackbone';
import { optimizeFrozenGraph, type FrozenGraph } from '../frozen/frozenGraph';
import { frozenGraphFromLayers } from '../frozen/fromLayers';
import { frozenGraphFromGraphModel } from '../frozen/fromGraphModel';
import { readModelJson } from '../tf/fsModelIO';
import { FusedExecutor } from '../frozen/fusedExecutor';
import { TransferLabError } from '../../../shared/errors';
import type { WorkerInit } from './protocol';
import { firstLine, type BuiltRunner, type GpuRunner, type Runner } from './runner';
import { cannotOnnx, onnxRunner, tfRunner } from './cpuRunners';
import { gpuCandidate, webgpuRunner } from './gpuRunners';
import { parityTolerance, relativeDiff } from './parity';

/** should the GPU window die in the middle of an extraction, TF.js's fused graph on this worker's backend takes over */
const cpuAfterWindow = (init: WorkerInit) => async () => (await buildRunner({ ...init, runtime: 'tfjs', gpuWindowPort: undefined })).runner;

/**
 * `auto` weighs the GPU beside the CPU path it built, where the parity check can vouch for the
 * GPU's features; the other runtimes are what the user asked for.
 */
async function withGpu(init: WorkerInit, graph: FrozenGraph, plain: Runner, built: BuiltRunner): Promise<BuiltRunner> {
  if (init.runtime !== 'auto' || !init.parityCheck) return built;
  return { ...built, gpu: { ...(await gpuCandidate(init, graph, cpuAfterWindow(init))), reference: plain } };
}

/** the GPU the user asked for, with why its faster kernels were not had (TF.js's where ours lack an op) */
const forcedGpu = ({ fallbackReason, ...runner }: GpuRunner, reference: Runner | null): BuiltRunner => ({
  runner,
  reference,
  ...(fallbackReason ? { fallbackReason } : {}),
});

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
      return forcedGpu(await webgpuRunner(init, graph, cpuAfterWindow(init)), init.parityCheck ? plain : null);
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
 * forced runtime that cannot be had is an error; auto falls back and says why. A graph the
 * pool's first worker already compiled and checked never comes here (bootRuntime.ts runs it).
 */
export async function buildRunner(init: WorkerInit): Promise<BuiltRunner> {
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
      return forcedGpu(await webgpuRunner(init, graph, cpuAfterWindow(init)), init.parityCheck ? plain : null);
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

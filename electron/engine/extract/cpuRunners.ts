import * as tf from '@tensorflow/tfjs-core';
import type { FrozenGraph } from '../frozen/frozenGraph';
import { compileOnnx } from '../frozen/onnx/compileOnnx';
import { createOnnxRunner } from '../frozen/onnx/onnxSession';
import { TransferLabError } from '../../../shared/errors';
import { pixelsToFloat } from '../images/modelPixels';
import { enlargeToInput } from '../tf/enlarge';
import type { CompiledGraph, RuntimeName, WorkerInit } from './protocol';
import { firstLine, withPooling, type Runner } from './runner';

/**
 * The CPU runtimes: a TF.js model or fused graph on the worker's own backend (tfRunner), and
 * the frozen part compiled to ONNX and run by ONNX Runtime (onnxRunner, compiledRunner).
 */
export function tfRunner(init: WorkerInit, runtime: RuntimeName, forward: (x: tf.Tensor4D) => tf.Tensor, release: () => void): Runner {
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
 * Fault injection for tests of the parity fallback: TRANSFER_LAB_FAULT_ONNX_SKEW=x adds x to
 * every feature ONNX Runtime computes, as a mistranslated graph would skew them. Unset in
 * normal use.
 */
const simulatedSkew = Number(process.env.TRANSFER_LAB_FAULT_ONNX_SKEW ?? 0);

export async function onnxRunner(init: WorkerInit, graph: FrozenGraph): Promise<{ runner: Runner; compiled: CompiledGraph }> {
  const { bytes, inputName, outputName } = compileOnnx(withPooling(graph, init.pooling), {
    preprocessing: init.preprocessing,
    outputDim: init.featureDim,
    pixelType: 'uint8',
    resizeInside: true,
  });
  const compiled = { bytes, inputName, outputName };
  return { runner: await compiledRunner(init, compiled), compiled };
}

export async function compiledRunner(init: WorkerInit, compiled: CompiledGraph): Promise<Runner> {
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

export const cannotOnnx = (e: unknown) =>
  new TransferLabError(
    'UNSUPPORTED',
    `ONNX Runtime cannot run this model: ${firstLine(e)}.`,
    'Use --extractor auto or tfjs: TF.js runs every layer it can load.',
  );

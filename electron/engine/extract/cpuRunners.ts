import * as tf from '@tensorflow/tfjs-core';
import type { FrozenGraph } from '../frozen/frozenGraph';
import { compileOnnx } from '../frozen/onnx/compileOnnx';
import { compiledRunner } from './compiledRunner';
import { TransferLabError } from '../../../shared/errors';
import { pixelsToFloat } from '../images/modelPixels';
import { enlargeToInput } from '../tf/enlarge';
import type { CompiledGraph, RuntimeName, WorkerInit } from './protocol';
import { firstLine, withPooling, type Runner } from './runner';

/**
 * The CPU runtimes: a TF.js model or fused graph on the worker's own backend (tfRunner), and
 * the frozen part compiled to ONNX and run by ONNX Runtime (onnxRunner; the compiled graph's
 * runner alone is compiledRunner.ts).
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

/** the frozen part as the extractor's ONNX graph: the decoder's bytes in (any size up to the model's), pooled features out */
export function compileForExtraction(init: Pick<WorkerInit, 'pooling' | 'preprocessing' | 'featureDim'>, graph: FrozenGraph): CompiledGraph {
  const { bytes, inputName, outputName } = compileOnnx(withPooling(graph, init.pooling), {
    preprocessing: init.preprocessing,
    outputDim: init.featureDim,
    pixelType: 'uint8',
    resizeInside: true,
  });
  return { bytes, inputName, outputName };
}

export async function onnxRunner(init: WorkerInit, graph: FrozenGraph): Promise<{ runner: Runner; compiled: CompiledGraph }> {
  const compiled = compileForExtraction(init, graph);
  return { runner: await compiledRunner(init, compiled), compiled };
}

export const cannotOnnx = (e: unknown) =>
  new TransferLabError(
    'UNSUPPORTED',
    `ONNX Runtime cannot run this model: ${firstLine(e)}.`,
    'Use --extractor auto or tfjs: TF.js runs every layer it can load.',
  );

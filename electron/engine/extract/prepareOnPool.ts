import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadLayersBackbone } from '../models/loadBackbone';
import { optimizeFrozenGraph } from '../frozen/frozenGraph';
import { frozenGraphFromLayers } from '../frozen/fromLayers';
import { chooseFrozenDevice } from './chooseDevice';
import { compileForExtraction, tfRunner } from './cpuRunners';
import { hasCompiled } from './compiledCache';
import { paritySample } from './paritySample';
import { adapterFacts } from './adapterFacts';
import type { CompiledGraph, ParityReference, WorkerInit } from './protocol';

/**
 * Fault injection for tests of the way back: TRANSFER_LAB_FAULT_POOL_REFERENCE=fail makes the
 * reference fail once the graph was handed out, so the first worker checks it all itself. Unset
 * in normal use. Read at each call (tests in one process set it and clear it).
 */
const referenceFaultOn = () => process.env.TRANSFER_LAB_FAULT_POOL_REFERENCE === 'fail';

/**
 * A model's first extraction, prepared on the pool's own thread while its workers start: the
 * frozen part compiled to ONNX, and the plain TF.js model's features on the parity sample.
 * The first worker then only runs the compiled graph on that sample and compares (no TF.js
 * backend, no model of its own), and the others get the graph as soon as it is compiled. On a
 * 2-core machine a worker's start (threads, modules, the TF.js backend, the model, the graph,
 * the check) was most of a short extraction; here the compiling and the reference overlap the
 * workers' start instead of following it.
 *
 * Only where the first worker would have compiled and checked the graph itself: a layers model,
 * ONNX Runtime asked for or `auto` with no GPU to weigh, the check on, nothing kept in the
 * cache (the adapter is the pool's probe, the one its first worker gets). `onCompiled` hears of
 * the graph as soon as it is compiled; the reference is what this returns. Anything that goes
 * wrong returns null, and the first worker does it all as before (and reports what fails).
 */

export async function prepareOnPool(init: WorkerInit, onCompiled: (c: CompiledGraph) => void, signal?: AbortSignal): Promise<ParityReference | null> {
  if (!mayPrepareOnPool(init) || hasCompiled(init.cacheDir)) return null;
  if (init.runtime === 'auto') {
    // a GPU to weigh needs the worker's own runtimes side by side (weighRuntimes.ts)
    if ('next' in chooseFrozenDevice(await adapterFacts())) return null;
  }
  let model: tfl.LayersModel | null = null;
  try {
    model = await loadLayersBackbone(init.modelDir);
    // a stop meanwhile: the pool has closed its workers, and nothing here is wanted any more
    if (signal?.aborted) return null;
    const compiled = compileForExtraction(init, optimizeFrozenGraph(frozenGraphFromLayers(model, init.cut)));
    if (signal?.aborted) return null;
    onCompiled(compiled);
    const sample = await paritySample(init);
    if (signal?.aborted || referenceFaultOn()) return null;
    const cut = tfl.model({ inputs: model.inputs, outputs: model.getLayer(init.cut).output as tfl.SymbolicTensor });
    const plain = tfRunner(
      init,
      'layers',
      (x) => cut.predict(x) as tf.Tensor,
      () => undefined,
    );
    const features = await plain.infer(sample.pixels, sample.n, sample.size);
    return { sample, features };
  } catch {
    return null;
  } finally {
    model?.dispose();
  }
}

/**
 * Whether the pool may prepare at all, from its settings alone: a layers model, ONNX Runtime
 * asked for or `auto`, the check on, no graph given. The pool's first worker then waits for
 * what prepareOnPool makes (the rest of the conditions are asked there).
 */
export function mayPrepareOnPool(init: Pick<WorkerInit, 'format' | 'parityCheck' | 'compiled' | 'runtime'>): boolean {
  return init.format === 'layers' && init.parityCheck && !init.compiled && (init.runtime === 'auto' || init.runtime === 'onnx');
}

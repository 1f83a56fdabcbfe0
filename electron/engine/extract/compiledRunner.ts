import { createOnnxRunner } from '../frozen/onnx/onnxSession';
import type { CompiledGraph, WorkerInit } from './protocol';
import type { Runner } from './runner';

/*
 * The frozen part as a compiled ONNX graph on ONNX Runtime, and nothing else: a worker that
 * runs a graph already compiled and checked (by the pool's first worker, or kept in the cache)
 * imports this alone, with no TF.js, so it is up and extracting in a fraction of the time.
 */

/**
 * Fault injection for tests of the parity fallback: TRANSFER_LAB_FAULT_ONNX_SKEW=x adds x to
 * every feature ONNX Runtime computes, as a mistranslated graph would skew them. Unset in
 * normal use.
 */
const simulatedSkew = Number(process.env.TRANSFER_LAB_FAULT_ONNX_SKEW ?? 0);

export async function compiledRunner(init: WorkerInit, compiled: CompiledGraph): Promise<Runner> {
  const { height, width } = init.preprocessing;
  // ONNX Runtime takes only memory of its own: a graph shared between threads is copied first
  const bytes = compiled.bytes.buffer instanceof SharedArrayBuffer ? compiled.bytes.slice() : compiled.bytes;
  const session = await createOnnxRunner(bytes, {
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

/**
 * The graph in memory the pool's threads share: posted to the pool and from it to the other
 * workers, it is not copied at each hop. A structured clone of Inception v3's 87 MB graph took
 * 0.7 s here, twice on the way; a copy into shared memory and one out of it take a few tens of ms.
 */
export function sharedCompiled(c: CompiledGraph): CompiledGraph {
  if (c.bytes.buffer instanceof SharedArrayBuffer) return c;
  const bytes = new Uint8Array(new SharedArrayBuffer(c.bytes.byteLength));
  bytes.set(c.bytes);
  return { ...c, bytes };
}

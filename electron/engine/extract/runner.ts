import { valueRanks, type FrozenGraph } from '../frozen/frozenGraph';
import type { CompiledGraph, RuntimeName } from './protocol';
import type { DeviceFacts } from './chooseDevice';

/**
 * The runtimes an extraction worker can run the frozen part on, behind one shape: the
 * decoder's RGB bytes in ([n, height, width, 3], at the model's input size or smaller — see
 * decodeForModel), pooled features out. Both enlarge the smaller ones bilinearly with
 * half-pixel centres and map the bytes onto the model's value range: TF.js in its ops, a
 * compiled ONNX graph inside itself. The CPU runtimes are in cpuRunners.ts, the GPU ones in
 * gpuRunners.ts, and runners.ts picks among them.
 */
export interface Runner {
  runtime: RuntimeName;
  /** who runs it where the runtime's name does not say (a GPU's kernels: shared/gpuEngines.ts) */
  engine?: string;
  /** `size`: the pixels' [height, width]; the model's input size when left out */
  infer(pixels: Uint8Array, n: number, size?: readonly [number, number]): Promise<Float32Array>;
  /** releases the runtime; called only when no `infer` is in flight */
  dispose(): void | Promise<void>;
}

/** a GPU runtime, and why faster kernels than the ones it runs were not had */
export type GpuRunner = Runner & { fallbackReason?: string };

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
  runner?: GpuRunner;
  /** the plain TF.js model the GPU's features are checked against */
  reference: Runner;
  /** told when the worker keeps the GPU: from then on a GPU that fails hands over to the CPU instead of failing the check */
  onChosen?: () => void;
}

/** the frozen part with the bottleneck's pooling on top, as the cache stores it */
export function withPooling(g: FrozenGraph, pooling: 'avg' | 'none'): FrozenGraph {
  if (pooling !== 'avg' || valueRanks(g).get(g.output) !== 4) return g;
  const name = `${g.output}/transfer_lab_pool`;
  return { ...g, nodes: [...g.nodes, { op: 'globalAvgPool', name, inputs: [g.output], keepDims: false }], output: name };
}

export const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? String(e);

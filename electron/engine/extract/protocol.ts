import type { Preprocessing } from '../../../shared/preprocessing';
import type { BackendPreference } from '../tf/backend';
import type { AugmentParams } from '../images/augment';
import type { MessagePort } from 'node:worker_threads';
import type { AdapterProbe } from './adapterFacts';
import type { ParitySample } from './paritySample';

/** Messages between the extraction pool and its worker threads (plain data only). */

/**
 * What the user asks for: auto (ONNX Runtime, else TF.js), onnx, tfjs (TF.js's fused graph,
 * else the plain model), or one of TF.js's two ways by name.
 */
export type ExtractorRuntime = 'auto' | 'onnx' | 'tfjs' | 'fused' | 'layers' | 'webgpu';
export const extractorRuntimes: readonly ExtractorRuntime[] = ['auto', 'onnx', 'tfjs', 'fused', 'layers', 'webgpu'];
/** what a worker really runs: a compiled ONNX graph, TF.js's fused graph, the plain TF.js layers or graph model */
export type RuntimeName = 'onnx' | 'fused' | 'layers' | 'graph' | 'webgpu';

export interface WorkerInit {
  modelDir: string;
  format: 'layers' | 'graph';
  cut: string;
  pooling: 'avg' | 'none';
  preprocessing: Preprocessing;
  backend: BackendPreference;
  runtime: ExtractorRuntime;
  cacheDir: string;
  featureDim: number;
  /** check a compiled runtime against the plain TF.js model before trusting it */
  parityCheck: boolean;
  /** images of the dataset to check it on (the first that decode; noise if none does) */
  parityImages?: string[];
  /** threads for a runtime that has its own (ONNX Runtime): the cores shared among the workers */
  threads: number;
  /**
   * The ONNX graph another worker of the pool compiled and checked: this one runs it as it
   * is, without loading the TF.js model at all.
   */
  compiled?: CompiledGraph;
  /**
   * `auto` times the GPU against the CPU path on a batch of this many images (the pool's), and
   * counts the CPU path's speed for this many workers (the GPU's for one: they share it)
   */
  timing?: { batch: number; workers: number };
  /**
   * Boot (threads, modules, the TF.js backend) and then wait for a 'start' message that says
   * how to run: the pool boots its other workers while the first one compiles and checks.
   * 'first': the pool's first worker, waiting for what the pool's thread prepares (prepareOnPool.ts).
   */
  deferred?: boolean | 'first';
  /**
   * The desktop app's GPU window, bridged to this worker (gpuWindowLink.ts): `webgpu`, and
   * `auto`, run the frozen part there. Only the pool's first worker gets it.
   */
  gpuWindowPort?: MessagePort;
  /** the pool probes the GPU adapter itself and sends what it found ('adapter'): this worker waits for that instead of probing */
  adapterFromPool?: boolean;
  /**
   * The pool's own thread compiled `compiled` and runs the plain TF.js model on the parity
   * sample while this worker starts (prepareOnPool.ts): the worker readies ONNX Runtime, waits
   * for the TF.js model's features (a 'reference' message) and checks its own against them
   * before it trusts the graph, with no TF.js model of its own.
   */
  referenceFromPool?: boolean;
}

/** the plain TF.js model's features on the parity sample, for a compiled graph to be checked against */
export interface ParityReference {
  sample: ParitySample;
  features: Float32Array;
}

/** how a deferred worker is to run, once the pool's first worker has settled it */
export interface StartSettings {
  runtime: ExtractorRuntime;
  parityCheck: boolean;
  compiled?: CompiledGraph;
  referenceFromPool?: boolean;
}

/** a compiled frozen part, as it crosses threads */
export interface CompiledGraph {
  bytes: Uint8Array;
  inputName: string;
  outputName: string;
}

export interface JobItem {
  absPath: string;
  hash: string;
  /** an augmented variant: how to transform the image before the network sees it */
  augment?: AugmentParams;
  /** cache file to write */
  file: string;
}

/**
 * What the pool tells a worker. A worker is never terminated while it may be inside native
 * code (ONNX Runtime's `run`, sharp's decoding, a GPU runtime's dispatch): ending a thread there
 * aborts the whole process. So it is asked to stop and ends on its own:
 * - 'stop': drop the jobs not yet begun, let the one in progress finish (its features are
 *   written), answer 'stopped' with the dropped ids; the worker stays ready for more jobs;
 * - 'close': the same, then release the runtime, answer 'closed' and let the thread end. A
 *   worker still booting finishes the step it is in first, then closes.
 */
export type ToWorker =
  | { type: 'job'; id: number; items: JobItem[] }
  | { type: 'start'; settings: StartSettings }
  | { type: 'adapter'; probe: AdapterProbe }
  /** the plain TF.js model's features for a worker that waits for them (null: the pool could not make them) */
  | { type: 'reference'; reference: ParityReference | null }
  | { type: 'stop' }
  | { type: 'close' };

/**
 * Beside its WorkerInit, each worker gets one shared counter: how many native calls it has in
 * flight. The pool reads it before it would ever terminate a worker that ignored 'close'.
 */
export interface WorkerData extends WorkerInit {
  nativeCalls: Int32Array;
}

export interface ItemResult {
  hash: string;
  ok: boolean;
  reason?: string;
}

export type FromWorker =
  | {
      type: 'ready';
      backend: string;
      /** the TF.js backend this worker loaded; null for a worker that runs a compiled graph on ONNX Runtime alone */ tfBackend: string | null;
      runtime: RuntimeName;
      /** whose kernels run it, where the runtime does not say (shared/gpuEngines.ts) */ engine?: string;
      fallbackReason?: string;
      /** why this device (auto weighed the GPU), e.g. "the only GPU adapter is software (SwiftShader)…" */ deviceReason?: string;
      parityMaxDiff?: number;
      compiled?: CompiledGraph;
      /** the compiled graph and its parity verdict came from the feature cache's folder (compiledCache.ts) */ compiledFromCache?: boolean;
    }
  | { type: 'done'; id: number; results: ItemResult[]; inferSeconds: number; decodeSeconds: number }
  | { type: 'backoff'; batchSize: number; reason: string }
  /** the worker left the GPU window for the CPU path in the middle of the extraction (gpuWindowRunner.ts) */
  | { type: 'switched'; runtime: RuntimeName; reason: string }
  | { type: 'stopped'; dropped: number[] }
  | { type: 'closed' }
  | { type: 'fatal'; error: { code: string; message: string; hint?: string } };

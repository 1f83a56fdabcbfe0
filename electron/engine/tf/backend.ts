import util from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmConvGradients } from './wasmGradients';
import { TransferLabError } from '../../../shared/errors';

/**
 * Picks the fastest TensorFlow.js backend that loads here and says which and why.
 * Order: tfjs-node-gpu (CUDA; counted as a GPU only when its binding says it runs on one) → tfjs-node (libtensorflow on the CPU) → wasm (XNNPACK, SIMD) →
 * plain JavaScript. The two native ones are optional dependencies whose install downloads
 * libtensorflow; on Jetson/arm64 no prebuilt build exists, so wasm and cpu are first-class.
 */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;
export const backendPreferences: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface BackendAttempt {
  candidate: string;
  ok: boolean;
  error?: string;
}

export interface BackendChoice {
  /** the tfjs backend name now active: 'tensorflow', 'wasm' or 'cpu' */
  name: BackendName;
  /** the npm package that provides it */
  provider: string;
  /** true only when the backend really computes on a GPU device (for tfjs-node-gpu: its binding says so) */
  gpu: boolean;
  /** a sentence for the user: why this one */
  reason: string;
  /** why no GPU runs this backend's work, when none does (e.g. tfjs-node-gpu loaded but TensorFlow found no GPU) */
  noGpuReason?: string;
  attempts: BackendAttempt[];
}

/**
 * Whether a loaded TF.js backend computes on a GPU device. tfjs-node-gpu loads and runs on the CPU
 * when CUDA 11.2 / cuDNN 8.1 are missing (e.g. a CUDA 12 machine): only its binding knows, through
 * `isUsingGpuDevice` (a property of the backend in tfjs-node 4, a function of the binding).
 * Anything that does not say so is not a GPU.
 */
export function backendUsesGpu(backend: unknown): boolean {
  if (!backend || typeof backend !== 'object') return false;
  const b = backend as { isUsingGpuDevice?: unknown; binding?: { isUsingGpuDevice?: unknown } };
  if (typeof b.isUsingGpuDevice === 'boolean') return b.isUsingGpuDevice;
  if (typeof b.isUsingGpuDevice === 'function') return (b.isUsingGpuDevice as () => unknown).call(b) === true;
  const fromBinding = b.binding?.isUsingGpuDevice;
  if (typeof fromBinding === 'function') return (fromBinding as () => unknown).call(b.binding) === true;
  return false;
}

/** The sentence for a choice that runs on no GPU. */
export function noGpuReasonFor(provider: string, claimedGpu: boolean, attempts: BackendAttempt[], pref: BackendPreference = 'auto'): string {
  if (claimedGpu) {
    return `${provider} loaded but TensorFlow found no GPU device (it needs CUDA 11.2 and cuDNN 8.1): it runs on the CPU`;
  }
  const gpuAttempt = attempts.find((a) => a.candidate === '@tensorflow/tfjs-node-gpu');
  if (gpuAttempt && !gpuAttempt.ok) return `@tensorflow/tfjs-node-gpu: ${gpuAttempt.error ?? 'failed'}`;
  // asked for by name: no GPU backend was tried (saying "wasm runs on the CPU" would say nothing)
  if (pref !== 'auto') return `the backend was set to ${pref} (${provider}), so no GPU backend was tried`;
  return `${provider} runs on the CPU`;
}

interface Candidate {
  name: BackendName;
  provider: string;
  gpu: boolean;
  load: () => Promise<void>;
}

/**
 * tfjs-node 4.22 calls util.isNullOrUndefined, removed from Node ≥ 23 (Electron 45 runs
 * Node 24): put it back before the native binding loads.
 */
function polyfillNodeUtil(): void {
  const u = util as unknown as Record<string, unknown>;
  if (typeof u.isNullOrUndefined !== 'function') {
    u.isNullOrUndefined = (v: unknown) => v === null || v === undefined;
  }
}

const candidates: Candidate[] = [
  {
    name: 'tensorflow',
    provider: '@tensorflow/tfjs-node-gpu',
    gpu: true,
    load: async () => {
      polyfillNodeUtil();
      await import('@tensorflow/tfjs-node-gpu' as string);
    },
  },
  {
    name: 'tensorflow',
    provider: '@tensorflow/tfjs-node',
    gpu: false,
    load: async () => {
      polyfillNodeUtil();
      await import('@tensorflow/tfjs-node' as string);
    },
  },
  {
    name: 'wasm',
    provider: '@tensorflow/tfjs-backend-wasm',
    gpu: false,
    load: async () => {
      await import('@tensorflow/tfjs-backend-wasm');
    },
  },
  {
    name: 'cpu',
    provider: '@tensorflow/tfjs-backend-cpu',
    gpu: false,
    load: async () => {
      await import('@tensorflow/tfjs-backend-cpu');
    },
  },
];

let current: BackendChoice | null = null;

function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const firstLine = msg.split('\n')[0] ?? msg;
  if (/Cannot find (module|package)/i.test(firstLine)) return 'not installed';
  return firstLine.length > 160 ? `${firstLine.slice(0, 157)}...` : firstLine;
}

/**
 * The wasm backend's Emscripten runtime installs process-wide uncaughtException and
 * unhandledRejection handlers that rethrow, which turns any stray error into a crash that
 * prints a megabyte of minified code. Error handling is the application's job: take them off.
 */
async function withoutForeignProcessHandlers<T>(work: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const listeners = (e: string) => process.listeners(e as 'uncaughtException') as ((...args: unknown[]) => void)[];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  try {
    return await work();
  } finally {
    for (const e of events) {
      for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  }
}

async function tryCandidate(c: Candidate): Promise<void> {
  await withoutForeignProcessHandlers(async () => {
    await c.load();
    await tf.setBackend(c.name).catch(() => false);
    await tf.ready().catch(() => undefined);
  });
  const ok = tf.getBackend() === c.name;
  if (!ok) throw new Error(`tf.setBackend('${c.name}') failed`);
  // a smoke test: a backend that registers but cannot compute is no backend
  const probe = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]);
  if (probe !== 6) throw new Error('smoke test gave a wrong result');
}

function reasonFor(choice: Candidate, pref: BackendPreference, attempts: BackendAttempt[]): string {
  if (pref !== 'auto') return `${choice.provider} (forced with --backend ${pref})`;
  const failed = attempts.filter((a) => !a.ok).map((a) => `${a.candidate}: ${a.error ?? 'failed'}`);
  const why: Record<string, string> = {
    '@tensorflow/tfjs-node-gpu': 'native TensorFlow built for CUDA',
    '@tensorflow/tfjs-node': 'native TensorFlow on the CPU',
    '@tensorflow/tfjs-backend-wasm': 'WebAssembly with XNNPACK and SIMD, the fastest that loaded',
    '@tensorflow/tfjs-backend-cpu': 'plain JavaScript, the slowest but always available',
  };
  const head = `${choice.provider}: ${why[choice.provider] ?? ''}`;
  return failed.length ? `${head} (skipped ${failed.join('; ')})` : head;
}

/**
 * Whether tensors on the active backend can be read synchronously (dataSync): on TF.js's WebGPU
 * backend in Node such a read throws (no OffscreenCanvas), so code there reads with `await data()`.
 */
export const readsSynchronously = (): boolean => tf.getBackend() !== 'webgpu';

/**
 * Whether the active backend computes on the CPU, where reading a tensor is a copy in memory:
 * wasm, the CPU backend, tfjs-node without a GPU device. Not WebGPU nor tfjs-node-gpu on CUDA,
 * where a read waits for the device and crosses to the host.
 */
export const computesOnCpu = (): boolean => readsSynchronously() && !backendUsesGpu(tf.backend());

/** Loads and activates a backend. Safe to call again: the first choice stays. */
export async function initBackend(pref: BackendPreference = 'auto'): Promise<BackendChoice> {
  if (current && (pref === 'auto' || pref === current.name)) return current;
  const attempts: BackendAttempt[] = [];
  const pool = pref === 'auto' ? candidates : candidates.filter((c) => c.name === pref);
  if (pool.length === 0) {
    throw new TransferLabError('BAD_ARGUMENT', `Unknown backend "${pref}".`, `Use one of: ${backendPreferences.join(', ')}.`);
  }
  for (const c of pool) {
    try {
      await tryCandidate(c);
      attempts.push({ candidate: c.provider, ok: true });
      const gpu = c.gpu && backendUsesGpu(tf.backend());
      const choice: BackendChoice = { name: c.name, provider: c.provider, gpu, reason: reasonFor(c, pref, attempts), attempts };
      if (!gpu) {
        choice.noGpuReason = noGpuReasonFor(c.provider, c.gpu, attempts, pref);
        if (c.gpu) choice.reason = `${choice.reason}; ${choice.noGpuReason}`;
      }
      // wasm's slow backward kernels (a matrix product with a transposed operand: the head's
      // weight gradient) get their fast paths for every training, not only for fine-tuning
      if (c.name === 'wasm') registerWasmConvGradients();
      current = choice;
      return current;
    } catch (e) {
      attempts.push({ candidate: c.provider, ok: false, error: describe(e) });
    }
  }
  const available = await availableBackends();
  throw new TransferLabError(
    'BACKEND_UNAVAILABLE',
    `The ${pref} backend could not be loaded (${attempts.map((a) => `${a.candidate}: ${a.error}`).join('; ')}).`,
    available.length
      ? `Available here: ${available.join(', ')}. Use --backend ${available[0]} or --backend auto.`
      : 'No TensorFlow.js backend loads here; reinstall with npm install.',
  );
}

/** Which backend names can be loaded here, without switching to them for good. */
export async function availableBackends(): Promise<BackendName[]> {
  const names: BackendName[] = [];
  for (const c of candidates) {
    if (names.includes(c.name)) continue;
    try {
      await withoutForeignProcessHandlers(c.load);
      if (tf.findBackendFactory(c.name)) names.push(c.name);
    } catch {
      // not available: that is what we are finding out
    }
  }
  return names;
}

export function currentBackend(): BackendChoice | null {
  return current;
}

/**
 * Fine-tuning convolutions needs their gradient kernels. TF.js's wasm backend lacks some;
 * wasmGradients.ts adds them, built from kernels it has. Any other backend without them
 * (none known) trains on the JavaScript CPU backend until the returned function switches back.
 */
export async function ensureConvolutionGradients(): Promise<{ switched: string | null; restore: () => Promise<void> }> {
  const active = tf.getBackend();
  if (active === 'wasm') registerWasmConvGradients();
  const has = (k: string) => tf.getKernel(k, active) !== undefined;
  if (has('Conv2DBackpropFilter') && has('DepthwiseConv2dNativeBackpropFilter') && has('DepthwiseConv2dNativeBackpropInput'))
    return { switched: null, restore: async () => undefined };
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  return {
    switched: `${active} has no convolution gradients: the fine-tuned layers train on @tensorflow/tfjs-backend-cpu`,
    restore: async () => {
      await tf.setBackend(active);
    },
  };
}

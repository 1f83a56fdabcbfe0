import type { AdapterFacts } from '../devices/probeDevices';

/**
 * Whether `auto` runs the frozen part on the GPU (TF.js's WebGPU backend) or on the CPU path
 * (ONNX Runtime, else TF.js), decided from facts alone so every branch is testable without a
 * GPU. The facts come one at a time, cheapest first: the adapter (free), then the GPU runtime's
 * start and its parity check (a model load and two images), then a timing of both paths on the
 * same batch. Where a fact is still missing the answer is which to gather next; a machine
 * without a hardware adapter never pays for more than the probe.
 */
export interface DeviceFacts {
  /** the adapter Dawn found, or null (then `noAdapterReason` says why) */
  adapter: Pick<AdapterFacts, 'name' | 'vendor' | 'architecture' | 'software'> | null;
  noAdapterReason?: string;
  /** the WebGPU runtime's start: undefined until tried */
  gpuStart?: { ok: true } | { ok: false; error: string };
  /** the GPU's features against the plain TF.js model's: undefined until checked */
  parity?: { passed: boolean; maxDiff: number };
  /** both paths on the same images, after a warm-up: undefined until measured */
  timing?: { gpuImagesPerSecond: number; cpuImagesPerSecond: number };
}

export type DeviceDecision = { device: 'gpu' | 'cpu'; why: string } | { next: 'start' | 'parity' | 'timing' };

/** how people know a software adapter: SwiftShader, lavapipe, or its own name */
export function adapterLabel(a: Pick<AdapterFacts, 'name' | 'vendor' | 'architecture'>): string {
  const text = `${a.architecture} ${a.name} ${a.vendor}`.toLowerCase();
  if (text.includes('swiftshader')) return 'SwiftShader';
  if (/lavapipe|llvmpipe/.test(text)) return 'lavapipe';
  return a.name || a.architecture || a.vendor || 'unnamed';
}

const speed = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

export function chooseFrozenDevice(f: DeviceFacts): DeviceDecision {
  if (!f.adapter) return { device: 'cpu', why: `no GPU adapter: ${f.noAdapterReason ?? 'Dawn found none'}` };
  if (f.adapter.software) return { device: 'cpu', why: `the only GPU adapter is software (${adapterLabel(f.adapter)}): it is for tests, never for speed` };
  if (!f.gpuStart) return { next: 'start' };
  if (!f.gpuStart.ok) return { device: 'cpu', why: `WebGPU on ${adapterLabel(f.adapter)} did not start: ${f.gpuStart.error}` };
  if (!f.parity) return { next: 'parity' };
  if (!f.parity.passed)
    return {
      device: 'cpu',
      why: `WebGPU on ${adapterLabel(f.adapter)} failed the parity check against TF.js (relative difference ${f.parity.maxDiff.toExponential(2)})`,
    };
  if (!f.timing) return { next: 'timing' };
  const { gpuImagesPerSecond: gpu, cpuImagesPerSecond: cpu } = f.timing;
  // a tie stays on the CPU: it is the path with the longer record
  if (!(gpu > cpu))
    return {
      device: 'cpu',
      why: `WebGPU on ${adapterLabel(f.adapter)} was slower than the CPU path on the first images (${speed(gpu)} against ${speed(cpu)} images/s)`,
    };
  return {
    device: 'gpu',
    why: `WebGPU on ${adapterLabel(f.adapter)} was faster than the CPU path on the first images (${speed(gpu)} against ${speed(cpu)} images/s) and passed the parity check`,
  };
}

import type { RgbImage } from '../images/decodeImage';
import { decodeForModel } from '../images/modelPixels';
import { chooseFrozenDevice } from './chooseDevice';
import { parityTolerance, relativeDiff } from './parity';
import type { GpuCandidate, Runner } from './runner';
import { pack } from './batchInference';
import type { WorkerContext } from './workerContext';

interface Sample {
  input: Uint8Array;
  n: number;
  size: readonly [number, number];
  /** how many came from the dataset (0: random pixels stood in) */
  fromDataset: number;
}

/** fault injection for tests of the GPU's win (gpuRunners.ts says more): the CPU path's speed × this */
const simulatedCpuRate = Number(process.env.TRANSFER_LAB_FAULT_CPU_RATE ?? 1);

/**
 * How a worker weighs the runtimes it built before it trusts one: a compiled runtime against
 * the plain TF.js model (the parity check), and `auto`'s GPU against the CPU path (parity, then
 * speed), all on the same sample of the dataset's images.
 */
export class RuntimeWeighing {
  private sample: Sample | undefined;

  constructor(private readonly ctx: WorkerContext) {}

  /** how many of the dataset's images the checks ran on (0: random pixels, or none ran) */
  get checkedOn(): number {
    return this.sample?.fromDataset ?? 0;
  }

  /**
   * The dataset's first images (the ones the pool was given to check with), decoded as the
   * extraction decodes them, so a small image's enlargement is checked too. Pixels of random
   * noise stand in only when none of those images decodes.
   */
  private async paritySample(): Promise<Sample> {
    if (this.sample) return this.sample;
    const { init, native } = this.ctx;
    const { height, width, resize } = init.preprocessing;
    const samples: RgbImage[] = [];
    for (const file of init.parityImages ?? []) {
      if (samples.length === 2) break;
      try {
        const img = await native(() => decodeForModel(file, { width, height, resize }));
        if (!samples.length || (img.width === samples[0]!.width && img.height === samples[0]!.height)) samples.push(img);
      } catch {
        // a broken image is the extraction's to report; try the next
      }
    }
    const fromDataset = samples.length;
    if (!fromDataset) {
      const data = new Uint8Array(height * width * 3);
      for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
      samples.push({ data, width, height });
    }
    this.sample = { input: pack(samples), n: samples.length, size: [samples[0]!.height, samples[0]!.width], fromDataset };
    return this.sample;
  }

  /**
   * A compiled runtime earns its trust before it writes anything: the sample goes through the
   * plain TF.js model too, and a difference beyond the tolerance hands the work to TF.js.
   */
  async checkParity(ref: Runner, own: Runner): Promise<{ maxDiff: number; images: number; fallbackReason?: string }> {
    const { native } = this.ctx;
    const { input, n, size, fromDataset } = await this.paritySample();
    const maxDiff = relativeDiff(await native(() => ref.infer(input, n, size)), await native(() => own.infer(input, n, size)));
    if (maxDiff <= parityTolerance) return { maxDiff, images: fromDataset };
    return {
      maxDiff,
      images: fromDataset,
      fallbackReason: `${own.runtime} failed the parity check against TF.js (relative difference ${maxDiff.toExponential(2)} on ${fromDataset ? `${n} of the dataset's images` : 'random pixels'})`,
    };
  }

  /**
   * Images a second of a runner on a batch of the sample's images repeated to the pool's batch
   * size, after one warm-up run (a GPU compiles its shaders there, ONNX Runtime plans its memory).
   */
  private async imagesPerSecond(r: Runner): Promise<number> {
    const { native } = this.ctx;
    const { input, n, size } = await this.paritySample();
    const batch = Math.max(1, this.ctx.init.timing?.batch ?? n);
    const x = new Uint8Array(batch * (input.length / n));
    for (let i = 0; i < batch; i++) x.set(input.subarray((i % n) * (input.length / n), ((i % n) + 1) * (input.length / n)), i * (input.length / n));
    await native(() => r.infer(x, batch, size));
    const t0 = performance.now();
    await native(() => r.infer(x, batch, size));
    return batch / Math.max((performance.now() - t0) / 1000, 1e-6);
  }

  /**
   * `auto`'s choice between the CPU path it built and the GPU (chooseDevice.ts): the facts
   * gathered one at a time, as long as the decision asks for the next.
   */
  async weighGpu(gpu: GpuCandidate, cpu: Runner): Promise<{ device: 'gpu' | 'cpu'; why: string; parityMaxDiff?: number }> {
    let facts = gpu.facts;
    let parityMaxDiff: number | undefined;
    for (;;) {
      const d = chooseFrozenDevice(facts);
      if (!('next' in d)) return { ...d, ...(parityMaxDiff !== undefined ? { parityMaxDiff } : {}) };
      if (d.next === 'start' || !gpu.runner) return { device: 'cpu', why: 'WebGPU did not start' };
      if (this.ctx.closing) return { device: 'cpu', why: 'stopped while the GPU was weighed' };
      if (d.next === 'parity') {
        const p = await this.checkParity(gpu.reference, gpu.runner).catch((e: unknown) => ({ maxDiff: Number.POSITIVE_INFINITY, error: e }));
        if ('error' in p) return { device: 'cpu', why: `WebGPU failed while checked: ${(p.error as Error).message.split('\n')[0]}` };
        parityMaxDiff = p.maxDiff;
        facts = { ...facts, parity: { passed: !p.fallbackReason, maxDiff: p.maxDiff } };
      } else {
        const gpuRate = await this.imagesPerSecond(gpu.runner).catch(() => 0);
        // the pool's workers share the cores (the CPU path's threads were planned so) but one GPU
        const cpuRate = (await this.imagesPerSecond(cpu)) * Math.max(1, this.ctx.init.timing?.workers ?? 1) * simulatedCpuRate;
        facts = { ...facts, timing: { gpuImagesPerSecond: gpuRate, cpuImagesPerSecond: cpuRate } };
      }
    }
  }
}

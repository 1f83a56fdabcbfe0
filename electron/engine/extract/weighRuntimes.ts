import { chooseFrozenDevice } from './chooseDevice';
import { parityFailure, relativeDiff } from './parity';
import { paritySample, type ParitySample } from './paritySample';
import type { GpuCandidate, Runner } from './runner';
import type { WorkerContext } from './workerContext';

/** fault injection for tests of the GPU's win (gpuRunners.ts says more): the CPU path's speed × this */
const simulatedCpuRate = Number(process.env.TRANSFER_LAB_FAULT_CPU_RATE ?? 1);

/**
 * How a worker weighs the runtimes it built before it trusts one: a compiled runtime against
 * the plain TF.js model (the parity check), and `auto`'s GPU against the CPU path (parity, then
 * speed), all on the same sample of the dataset's images.
 */
export class RuntimeWeighing {
  private sample: ParitySample | undefined;

  constructor(private readonly ctx: WorkerContext) {}

  /** how many of the dataset's images the checks ran on (0: random pixels, or none ran) */
  get checkedOn(): number {
    return this.sample?.fromDataset ?? 0;
  }

  private async paritySample(): Promise<ParitySample> {
    this.sample ??= await paritySample(this.ctx.init, this.ctx.native);
    return this.sample;
  }

  /**
   * A compiled runtime earns its trust before it writes anything: the sample goes through the
   * plain TF.js model too, and a difference beyond the tolerance hands the work to TF.js.
   */
  async checkParity(ref: Runner, own: Runner): Promise<{ maxDiff: number; images: number; fallbackReason?: string }> {
    const { native } = this.ctx;
    const { pixels: input, n, size, fromDataset } = await this.paritySample();
    const maxDiff = relativeDiff(await native(() => ref.infer(input, n, size)), await native(() => own.infer(input, n, size)));
    const fallbackReason = parityFailure(own.runtime, maxDiff, n, fromDataset);
    return { maxDiff, images: fromDataset, ...(fallbackReason ? { fallbackReason } : {}) };
  }

  /**
   * Images a second of a runner on a batch of the sample's images repeated to the pool's batch
   * size, after one warm-up run (a GPU compiles its shaders there, ONNX Runtime plans its memory).
   */
  private async imagesPerSecond(r: Runner): Promise<number> {
    const { native } = this.ctx;
    const { pixels: input, n, size } = await this.paritySample();
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

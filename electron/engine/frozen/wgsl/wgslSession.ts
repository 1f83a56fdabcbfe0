/// <reference types="@webgpu/types" />
import type { WgslPlan } from './compileWgsl';

/**
 * Runs a compiled WGSL plan (compileWgsl.ts) on a WebGPU device: weights uploaded once, one
 * compute pass per batch with a dispatch per op, the features read back at the end. Batches
 * are planned from the device's limits (the largest buffer a shader may bind, the workgroups a
 * dimension takes) and a memory budget, not from CPU caches: a larger batch from the caller is
 * run in parts.
 */

export interface WgslSessionOptions {
  /** bytes of activations the session may hold at once (default 1 GiB) */
  memoryBudget?: number;
  /** the most images a batch plans for (default 256) */
  batchCap?: number;
}

export interface BatchPlan {
  maxBatch: number;
  /** which limit set it */
  limitedBy: 'binding size' | 'memory budget' | 'workgroups' | 'cap';
}

/** the largest batch every slot, the memory budget and the dispatch sizes allow */
export function planBatch(
  plan: WgslPlan,
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number; maxComputeWorkgroupsPerDimension: number },
  o: WgslSessionOptions = {},
): BatchPlan {
  const maxSlot = Math.max(...plan.slots) * 4;
  const total = plan.slots.reduce((a, b) => a + b, 0) * 4;
  const candidates: [number, BatchPlan['limitedBy']][] = [
    [Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / maxSlot), 'binding size'],
    [Math.floor((o.memoryBudget ?? 2 ** 30) / total), 'memory budget'],
    [plan.maxGemmRowsPerImage ? Math.floor((limits.maxComputeWorkgroupsPerDimension * 32) / plan.maxGemmRowsPerImage) : Infinity, 'workgroups'],
    [o.batchCap ?? 256, 'cap'],
  ];
  const [maxBatch, limitedBy] = candidates.reduce((a, b) => (b[0] < a[0] ? b : a));
  if (maxBatch < 1) throw new Error(`one image needs more GPU memory than this device allows a buffer (${(maxSlot / 2 ** 20).toFixed(0)} MiB)`);
  return { maxBatch, limitedBy };
}

export class WgslSession {
  private slotBuffers: GPUBuffer[] = [];
  private slotBatch = 0;
  private pixels: GPUBuffer | null = null;
  private readback: GPUBuffer | null = null;
  private bindGroups: GPUBindGroup[] | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private lost: string | null = null;

  private constructor(
    private readonly device: GPUDevice,
    private readonly plan: WgslPlan,
    private readonly pipelines: GPUComputePipeline[],
    private readonly weights: GPUBuffer[],
    private readonly params: GPUBuffer,
    readonly batch: BatchPlan,
    readonly adapter: GPUAdapterInfo,
  ) {
    void device.lost.then((info) => {
      this.lost = info.message || 'the GPU device was lost';
    });
  }

  /** the device with the adapter's own limits, every shader compiled, the weights uploaded; rejects with the compiler's message */
  static async create(gpu: GPU, plan: WgslPlan, o: WgslSessionOptions = {}): Promise<WgslSession> {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('no WebGPU adapter');
    const { maxStorageBufferBindingSize, maxBufferSize, maxComputeWorkgroupsPerDimension, maxStorageBuffersPerShaderStage } = adapter.limits;
    const needBuffers = Math.max(...plan.steps.map((s) => s.bindings.length));
    if (needBuffers > maxStorageBuffersPerShaderStage)
      throw new Error(`an op binds ${needBuffers} buffers; this adapter allows ${maxStorageBuffersPerShaderStage}`);
    const device = await adapter.requestDevice({
      requiredLimits: { maxStorageBufferBindingSize, maxBufferSize, maxComputeWorkgroupsPerDimension, maxStorageBuffersPerShaderStage },
    });
    try {
      const batch = planBatch(plan, device.limits, o);
      device.pushErrorScope('validation');
      const modules = new Map<string, GPUShaderModule>();
      const pipelines = await Promise.all(
        plan.steps.map(async (s) => {
          let module = modules.get(s.code);
          if (!module) modules.set(s.code, (module = device.createShaderModule({ code: s.code, label: s.name })));
          return device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: s.name }).catch(async (e: unknown) => {
            const info = await module.getCompilationInfo();
            const first = info.messages.find((m) => m.type === 'error');
            throw new Error(`the WGSL kernel of ${s.name} did not compile: ${first ? `${first.message} (line ${first.lineNum})` : (e as Error).message}`);
          });
        }),
      );
      const weights = plan.weights.map((w) => {
        const b = device.createBuffer({ size: Math.max(4, w.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(b, 0, w.buffer, w.byteOffset, w.byteLength);
        return b;
      });
      const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      const error = await device.popErrorScope();
      if (error) throw new Error(`WebGPU refused the compiled graph: ${error.message.split('\n')[0]}`);
      return new WgslSession(device, plan, pipelines, weights, params, batch, adapter.info);
    } catch (e) {
      device.destroy();
      throw e;
    }
  }

  /** pixels: [n, size[0], size[1], 3] bytes; features [n, output] back */
  run(pixels: Uint8Array, n: number, size: readonly [number, number] = this.plan.input): Promise<Float32Array> {
    const next = this.queue.then(() => this.runAll(pixels, n, size));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runAll(pixels: Uint8Array, n: number, size: readonly [number, number]): Promise<Float32Array> {
    const per = this.plan.output.perImage;
    const bytesPerImage = size[0] * size[1] * 3;
    if (pixels.length < n * bytesPerImage) throw new Error(`${pixels.length} bytes are fewer than ${n} images of ${size[0]}×${size[1]}`);
    const out = new Float32Array(n * per);
    for (let at = 0; at < n; at += this.batch.maxBatch) {
      const b = Math.min(this.batch.maxBatch, n - at);
      out.set(await this.runBatch(pixels.subarray(at * bytesPerImage, (at + b) * bytesPerImage), b, size), at * per);
    }
    return out;
  }

  private buffer(old: GPUBuffer | null, bytes: number, usage: number): GPUBuffer {
    if (old && old.size >= bytes) return old;
    old?.destroy();
    this.bindGroups = null;
    return this.device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage });
  }

  private async runBatch(pixels: Uint8Array, n: number, size: readonly [number, number]): Promise<Float32Array> {
    if (this.lost) throw new Error(`WebGPU: ${this.lost}`);
    const { device, plan } = this;
    if (n > this.slotBatch) {
      for (const b of this.slotBuffers) b.destroy();
      // sized for the largest batch seen so far, within the plan
      this.slotBatch = Math.min(this.batch.maxBatch, Math.max(n, this.slotBatch * 2));
      this.slotBuffers = plan.slots.map((floats) =>
        device.createBuffer({ size: floats * 4 * this.slotBatch, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC }),
      );
      this.bindGroups = null;
    }
    const padded = Math.ceil(pixels.length / 4) * 4;
    this.pixels = this.buffer(this.pixels, padded, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
    const outBytes = n * plan.output.perImage * 4;
    this.readback = this.buffer(this.readback, outBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const groups = (this.bindGroups ??= this.makeBindGroups());

    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    device.queue.writeBuffer(this.params, 0, new Uint32Array([n, size[0], size[1], 0]));
    if (padded === pixels.length) device.queue.writeBuffer(this.pixels, 0, pixels.buffer, pixels.byteOffset, pixels.length);
    else {
      const copy = new Uint8Array(padded);
      copy.set(pixels);
      device.queue.writeBuffer(this.pixels, 0, copy);
    }
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    plan.steps.forEach((s, k) => {
      pass.setPipeline(this.pipelines[k]!);
      pass.setBindGroup(0, groups[k]!);
      const [x, y] = s.workgroups(n);
      pass.dispatchWorkgroups(x, y);
    });
    pass.end();
    encoder.copyBufferToBuffer(this.slotBuffers[plan.output.slot]!, 0, this.readback, 0, outBytes);
    device.queue.submit([encoder.finish()]);
    const oom = await device.popErrorScope();
    const invalid = await device.popErrorScope();
    if (oom || invalid) throw new Error(`WebGPU: ${(oom ?? invalid)!.message.split('\n')[0]}`);
    await this.readback.mapAsync(GPUMapMode.READ, 0, outBytes);
    try {
      return new Float32Array(this.readback.getMappedRange(0, outBytes).slice(0));
    } finally {
      this.readback.unmap();
    }
  }

  private makeBindGroups(): GPUBindGroup[] {
    return this.plan.steps.map((s, k) =>
      this.device.createBindGroup({
        layout: this.pipelines[k]!.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.params } },
          ...s.bindings.map((b, j) => ({
            binding: j + 1,
            resource: { buffer: b.kind === 'pixels' ? this.pixels! : b.kind === 'slot' ? this.slotBuffers[b.slot]! : this.weights[b.index]! },
          })),
        ],
      }),
    );
  }

  /** after the last run settles */
  async dispose(): Promise<void> {
    await this.queue;
    this.device.destroy();
  }
}

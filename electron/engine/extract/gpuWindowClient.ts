import type { PackedGraph } from '../frozen/graphWire';
import type { Preprocessing } from '../../../shared/preprocessing';
import type { FromGpuPage, GpuPageAdapter, ToGpuPage } from './gpuWindowProtocol';

/**
 * The engine's end of the desktop app's GPU window (gpuWindow/gpuPage.ts): requests out on a
 * MessagePort, answers matched by id. Whatever goes wrong — the port closes (the window
 * crashed, was closed, or the engine's link to it was replaced), the page answers 'failed', or
 * it does not answer in time — the request rejects with a sentence that says so, and once the
 * port is gone every later request rejects at once: the caller falls back to the CPU.
 */
export interface ClientPort {
  postMessage(message: ToGpuPage, transfer?: ArrayBuffer[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  close(): void;
}

export interface ClientTimeouts {
  /** the adapter question and unloading: the page answers at once */
  quickMs: number;
  /** loading a graph: weights to the GPU, shaders compiled on first use */
  loadMs: number;
  /** one batch; SwiftShader, a software adapter, takes tens of seconds for two MobileNetV2 images */
  runMs: number;
}

export const defaultTimeouts: ClientTimeouts = { quickMs: 15_000, loadMs: 120_000, runMs: 300_000 };

type Answer<T extends FromGpuPage['type']> = Extract<FromGpuPage, { type: T }>;
type Request = ToGpuPage extends infer R ? (R extends ToGpuPage ? Omit<R, 'id'> : never) : never;

interface Pending {
  expect: FromGpuPage['type'];
  resolve: (m: FromGpuPage) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class GpuWindowClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** why the window can no longer be used, once it cannot */
  private gone: string | null = null;

  constructor(
    private readonly port: ClientPort,
    private readonly timeouts: ClientTimeouts = defaultTimeouts,
  ) {
    port.on('message', (m) => this.receive(m));
    port.on('close', () => this.fail('the GPU window went away (it was closed or crashed, or the app restarted the engine)'));
  }

  adapter(): Promise<{ adapter: GpuPageAdapter | null; reason?: string }> {
    return this.request({ type: 'adapter' }, 'adapter', this.timeouts.quickMs).then(({ adapter, reason }) => ({ adapter, ...(reason ? { reason } : {}) }));
  }

  /** with `preprocessing`, the window may run our WGSL kernels, which take pixels as bytes ('pixels': use runPixels) */
  async load(graph: PackedGraph, preprocessing?: Preprocessing): Promise<{ backend: string; input: 'pixels' | 'floats'; kernelsReason?: string }> {
    const { backend, input, kernelsReason } = await this.request(
      { type: 'load', graph, ...(preprocessing ? { preprocessing } : {}) },
      'loaded',
      this.timeouts.loadMs,
      [graph.weights],
    );
    return { backend, input, ...(kernelsReason ? { kernelsReason } : {}) };
  }

  /** the decoder's bytes, [n, height, width, 3], to a graph loaded for pixels */
  async runPixels(pixels: Uint8Array, shape: [number, number, number, number]): Promise<Float32Array> {
    return (await this.request({ type: 'runPixels', pixels, shape }, 'features', this.timeouts.runMs)).data;
  }

  async run(input: Float32Array, shape: [number, number, number, number]): Promise<Float32Array> {
    // moved, not copied, when the array owns its whole buffer (never a view into someone else's memory)
    const own = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength && input.buffer instanceof ArrayBuffer;
    return (await this.request({ type: 'run', input, shape }, 'features', this.timeouts.runMs, own ? [input.buffer as ArrayBuffer] : [])).data;
  }

  /** releases the graph in the window (best effort) and this end of the port */
  async close(): Promise<void> {
    if (this.gone) return;
    await this.request({ type: 'unload' }, 'unloaded', this.timeouts.quickMs).catch(() => undefined);
    this.fail('the GPU window client was closed');
    this.port.close();
  }

  private request<T extends FromGpuPage['type']>(m: Request, expect: T, timeoutMs: number, transfer: ArrayBuffer[] = []): Promise<Answer<T>> {
    if (this.gone) return Promise.reject(new Error(this.gone));
    const id = this.nextId++;
    return new Promise<Answer<T>>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(`the GPU window did not answer '${m.type}' within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      this.pending.set(id, { expect, resolve: resolve as (m: FromGpuPage) => void, reject, timer });
      try {
        this.port.postMessage({ ...m, id } as ToGpuPage, transfer);
      } catch (e) {
        this.settle(id)?.reject(new Error(`cannot reach the GPU window: ${(e as Error).message}`));
      }
    });
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.pending.delete(id);
    return p;
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'object' || raw === null) return;
    const m = raw as FromGpuPage;
    const p = typeof m.id === 'number' ? this.settle(m.id) : undefined;
    if (!p) return;
    if (m.type === 'failed') p.reject(new Error(`the GPU window failed: ${m.message}`));
    else if (m.type !== p.expect) p.reject(new Error(`the GPU window answered '${m.type}' to a request for '${p.expect}'`));
    else p.resolve(m);
  }

  /** the window is no longer usable: every request waiting, and every later one, rejects with the reason */
  private fail(reason: string): void {
    this.gone ??= reason;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(new Error(reason));
  }
}

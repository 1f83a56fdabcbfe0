import { coreCount } from '../../util/cores';
import type * as ort from 'onnxruntime-node';

/**
 * A compiled frozen part running on ONNX Runtime's CPU provider (its binaries for linux
 * x64 and arm64 ship inside the npm package, a Jetson's CPU included). The runtime is
 * loaded on first use, so a machine where its native library cannot load falls back to
 * TF.js with the reason instead of failing to start.
 */
export interface OnnxRunner {
  /**
   * pixels [n, height, width, 3], 0..255 (bytes where the graph was compiled for uint8) →
   * features [n, dim]; `size` is the pixels' [height, width] where the graph resizes inside
   */
  run(pixels: Float32Array | Uint8Array, n: number, size?: readonly [number, number]): Promise<Float32Array>;
  readonly threads: number;
  dispose(): Promise<void>;
}

const subBatch = 4;

let runtime: Promise<typeof ort> | null = null;

export function loadOnnxRuntime(): Promise<typeof ort> {
  runtime ??= import('onnxruntime-node').then((m) => ((m as { default?: typeof ort }).default ?? m) as typeof ort);
  return runtime;
}

export async function createOnnxRunner(
  model: Uint8Array,
  o: { inputName: string; outputName: string; height: number; width: number; threads?: number },
): Promise<OnnxRunner> {
  const rt = await loadOnnxRuntime();
  const threads = Math.max(1, o.threads ?? coreCount());
  const session = await rt.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // idle runtime threads would otherwise spin, taking the cores from the decoding of the next batch
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const runner: OnnxRunner = {
    threads,
    async run(pixels, n, size = [o.height, o.width]) {
      const [height, width] = size;
      // small batches keep a convolution's working set in the CPU's caches (MobileNetV2 on 2
      // cores: 239 images/s at 4, 195 at 16)
      const per = height * width * 3;
      if (n > subBatch) {
        const parts: Float32Array[] = [];
        for (let i = 0; i < n; i += subBatch)
          parts.push(await runner.run(pixels.subarray(i * per, Math.min(n, i + subBatch) * per), Math.min(subBatch, n - i), size));
        const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        return out;
      }
      const input =
        pixels instanceof Uint8Array ? new rt.Tensor('uint8', pixels, [n, height, width, 3]) : new rt.Tensor('float32', pixels, [n, height, width, 3]);
      const out = await session.run({ [o.inputName]: input });
      const y = out[o.outputName]!;
      const data = y.data as Float32Array;
      // the result's buffer belongs to the runtime's tensor: copy it before that goes
      const copy = new Float32Array(data);
      for (const t of Object.values(out)) t.dispose();
      input.dispose();
      return copy;
    },
    dispose: () => session.release(),
  };
  return runner;
}

import * as tf from '@tensorflow/tfjs-core';
import { readsSynchronously } from '../tf/backend';

/** a tensor with its name, as optimizers save their state (not exported by tfjs-core's index) */
type NamedTensor = { name: string; tensor: tf.Tensor };

/**
 * Adam (Kingma & Ba, as TF.js's `tf.train.adam` computes it: w −= lr · m̂ / (√v̂ + ε)) whose step
 * is one pass over each variable. TF.js's own step is seventeen kernels a variable; on a head's
 * weights (a few thousand numbers) each kernel is some 10 µs of dispatch on wasm for
 * nanoseconds of arithmetic, so Adam was 350 µs of a batch-4 head step of 800. Here the
 * gradient and the weights are read, the moments (kept here, in float32 as TF.js keeps them)
 * and the weights updated in one loop at about 5 ns a number, and the weights assigned back.
 *
 * It computes in float64 and stores in float32, and takes β^t exactly where TF.js multiplies a
 * float32 β^t step by step: the weights agree with TF.js's Adam to float32 rounding (test), not
 * bit for bit. Its saved state is TF.js's (the iteration count, then every variable's first
 * moments, then the second, named `<variable>/m` and `/v`), so checkpoints written by either
 * resume with either. On WebGPU, where a synchronous read throws, `adam()` gives TF.js's own.
 */
export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    return 'Adam';
  }

  private readonly first: Float32Array[] = [];
  private readonly second: Float32Array[] = [];
  private readonly slots: { name: string; shape: number[] }[] = [];

  constructor(
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = tf.backend().epsilon(),
  ) {
    super();
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const t = this.iterations + 1;
    const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr } = this;
    const r1 = 1 / (1 - b1 ** t);
    const r2 = 1 / (1 - b2 ** t);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        // every variable gets its moments, a gradient or not, so the saved state has TF.js's layout
        if (!this.slots[i]) {
          this.slots[i] = { name, shape: [...value.shape] };
          this.first[i] = new Float32Array(value.size);
          this.second[i] = new Float32Array(value.size);
        }
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (gradient == null) return;
        const g = gradient.dataSync() as Float32Array;
        const w = value.dataSync() as Float32Array;
        const next = new Float32Array(w.length);
        adamPass(g, w, this.first[i]!, this.second[i]!, next, { b1, b2, lr: lr * r1, r2, eps });
        value.assign(tf.tensor(next, value.shape, 'float32'));
      });
    });
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const moments = (kind: 'm' | 'v', arrays: Float32Array[]) =>
      this.slots.map((s, i) => ({ name: `${s.name}/${kind}`, tensor: tf.tensor(arrays[i]!, s.shape, 'float32') }));
    return [await this.saveIterations(), ...moments('m', this.first), ...moments('v', this.second)];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const values = await this.extractIterations(weightValues);
    const count = values.length / 2;
    this.slots.length = this.first.length = this.second.length = 0;
    for (let i = 0; i < count; i++) {
      const m = values[i]!;
      const v = values[count + i]!;
      this.slots.push({ name: m.name.replace(/\/m$/, ''), shape: [...m.tensor.shape] });
      this.first.push(Float32Array.from(await m.tensor.data()));
      this.second.push(Float32Array.from(await v.tensor.data()));
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * One Adam step over a variable: the moments `m`, `v` updated in place, the new weights into
 * `next`. `lr` carries the first moment's bias correction, `r2` is the second's. A function of its
 * own, on plain arrays, so V8 compiles it as one tight loop (inlined in the method's closures it ran
 * at a third of the speed).
 */
function adamPass(
  g: Float32Array,
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  next: Float32Array,
  k: { b1: number; b2: number; lr: number; r2: number; eps: number },
): void {
  const { b1, b2, lr, r2, eps } = k;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let j = 0; j < g.length; j++) {
    const gj = g[j]!;
    const mj = m[j]! * b1 + gj * c1;
    const vj = v[j]! * b2 + gj * gj * c2;
    m[j] = mj;
    v[j] = vj;
    next[j] = w[j]! - (lr * mj) / (Math.sqrt(vj * r2) + eps);
  }
}

/** Adam for training: the fused step where the backend reads synchronously, TF.js's elsewhere (WebGPU) */
export const adam = (learningRate: number): tf.Optimizer => (readsSynchronously() ? new FusedAdam(learningRate) : tf.train.adam(learningRate));

import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../../shared/run';
import { computesOnCpu } from '../tf/backend';

/** a tensor with its name, as optimizers save their state (not exported by tfjs-core's index) */
type NamedTensor = { name: string; tensor: tf.Tensor };

/**
 * The optimizers' step as one pass over each variable. TF.js's Adam step is seventeen kernels a
 * variable and its momentum step four; on a head's weights (a few thousand numbers) each kernel
 * is some 10 µs of dispatch on wasm for nanoseconds of arithmetic, so Adam was 350 µs of a
 * batch-4 head step of 800. Here the gradient and the weights are read, the optimizer's state
 * (kept here, in float32 as TF.js keeps it) and the weights updated in one loop, and the weights
 * assigned back. The saved state has TF.js's layout (the iteration count, then each kind of
 * state for every variable in order, named `<variable>/<kind>`), so checkpoints written by either
 * resume with either. Only where the backend computes on the CPU: `optimizerFor` gives TF.js's
 * own on a GPU.
 */
abstract class OnePass extends tf.Optimizer {
  private readonly slots: { name: string; shape: number[] }[] = [];
  /** per kind of state (Adam: m, v; momentum: the accumulation), one array per variable */
  protected readonly state: Float32Array[][];

  constructor(private readonly kinds: readonly string[]) {
    super();
    this.state = kinds.map(() => []);
  }

  /** one variable's step: its state arrays updated in place, the new weights into `next` */
  protected abstract pass(g: Float32Array, w: Float32Array, state: Float32Array[], next: Float32Array): void;
  /** before the step's variables: what depends on the step count */
  protected begin(): void {}

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    this.begin();
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        // every variable gets its state, a gradient or not, so the saved state has TF.js's layout
        if (!this.slots[i]) {
          this.slots[i] = { name, shape: [...value.shape] };
          for (const arrays of this.state) arrays[i] = new Float32Array(value.size);
        }
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (gradient == null) return;
        const w = value.dataSync() as Float32Array;
        const next = new Float32Array(w.length);
        this.pass(
          gradient.dataSync() as Float32Array,
          w,
          this.state.map((arrays) => arrays[i]!),
          next,
        );
        value.assign(tf.tensor(next, value.shape, 'float32'));
      });
    });
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const saved = this.kinds.flatMap((kind, k) =>
      this.slots.map((s, i) => ({ name: `${s.name}/${kind}`, tensor: tf.tensor(this.state[k]![i]!, s.shape, 'float32') })),
    );
    return [await this.saveIterations(), ...saved];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const values = await this.extractIterations(weightValues);
    const count = values.length / this.kinds.length;
    this.slots.length = 0;
    for (const arrays of this.state) arrays.length = 0;
    for (let i = 0; i < count; i++) {
      const first = values[i]!;
      this.slots.push({ name: first.name.slice(0, first.name.lastIndexOf('/')), shape: [...first.tensor.shape] });
      for (const [k, arrays] of this.state.entries()) arrays.push(Float32Array.from(await values[k * count + i]!.tensor.data()));
    }
  }
}

/**
 * Adam as TF.js's `tf.train.adam` computes it (w −= lr · m̂ / (√v̂ + ε)), in float64 and stored in
 * float32, with β^t exact where TF.js multiplies a float32 β^t step by step: the weights agree
 * with TF.js's Adam to float32 rounding (test), not bit for bit.
 */
export class FusedAdam extends OnePass {
  static get className(): string {
    return 'Adam';
  }

  private k = { b1: 0, b2: 0, lr: 0, r2: 0, eps: 0 };

  constructor(
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = tf.backend().epsilon(),
  ) {
    super(['m', 'v']);
  }

  protected override begin(): void {
    const t = this.iterations + 1;
    // the first moment's bias correction rides on the rate; the second's is r2
    this.k = { b1: this.beta1, b2: this.beta2, lr: this.learningRate / (1 - this.beta1 ** t), r2: 1 / (1 - this.beta2 ** t), eps: this.epsilon };
  }

  protected pass(g: Float32Array, w: Float32Array, [m, v]: Float32Array[], next: Float32Array): void {
    adamPass(g, w, m!, v!, next, this.k);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * Momentum SGD as TF.js's `tf.train.momentum` computes it (a ← μ·a + g; w ← w − lr·a), operation
 * for operation in float32 (each intermediate rounded with Math.fround, which for + and × of
 * float32 values gives float32's own result): the same weights as TF.js's, bit for bit (test).
 */
export class FusedMomentum extends OnePass {
  static get className(): string {
    return 'Momentum';
  }

  constructor(
    private readonly learningRate: number,
    private readonly momentum: number,
  ) {
    super(['momentum']);
  }

  protected pass(g: Float32Array, w: Float32Array, [a]: Float32Array[], next: Float32Array): void {
    momentumPass(g, w, a!, next, Math.fround(this.momentum), Math.fround(-this.learningRate));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, useNesterov: false };
  }
}

/*
 * The passes are functions of their own on plain arrays, so V8 compiles each as one tight loop
 * (inlined in the optimizer's closures Adam's ran at a third of the speed).
 */

/** Adam over one variable: the moments updated in place, the new weights into `next`; `lr` carries m's bias correction */
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

/** momentum over one variable, in TF.js's order of float32 operations: a = μ·a + g; next = (−lr)·a + w */
function momentumPass(g: Float32Array, w: Float32Array, a: Float32Array, next: Float32Array, mu: number, minusLr: number): void {
  const f = Math.fround;
  for (let j = 0; j < g.length; j++) {
    const aj = f(f(mu * a[j]!) + g[j]!);
    a[j] = aj;
    next[j] = f(minusLr * aj) + w[j]!;
  }
}

/**
 * The training optimizer of a config at `factor` × its learning rate: one pass a variable where
 * the backend computes on the CPU; TF.js's own on a GPU (WebGPU, where a synchronous read throws,
 * and tfjs-node-gpu on CUDA, where the weights would cross to the host and back every step).
 */
export function optimizerFor(cfg: Pick<TrainConfig, 'optimizer' | 'learningRate' | 'momentum'>, factor = 1): tf.Optimizer {
  const lr = cfg.learningRate * factor;
  if (!computesOnCpu()) return cfg.optimizer === 'sgd' ? tf.train.momentum(lr, cfg.momentum) : tf.train.adam(lr);
  return cfg.optimizer === 'sgd' ? new FusedMomentum(lr, cfg.momentum) : new FusedAdam(lr);
}

import * as tf from '@tensorflow/tfjs-core';
import { tfjsFusable, type Activation, type FrozenGraph, type FrozenNode, type WeightArray } from './frozenGraph';

/**
 * Runs a FrozenGraph with TF.js fused kernels (conv + bias + activation in one op).
 * Weights become tensors once; intermediates are freed as soon as their last reader ran,
 * so peak memory is a few activations, not the whole network's.
 */
export class FusedExecutor {
  private readonly weights = new Map<string, tf.Tensor>();
  private readonly uses = new Map<string, number>();

  constructor(private readonly graph: FrozenGraph) {
    for (const n of graph.nodes) for (const i of n.inputs) this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    for (const n of graph.nodes) {
      if (n.op === 'conv2d' || n.op === 'depthwise') {
        this.keep(`${n.name}/filter`, n.filter);
        if (n.bias) this.keep(`${n.name}/bias`, n.bias);
      } else if (n.op === 'dense') {
        this.keep(`${n.name}/kernel`, n.kernel);
        if (n.bias) this.keep(`${n.name}/bias`, n.bias);
      } else if (n.op === 'scaleShift') {
        this.keep(`${n.name}/scale`, n.scale);
        this.keep(`${n.name}/shift`, n.shift);
      }
    }
  }

  private keep(key: string, w: WeightArray): void {
    this.weights.set(key, tf.tensor(w.data, w.shape, 'float32'));
  }

  private w(key: string): tf.Tensor {
    const t = this.weights.get(key);
    if (!t) throw new Error(`missing weight ${key}`);
    return t;
  }

  /** x: [batch, h, w, 3] already preprocessed. Returns the output; the caller disposes it. */
  run(x: tf.Tensor4D): tf.Tensor {
    const values = new Map<string, tf.Tensor>();
    const remaining = new Map(this.uses);
    const release = (name: string) => {
      const left = (remaining.get(name) ?? 0) - 1;
      remaining.set(name, left);
      if (left <= 0 && name !== this.graph.output) {
        const t = values.get(name);
        if (t && t !== x) t.dispose();
        values.delete(name);
      }
    };
    for (const n of this.graph.nodes) {
      const ins = n.inputs.map((i) => {
        const v = values.get(i);
        if (!v) throw new Error(`node ${n.name}: input ${i} has no value`);
        return v;
      });
      const out = n.op === 'input' ? x : this.apply(n, ins);
      values.set(n.name, out);
      for (const i of n.inputs) release(i);
    }
    const y = values.get(this.graph.output);
    if (!y) throw new Error(`the graph has no output ${this.graph.output}`);
    for (const [name, t] of values) if (name !== this.graph.output && t !== x && t !== y) t.dispose();
    return y;
  }

  private apply(n: FrozenNode, ins: tf.Tensor[]): tf.Tensor {
    const a = ins[0]!;
    switch (n.op) {
      case 'input':
        return a;
      case 'conv2d':
      case 'depthwise': {
        const pad = Array.isArray(n.pad) ? ([[0, 0], n.pad[0], n.pad[1], [0, 0]] as tf.backend_util.ExplicitPadding) : n.pad;
        const fusable = tfjsFusable.has(n.activation);
        const args = {
          x: a as tf.Tensor4D,
          filter: this.w(`${n.name}/filter`) as tf.Tensor4D,
          strides: n.strides,
          pad,
          dilations: n.dilations,
          bias: n.bias ? this.w(`${n.name}/bias`) : undefined,
          activation: (fusable ? n.activation : 'linear') as tf.fused.Activation,
        };
        // explicit padding works in the depthwise kernels too; only the typings say otherwise
        const y = n.op === 'conv2d' ? tf.fused.conv2d(args) : tf.fused.depthwiseConv2d(args as Parameters<typeof tf.fused.depthwiseConv2d>[0]);
        if (fusable) return y;
        const z = activate(y, n.activation);
        y.dispose();
        return z;
      }
      case 'dense': {
        const fusable = tfjsFusable.has(n.activation);
        // Keras's Dense acts on the last axis whatever the rank
        const y = tf.tidy(() => {
          const kernel = this.w(`${n.name}/kernel`) as tf.Tensor2D;
          const flat = a.rank === 2 ? (a as tf.Tensor2D) : (tf.reshape(a, [-1, a.shape[a.rank - 1]!]) as tf.Tensor2D);
          const out = tf.fused.matMul({
            a: flat,
            b: kernel,
            bias: n.bias ? this.w(`${n.name}/bias`) : undefined,
            activation: (fusable ? n.activation : 'linear') as tf.fused.Activation,
          });
          return a.rank === 2 ? out : tf.reshape(out, [...a.shape.slice(0, -1), kernel.shape[1]]);
        });
        if (fusable) return y;
        const z = activate(y, n.activation);
        y.dispose();
        return z;
      }
      case 'scaleShift':
        return tf.tidy(() => tf.add(tf.mul(a, this.w(`${n.name}/scale`)), this.w(`${n.name}/shift`)));
      case 'activation':
        return activate(a, n.activation);
      case 'add':
        return ins.length === 2 ? tf.add(a, ins[1]!) : tf.addN(ins);
      case 'multiply':
        return tf.tidy(() => ins.slice(1).reduce((p, q) => tf.mul(p, q), a));
      case 'maximum':
        return tf.tidy(() => ins.slice(1).reduce((p, q) => tf.maximum(p, q), a));
      case 'minimum':
        return tf.tidy(() => ins.slice(1).reduce((p, q) => tf.minimum(p, q), a));
      case 'average':
        return tf.tidy(() => tf.div(tf.addN(ins), ins.length));
      case 'reshape':
        return tf.reshape(a, [a.shape[0]!, ...n.shape]);
      case 'concat':
        return tf.concat(ins, n.axis);
      case 'pad':
        return tf.pad(a, [[0, 0], n.paddings[0], n.paddings[1], [0, 0]]);
      case 'maxPool':
        return tf.maxPool(a as tf.Tensor4D, n.pool, n.strides, n.pad);
      case 'avgPool':
        return tf.avgPool(a as tf.Tensor4D, n.pool, n.strides, n.pad);
      case 'globalAvgPool':
        return tf.mean(a, [1, 2], n.keepDims);
      case 'globalMaxPool':
        return tf.max(a, [1, 2], n.keepDims);
      case 'flatten':
        return tf.reshape(a, [a.shape[0]!, -1]);
      case 'identity':
        return tf.clone(a);
      case 'rescale':
        return tf.tidy(() => tf.add(tf.mul(a, n.scale), n.offset));
    }
  }

  dispose(): void {
    for (const t of this.weights.values()) t.dispose();
    this.weights.clear();
  }
}

function activate(x: tf.Tensor, a: Activation): tf.Tensor {
  switch (a) {
    case 'linear':
      return tf.clone(x);
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
    case 'softmax':
      return tf.softmax(x);
    case 'softplus':
      return tf.softplus(x);
    case 'softsign':
      return tf.tidy(() => tf.div(x, tf.add(tf.abs(x), 1)));
    case 'swish':
      return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
    case 'hardSigmoid':
      // TF.js's (and Keras 2's) hard sigmoid: clip(0.2·x + 0.5, 0, 1)
      return tf.tidy(() => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1));
  }
}

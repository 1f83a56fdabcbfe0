import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { TransferLabError } from '../../../shared/errors';

/**
 * Fine-tuning the top of a network: the layers just below the bottleneck train with the new
 * head while everything under them stays frozen. The frozen part still runs once per image —
 * its output at the split point is what the cache holds — so an epoch costs only the top
 * layers and the head, not the whole network.
 */
type LayerLike = tfl.layers.Layer & { inboundNodes: { inboundLayers: tfl.layers.Layer[] }[] };

const weighted = (l: tfl.layers.Layer) => l.getClassName() !== 'BatchNormalization' && l.getWeights().length > 0;

/** the layers the cut needs, in the model's (topological) order */
function layersUpTo(model: tfl.LayersModel, cut: string): LayerLike[] {
  const byName = new Map(model.layers.map((l) => [l.name, l as LayerLike]));
  const start = byName.get(cut);
  if (!start) throw new TransferLabError('MODEL_LAYER_NOT_FOUND', `The model has no layer named "${cut}".`);
  const needed = new Set<string>();
  const stack: LayerLike[] = [start];
  while (stack.length) {
    const l = stack.pop()!;
    if (needed.has(l.name)) continue;
    needed.add(l.name);
    for (const i of l.inboundNodes[0]?.inboundLayers ?? []) stack.push(i as LayerLike);
  }
  return model.layers.filter((l) => needed.has(l.name)) as LayerLike[];
}

export interface SplitPoint {
  /** the layer whose output is cached */
  split: string;
  /** layers with weights above it, up to the cut, that fine-tuning trains (BatchNorm excluded) */
  trainable: string[];
}

/**
 * The places the network can be cut in two below `cut`: a layer whose output alone feeds
 * everything above it, so no skip connection (a residual Add, an Inception branch) crosses
 * the cut. Nearest the top first.
 */
export function splitPoints(model: tfl.LayersModel, cut: string): SplitPoint[] {
  const order = layersUpTo(model, cut);
  const index = new Map(order.map((l, i) => [l.name, i]));
  // for each layer, the lowest layer any layer above it reads
  const lowestRead = new Array<number>(order.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let i = order.length - 1; i >= 0; i--) {
    const reads = (order[i]!.inboundNodes[0]?.inboundLayers ?? []).map((l) => index.get(l.name) ?? -1);
    lowestRead[i] = Math.min(lowestRead[i + 1]!, ...reads);
  }
  const points: SplitPoint[] = [];
  for (let i = order.length - 2; i >= 1; i--) {
    // every layer above i reads i or something above it
    if (lowestRead[i + 1]! < i) continue;
    points.push({
      split: order[i]!.name,
      trainable: order
        .slice(i + 1)
        .filter(weighted)
        .map((l) => l.name),
    });
  }
  return points.filter((p) => p.trainable.length > 0);
}

/**
 * The split for "fine-tune the top N layers": the highest split that unfreezes at least N
 * layers with weights (fewer where the network has fewer).
 */
export function chooseSplit(model: tfl.LayersModel, cut: string, layers: number): SplitPoint {
  const points = splitPoints(model, cut);
  if (!points.length)
    throw new TransferLabError(
      'UNSUPPORTED',
      `No layer below ${cut} can be fine-tuned on its own: the network has no split point there.`,
      'Train the head alone (fine-tune 0), or cut the network elsewhere.',
    );
  return points.find((p) => p.trainable.length >= layers) ?? points[points.length - 1]!;
}

/**
 * The layers above `split` up to `cut`, applied anew to an input shaped like the split's
 * output: a model that shares its layers (and weights) with `model`. BatchNorm layers are
 * marked untrainable — with too few images a batch's statistics would wreck them — and are
 * run in inference mode by the caller.
 */
export function buildTop(model: tfl.LayersModel, split: string, cut: string): tfl.LayersModel {
  const order = layersUpTo(model, cut);
  const at = order.findIndex((l) => l.name === split);
  if (at < 0) throw new TransferLabError('MODEL_LAYER_NOT_FOUND', `${split} is not below ${cut}.`);
  const shape = (order[at]!.outputShape as (number | null)[]).slice(1) as number[];
  const input = tfl.input({ shape, name: `${split}_features` });
  const values = new Map<string, tfl.SymbolicTensor>([[split, input]]);
  for (const l of order.slice(at + 1)) {
    const ins = (l.inboundNodes[0]?.inboundLayers ?? []).map((x) => {
      const v = values.get(x.name);
      if (!v) throw new TransferLabError('UNSUPPORTED', `Layer ${l.name} reads ${x.name}, below the split at ${split}.`);
      return v;
    });
    values.set(l.name, l.apply(ins.length === 1 ? ins[0]! : ins) as tfl.SymbolicTensor);
    l.trainable = l.getClassName() !== 'BatchNormalization';
    if (!l.trainable) giveScale(l, values.get(l.name)!.shape.length);
    if (l.getClassName() === 'ReLU') clippedReluGradient(l);
  }
  return tfl.model({ inputs: input, outputs: values.get(cut)!, name: 'fine_tuned_top' });
}

/**
 * TF.js cannot take a gradient through a batch norm without a scale (Keras's Inception v3 has
 * none anywhere): its tape saves the missing scale input and fails on it ("Cannot read
 * properties of undefined"). A frozen channels-last BatchNorm without one gets a constant scale
 * of ones beside its weights, not among them: it computes what it did, saves and loads as it
 * did, and passes a gradient. The ones (a float per channel) live as long as the layer.
 */
function giveScale(l: tfl.layers.Layer, rank: number): void {
  const bn = l as unknown as { gamma: { read(): tf.Tensor } | null; axis: number; movingMean?: { shape: number[] } };
  const channels = bn.movingMean?.shape[0];
  if (bn.gamma != null || channels == null || (bn.axis !== -1 && bn.axis !== rank - 1)) return;
  const ones = tf.keep(tf.ones([channels]));
  bn.gamma = { read: () => ones };
}

/**
 * A ReLU with a ceiling (MobileNet's ReLU6) computes clip(relu(x), 0, max), and TF.js takes the
 * clip's gradient through GreaterEqual, LessEqual, LogicalAnd and Select: wasm runs those as
 * plain loops, 30 ms for a batch of 32 on a 7×7×960 layer, a fifth of a MobileNetV2 top's
 * step. The layer keeps its forward ops and gets the same gradient in fast kernels:
 * dy · (step(x) − step(x − max)), which is dy where 0 < x ≤ max and 0 elsewhere, as before
 * (relu's gradient is dy where x > 0, the clip's where relu(x) ≤ max). Its config, and what it
 * computes, do not change; the instance is the backbone's, whose forward pass stays the same.
 */
function clippedReluGradient(l: tfl.layers.Layer): void {
  const layer = l as unknown as { maxValue?: number | null; call: (inputs: tf.Tensor | tf.Tensor[], kwargs: unknown) => tf.Tensor };
  const max = layer.maxValue;
  if (max == null || !Number.isFinite(max) || max <= 0) return;
  // customGrad hands the input and the save function in one list
  const clipped = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    return {
      value: tf.clipByValue(tf.relu(x), 0, max),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(dy, tf.sub(tf.step(saved!), tf.step(tf.sub(saved!, max)))),
    };
  });
  layer.call = (inputs) => clipped(Array.isArray(inputs) ? inputs[0]! : inputs);
}

export function trainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** puts a fine-tuned top's learnt weights back into the full backbone, layer by layer */
export function applyTopWeights(backbone: tfl.LayersModel, top: tfl.LayersModel): void {
  for (const l of top.layers) {
    const w = l.getWeights();
    if (!w.length) continue;
    const target = backbone.layers.find((b) => b.name === l.name);
    if (!target)
      throw new TransferLabError(
        'RUN_INVALID',
        `The fine-tuned layer ${l.name} is not in the backbone any more.`,
        'Train the run again on the model as it is now.',
      );
    target.setWeights(w);
  }
}

/** floats one image makes through the layers above `split` up to `cut`: what training keeps per image for the backward pass */
function topActivationFloats(model: tfl.LayersModel, split: string, cut: string): number {
  const order = layersUpTo(model, cut);
  const at = order.findIndex((l) => l.name === split);
  return order.slice(at + 1).reduce((sum, l) => sum + (l.outputShape as (number | null)[]).slice(1).reduce((p: number, d) => p * (d ?? 1), 1), 0);
}

/**
 * The memory fine-tuning the top takes beyond the loaded network: `fixed` bytes and `perImage`
 * bytes for each image of a batch. Measured on wasm (TF.js's tensors and the wasm heap's growth
 * over Adam steps of MobileNetV2's and Inception v3's top 4, batches from 1 to 400): about 16
 * floats a trained weight (the weights, their gradients, two Adam moments and the update's
 * temporaries, alive at once inside Adam's step) and 4.6 for each float the top's layers output
 * per image at large batches (the activations kept for the backward pass, their gradients, the
 * kernels' scratch); 5.5 is counted, so that a batch said to fit does. Heap growth against this:
 * MobileNetV2 at batch 32 406 MiB (393 said), 128 1521 (1408), 400 3947 (4286, refused: it fits
 * with 100 MiB to spare), 520 aborted; Inception v3 at 64 1221 (1702), 160 2902 (3699).
 */
export function fineTuneFootprint(model: tfl.LayersModel, split: string, cut: string, trainableParams: number): { fixed: number; perImage: number } {
  return { fixed: trainableParams * 4 * 16, perImage: topActivationFloats(model, split, cut) * 4 * 5.5 };
}

/** what the wasm backend can address: wasm32 memory is at most 4 GiB */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

/** where fine-tuning on wasm must fit: the wasm heap's end, and the memory the machine has */
export interface WasmRoom {
  /** bytes of tensors the heap holds already (the network's weights) */
  heldBytes: number;
  /** the heap's size now: what it has beyond `heldBytes` is reused before it grows */
  heapBytes: number;
  /** memory the machine has free now (MemAvailable, a cgroup's limit) */
  availableBytes: number;
}

/**
 * Null where fine-tuning at `batchSize` fits, else the refusal, with the largest batch that
 * fits. Two ends: the wasm heap's 4 GiB, past which XNNPACK fails and the wasm module aborts
 * ("Aborted()", taking the engine's backend with it), and the machine's free memory, past which
 * the system kills the process (a Jetson shares 4–8 GB between CPU and GPU).
 */
export function wasmHeapRefusal(footprint: { fixed: number; perImage: number }, batchSize: number, room: WasmRoom, layers: number): TransferLabError | null {
  const need = footprint.fixed + batchSize * footprint.perImage;
  const heapRoom = WASM_HEAP_BYTES - room.heldBytes;
  const machineRoom = room.availableBytes + Math.max(0, room.heapBytes - room.heldBytes);
  const limit = Math.min(heapRoom, machineRoom);
  if (need <= limit) return null;
  const fits = Math.floor((limit - footprint.fixed) / footprint.perImage);
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const why =
    heapRoom <= machineRoom
      ? `with the ${gib(room.heldBytes)} the network already holds, that is more than the 4 GiB the wasm backend can address`
      : `that is more than the ${gib(machineRoom)} of memory this machine has free now`;
  return new TransferLabError(
    'OUT_OF_MEMORY',
    `Fine-tuning ${layers} layers at a batch of ${batchSize} needs about ${gib(need)}; ${why}.`,
    fits >= 1
      ? `Use a batch of ${fits} or less (the features are cached: the next run starts training at once), or fine-tune fewer layers.`
      : 'Fine-tune fewer layers, or close other programs: even a batch of 1 does not fit.',
  );
}

/**
 * Multiply-adds ×2 of one image through these layers (convolutions and dense layers; the
 * rest is small beside them): what an epoch of fine-tuning costs per image, forward.
 */
export function forwardFlops(model: tfl.LayersModel, names: readonly string[]): number {
  let flops = 0;
  for (const name of names) {
    const l = model.getLayer(name);
    const out = l.outputShape as (number | null)[];
    const spatial = out.length === 4 ? (out[1] ?? 1) * (out[2] ?? 1) : 1;
    const w = l.getWeights()[0];
    if (!w) continue;
    const cls = l.getClassName();
    if (cls === 'DepthwiseConv2D') flops += 2 * spatial * w.size;
    else if (cls === 'Conv2D' || cls === 'Dense') flops += 2 * spatial * w.size;
    else if (cls === 'SeparableConv2D') flops += 2 * spatial * (w.size + (l.getWeights()[1]?.size ?? 0));
  }
  return flops;
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tfconv from '@tensorflow/tfjs-converter';
import { TransferLabError } from '../../../shared/errors';
import type { LayerInfo, ModelFormat } from '../../../shared/model';
import { defaultPreprocessing, type Preprocessing } from '../../../shared/preprocessing';
import { fileSystemLoader, readModelJson } from '../tf/fsModelIO';

/**
 * A pre-trained network loaded from a folder (model.json + shards): a Keras model in TF.js
 * layers format, which can be cut anywhere, or a graph model (TF Hub / Kaggle feature vector),
 * which is a frozen feature extractor as published.
 */
export interface BackboneInfo {
  dir: string;
  format: ModelFormat;
  name: string;
  /** identity of the model files, for cache keys */
  key: string;
  preprocessing: Preprocessing;
}

/** Optional file beside model.json that says how the model wants its pixels. */
export const preprocessingFileName = 'transfer-lab.json';

export function detectFormat(dir: string): ModelFormat {
  const json = readModelJson(dir) as { format?: string; modelTopology?: { class_name?: string; node?: unknown } };
  if (json.format === 'graph-model' || Array.isArray(json.modelTopology?.node)) return 'graph';
  return 'layers';
}

/** A content hash of model.json and its shards: two copies of one model share a cache. */
export function modelKey(dir: string): string {
  const h = crypto.createHash('sha256');
  const json = readModelJson(dir);
  h.update(JSON.stringify(json.modelTopology));
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const file = path.join(dir, decodeURIComponent(p.split('?')[0] ?? p));
      try {
        h.update(fs.readFileSync(file));
      } catch {
        throw new TransferLabError('MODEL_INVALID', `The model in ${dir} is missing its weight file ${p}.`, 'Download or copy the whole model folder again.');
      }
    }
  }
  return h.digest('hex').slice(0, 20);
}

function readPreprocessingFile(dir: string): Partial<Preprocessing> & { name?: string } {
  const file = path.join(dir, preprocessingFileName);
  if (!fs.existsSync(file)) return {};
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { preprocessing?: Partial<Preprocessing>; name?: string };
    return { ...(j.preprocessing ?? {}), ...(j.name ? { name: j.name } : {}) };
  } catch {
    return {};
  }
}

type Dims = (number | null)[];
interface LayerJson {
  class_name?: string;
  config?: { batch_input_shape?: Dims; batchInputShape?: Dims; batch_shape?: Dims; layers?: LayerJson[] };
}

/**
 * The input size the model declares: a Keras layers model's first layer (its topology nests
 * the config under model_config, and a Sequential may nest another model first), or a graph
 * model's Placeholder. Null where it leaves the size open.
 */
export function declaredInputShape(topology: unknown): Dims | null {
  const t = topology as
    | { model_config?: LayerJson; config?: LayerJson['config']; node?: { op: string; attr?: { shape?: { shape?: { dim?: { size?: string | number }[] } } } }[] }
    | undefined;
  if (Array.isArray(t?.node)) {
    const dims = t.node.find((n) => n.op === 'Placeholder')?.attr?.shape?.shape?.dim;
    return dims ? dims.map((d) => (Number(d.size ?? -1) > 0 ? Number(d.size) : null)) : null;
  }
  let cfg = t?.model_config?.config ?? t?.config;
  for (let depth = 0; cfg && depth < 4; depth++) {
    const first = cfg.layers?.[0];
    const own = cfg.batch_input_shape ?? cfg.batchInputShape ?? cfg.batch_shape;
    if (own) return own;
    const s = first?.config?.batch_input_shape ?? first?.config?.batchInputShape ?? first?.config?.batch_shape;
    if (s) return s;
    cfg = first?.config;
  }
  return null;
}

export function describeBackboneFolder(dir: string, override: Partial<Preprocessing> = {}): BackboneInfo {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new TransferLabError(
      'MODEL_NOT_FOUND',
      `The model folder ${dir} does not exist.`,
      'Give a folder with model.json, a catalog id (see `transfer-lab models`) or an http(s) address.',
    );
  }
  const format = detectFormat(dir);
  const fromFile = readPreprocessingFile(dir);
  const shape = declaredInputShape(readModelJson(dir).modelTopology);
  const height = shape?.[1] ?? fromFile.height ?? defaultPreprocessing.height;
  const width = shape?.[2] ?? fromFile.width ?? defaultPreprocessing.width;
  const { name: fileName, ...filePre } = fromFile;
  const preprocessing: Preprocessing = { ...defaultPreprocessing, height, width, ...filePre, ...override };
  return { dir, format, name: fileName ?? path.basename(path.resolve(dir)), key: modelKey(dir), preprocessing };
}

export async function loadLayersBackbone(dir: string): Promise<tfl.LayersModel> {
  try {
    return await tfl.loadLayersModel(fileSystemLoader(dir));
  } catch (e) {
    if (e instanceof TransferLabError) throw e;
    throw new TransferLabError(
      'MODEL_INVALID',
      `Could not load the layers model in ${dir}: ${(e as Error).message.split('\n')[0]}`,
      'Check that the folder holds a complete TensorFlow.js layers model.',
    );
  }
}

export async function loadGraphBackbone(dir: string): Promise<tfconv.GraphModel> {
  try {
    return await tfconv.loadGraphModel(fileSystemLoader(dir));
  } catch (e) {
    if (e instanceof TransferLabError) throw e;
    throw new TransferLabError(
      'MODEL_INVALID',
      `Could not load the graph model in ${dir}: ${(e as Error).message.split('\n')[0]}`,
      'Check that the folder holds a complete TensorFlow.js graph model.',
    );
  }
}

const headClasses = new Set(['Dense', 'Dropout', 'Activation', 'Softmax', 'Flatten', 'BatchNormalization', 'Reshape']);

/**
 * The bottleneck by default: the layer that feeds the original classifier. Walking back from
 * the output over head-like layers (Dense, Dropout, …) past at least one Dense, the layer we
 * stop at is the bottleneck — for Keras MobileNetV2 with its pooling and dense head, the
 * flattened pooled features. A no-top model (no Dense) is cut at its output.
 */
export function defaultCut(model: tfl.LayersModel): string {
  const layers = model.layers;
  let i = layers.length - 1;
  let sawDense = false;
  while (i > 0 && headClasses.has(layers[i]!.getClassName())) {
    if (layers[i]!.getClassName() === 'Dense') sawDense = true;
    i--;
  }
  if (!sawDense) return layers[layers.length - 1]!.name;
  // prefer the flattened/pooled vector right before the first Dense over a 4-D map
  let j = i + 1;
  while (j < layers.length && layers[j]!.getClassName() !== 'Dense') j++;
  return layers[j - 1]!.name;
}

export function listLayers(model: tfl.LayersModel): LayerInfo[] {
  return model.layers.map((l, index) => {
    const shape = l.outputShape as (number | null)[] | (number | null)[][];
    const first = Array.isArray(shape[0]) ? (shape[0] as (number | null)[]) : (shape as (number | null)[]);
    const params = l.countParams();
    const trainableParams = l.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    const inbound = ((l as unknown as { inboundNodes: { inboundLayers: tfl.layers.Layer[] }[] }).inboundNodes[0]?.inboundLayers ?? []).map((x) => x.name);
    return { index, name: l.name, className: l.getClassName(), outputShape: first.slice(1), params, trainableParams, inbound };
  });
}

export function requireLayer(model: tfl.LayersModel, name: string): tfl.layers.Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) {
    const near = model.layers
      .filter((l) => l.name.includes(name) || name.includes(l.name))
      .map((l) => l.name)
      .slice(0, 5);
    throw new TransferLabError(
      'MODEL_LAYER_NOT_FOUND',
      `The model has no layer named "${name}".`,
      near.length ? `Did you mean ${near.join(', ')}? \`transfer-lab layers <model>\` lists them all.` : '`transfer-lab layers <model>` lists the layer names.',
    );
  }
  return layer;
}

/** Shape of the bottleneck without the batch dimension. */
export function cutOutputShape(model: tfl.LayersModel, cut: string): number[] {
  const shape = requireLayer(model, cut).outputShape as (number | null)[];
  return shape.slice(1).map((d) => d ?? -1);
}

/** The features the head sees: a 4-D cut output is averaged over space (global pooling). */
export function featureDimOf(shape: number[]): { dim: number; pooling: 'avg' | 'none' } {
  if (shape.length === 3) return { dim: shape[2]!, pooling: 'avg' };
  return { dim: shape.reduce((a, b) => a * b, 1), pooling: 'none' };
}

export function graphFeatureShape(model: tfconv.GraphModel, p: Preprocessing): number[] {
  const y = tf.tidy(() => {
    const out = model.predict(tf.zeros([1, p.height, p.width, 3])) as tf.Tensor | tf.Tensor[];
    const t = Array.isArray(out) ? out[0]! : out;
    return t.shape.slice(1);
  });
  return y;
}

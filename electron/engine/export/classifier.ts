import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type * as tfconv from '@tensorflow/tfjs-converter';
import { TransferLabError } from '../../../shared/errors';
import type { RgbImage } from '../images/decodeImage';
import { decodeForModel, pixelsToFloat } from '../images/modelPixels';
import { loadGraphBackbone } from '../models/loadBackbone';
import { fileSystemLoader } from '../tf/fsModelIO';
import { enlargeToInput } from '../tf/enlarge';
import { createOnnxRunner } from '../frozen/onnx/onnxSession';
import { exportManifestName, type ExportFormat, type ExportManifest } from './exportModel';

/** An exported model loaded for use: images in, class probabilities out. */
export interface Classifier {
  manifest: ExportManifest;
  /** probabilities per image, row-major [n, labels] */
  classify(files: readonly string[]): Promise<{ probabilities: Float32Array; failures: { file: string; reason: string }[] }>;
  dispose(): void;
}

export function readExportManifest(dir: string): ExportManifest {
  const file = path.join(dir, exportManifestName);
  if (!fs.existsSync(file))
    throw new TransferLabError(
      'MODEL_NOT_FOUND',
      `${dir} is not an exported Transfer Lab model (no ${exportManifestName}).`,
      'Give the folder written by `transfer-lab export`.',
    );
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as ExportManifest;
    if (m.kind !== 'transfer-lab-classifier' || !Array.isArray(m.labels)) throw new Error('wrong kind');
    return m;
  } catch {
    throw new TransferLabError('MODEL_INVALID', `${file} is damaged or not a Transfer Lab export.`, 'Export the model again.');
  }
}

/** Loads the exported TF.js model, or (format 'onnx', or where only ONNX was exported) model.onnx on ONNX Runtime. */
export async function loadClassifier(dir: string, format?: ExportFormat): Promise<Classifier> {
  const manifest = readExportManifest(dir);
  const use = format ?? (manifest.layout ? 'tfjs' : 'onnx');
  if (use === 'onnx') return loadOnnxClassifier(dir, manifest);
  if (!manifest.layout)
    throw new TransferLabError('MODEL_NOT_FOUND', `${dir} holds no TF.js model, only ONNX.`, 'Use its model.onnx, or export again with the TF.js format.');
  let forward: (x: tf.Tensor4D) => tf.Tensor;
  const owned: { dispose(): void }[] = [];
  if (manifest.layout === 'single-layers-model') {
    const model = await tfl.loadLayersModel(fileSystemLoader(dir));
    owned.push(model);
    forward = (x) => model.predict(x) as tf.Tensor;
  } else {
    const backbone: tfconv.GraphModel = await loadGraphBackbone(path.join(dir, 'backbone'));
    const head = await tfl.loadLayersModel(fileSystemLoader(path.join(dir, 'head')));
    owned.push(backbone, head);
    forward = (x) => {
      const out = backbone.predict(x) as tf.Tensor | tf.Tensor[];
      let f = Array.isArray(out) ? out[0]! : out;
      if (f.rank === 4) f = manifest.pooling === 'avg' ? tf.mean(f, [1, 2]) : tf.reshape(f, [f.shape[0]!, -1]);
      return head.predict(f) as tf.Tensor;
    };
  }
  const classes = manifest.labels.length;
  return {
    manifest,
    classify: (files) =>
      classifyFiles(
        files,
        manifest,
        (input, n) =>
          Promise.resolve(
            tf.tidy(() => forward(tf.tensor4d(input, [n, manifest.preprocessing.height, manifest.preprocessing.width, 3])).dataSync() as Float32Array),
          ),
        classes,
        false,
      ),
    dispose() {
      for (const o of owned) o.dispose();
    },
  };
}

async function loadOnnxClassifier(dir: string, manifest: ExportManifest): Promise<Classifier> {
  if (!manifest.onnx)
    throw new TransferLabError(
      'MODEL_NOT_FOUND',
      `${dir} holds no ONNX model${manifest.onnxSkipped ? ` (${manifest.onnxSkipped})` : ''}.`,
      'Use its TF.js model, or export again with the ONNX format.',
    );
  const p = manifest.preprocessing;
  const runner = await createOnnxRunner(fs.readFileSync(path.join(dir, manifest.onnx.file)), {
    inputName: manifest.onnx.input,
    outputName: manifest.onnx.output,
    height: p.height,
    width: p.width,
  });
  return {
    manifest,
    classify: (files) => classifyFiles(files, manifest, (input, n) => runner.run(input, n), manifest.labels.length, true),
    dispose: () => void runner.dispose(),
  };
}

/** The image as the engine's extractor feeds it, so the exported model sees what the engine trained on. */
function toModelInput(img: RgbImage, p: ExportManifest['preprocessing']): Float32Array {
  const values = pixelsToFloat(img.data, p);
  if (img.width === p.width && img.height === p.height) return values;
  return tf.tidy(() => enlargeToInput(tf.tensor3d(values, [img.height, img.width, 3]), p.height, p.width).dataSync() as Float32Array);
}

/** decodes the files as the model wants them, in small batches, and runs them */
async function classifyFiles(
  files: readonly string[],
  manifest: ExportManifest,
  run: (input: Float32Array, n: number) => Promise<Float32Array>,
  classes: number,
  rawPixels: boolean,
): Promise<{ probabilities: Float32Array; failures: { file: string; reason: string }[] }> {
  const p = manifest.preprocessing;
  // an ONNX export applies the value range inside its graph
  const feed = rawPixels ? { ...p, range: [0, 255] as [number, number] } : p;
  const probabilities = new Float32Array(files.length * classes);
  const failures: { file: string; reason: string }[] = [];
  const batch = 8;
  for (let start = 0; start < files.length; start += batch) {
    const chunk = files.slice(start, start + batch);
    const decoded = await Promise.all(
      chunk.map(async (f) => {
        try {
          return toModelInput(await decodeForModel(f, { width: p.width, height: p.height, resize: p.resize }), feed);
        } catch (e) {
          failures.push({ file: f, reason: (e as Error).message });
          return null;
        }
      }),
    );
    const ok = decoded.map((d, i) => [d, i] as const).filter(([d]) => d !== null);
    if (!ok.length) continue;
    const input = new Float32Array(ok.length * p.height * p.width * 3);
    ok.forEach(([d], j) => input.set(d!, j * p.height * p.width * 3));
    const probs = await run(input, ok.length);
    ok.forEach(([, i], j) => probabilities.set(probs.subarray(j * classes, (j + 1) * classes), (start + i) * classes));
  }
  return { probabilities, failures };
}

export function topK(probs: Float32Array, row: number, classes: readonly string[], k: number): { className: string; probability: number }[] {
  const n = classes.length;
  return classes
    .map((className, c) => ({ className, probability: probs[row * n + c]! }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k);
}

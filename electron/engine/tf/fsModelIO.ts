import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { TransferLabError } from '../../../shared/errors';
import { writeFileAtomic } from '../util/atomicWrite';
import { makeDirs } from '../util/makeDirs';

type ModelJSON = tf.io.ModelJSON;

/**
 * TF.js reads and writes models through IOHandlers. Without tfjs-node there is no file://
 * handler in Node, so this is ours: a folder with model.json and its binary weight shards,
 * the same layout the converter and tfjs-node write, so models move freely between them.
 */
export function readModelJson(dir: string): ModelJSON {
  const file = path.join(dir, 'model.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TransferLabError(
      'MODEL_NOT_FOUND',
      code === 'ENOENT' ? `No model.json in ${dir}.` : `Cannot read ${file}: ${(e as Error).message}`,
      'Choose a folder that holds a TensorFlow.js model (model.json and its weight files).',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TransferLabError('MODEL_INVALID', `${file} is not valid JSON (truncated or not a model).`, 'Download or export the model again.');
  }
  const j = json as Partial<ModelJSON>;
  if (!j || typeof j !== 'object' || !j.modelTopology || !Array.isArray(j.weightsManifest)) {
    throw new TransferLabError(
      'MODEL_INVALID',
      `${file} is not a TensorFlow.js model (no modelTopology or weightsManifest).`,
      'Convert the model with tensorflowjs_converter, or pick another folder.',
    );
  }
  return j as ModelJSON;
}

export function fileSystemLoader(dir: string): tf.io.IOHandler {
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const json = readModelJson(dir);
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.join(dir, decodeURIComponent(p.split('?')[0] ?? p));
          try {
            buffers.push(await fsp.readFile(file));
          } catch {
            throw new TransferLabError(
              'MODEL_INVALID',
              `The model in ${dir} is missing its weight file ${p}.`,
              'Download or copy the whole model folder again.',
            );
          }
        }
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology: json.modelTopology,
        weightSpecs,
        weightData,
      };
      if (json.format !== undefined) artifacts.format = json.format;
      if (json.generatedBy !== undefined) artifacts.generatedBy = json.generatedBy;
      if (json.convertedBy !== undefined) artifacts.convertedBy = json.convertedBy;
      if (json.signature !== undefined) artifacts.signature = json.signature;
      if (json.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = json.userDefinedMetadata;
      if (json.modelInitializer !== undefined) artifacts.modelInitializer = json.modelInitializer;
      if (json.trainingConfig !== undefined) artifacts.trainingConfig = json.trainingConfig;
      return artifacts;
    },
  };
}

function concatWeightData(data: tf.io.WeightData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data.map((b) => Buffer.from(b)));
  return Buffer.from(data);
}

/** Saves as model.json + weights.bin, each written atomically. */
export function fileSystemSaver(dir: string): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      await makeDirs(dir);
      const weights = artifacts.weightData ? concatWeightData(artifacts.weightData) : Buffer.alloc(0);
      const manifest: tf.io.WeightsManifestConfig = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }];
      const json: Record<string, unknown> = {
        modelTopology: artifacts.modelTopology,
        weightsManifest: manifest,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? 'transfer-lab',
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      await writeFileAtomic(path.join(dir, 'weights.bin'), weights);
      await writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

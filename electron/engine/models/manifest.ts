import { TransferLabError } from '../../../shared/errors';

/** The parts of a TF.js model.json the downloader relies on. */
export interface WeightsGroup {
  paths: string[];
  weights: WeightSpec[];
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

export interface ModelJsonInfo {
  format: 'layers' | 'graph';
  groups: WeightsGroup[];
}

/** tfjs-core's DTYPE_VALUE_SIZE_MAP: bytes per stored value. */
const bytesPerValue: Record<string, number> = {
  float32: 4,
  int32: 4,
  float16: 2,
  uint16: 2,
  uint8: 1,
  bool: 1,
  complex64: 8,
};

/**
 * tfjs's own rule for TF Hub handles (tfjs-converter getTFHubUrl): the handle gets
 * `/model.json?tfjs-format=file`, and the query then travels to every shard.
 */
export function tfHubModelUrl(handle: string): string {
  return `${handle.endsWith('/') ? handle : `${handle}/`}model.json?tfjs-format=file`;
}

/**
 * Shards are addressed as tfjs-core's HTTPRequest does it: the model.json address up to its last
 * slash, the manifest path, then the model.json's query (parseUrl). That is, relative to the
 * address asked for, not the one a redirect landed on: hubs redirect model.json to signed storage
 * URLs whose query is only good for that one file.
 */
export function shardUrl(modelJsonUrl: string, shardPath: string): string {
  const lastSlash = modelJsonUrl.lastIndexOf('/');
  const lastQuery = modelJsonUrl.lastIndexOf('?');
  const prefix = modelJsonUrl.substring(0, lastSlash + 1);
  const suffix = lastQuery > lastSlash ? modelJsonUrl.substring(lastQuery) : '';
  return prefix + shardPath + suffix;
}

/**
 * Bytes a group's shards hold together, or null where it cannot be known ahead (string
 * tensors carry their own lengths). Weights of a group are concatenated and then cut into
 * shards, so only the group total can be checked, not each shard.
 */
export function expectedGroupBytes(group: WeightsGroup): number | null {
  let total = 0;
  for (const w of group.weights) {
    const dtype = w.quantization?.dtype ?? w.dtype;
    const size = bytesPerValue[dtype];
    if (size === undefined) return null;
    total += w.shape.reduce((a, b) => a * b, 1) * size;
  }
  return total;
}

/**
 * Describes what came back instead of a model, in words a user recognises, and quotes none of
 * it: an address may reach a service on the engine's network, and its answer is not the page's
 * to read.
 */
export function describeNonModel(text: string, contentType: string | null): string {
  const head = text.trimStart().slice(0, 200).toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || contentType?.includes('text/html')) {
    return 'it returned an HTML page, perhaps a sign-in, error or landing page';
  }
  if (text.trim() === '') return 'it returned an empty answer';
  return `it returned ${Buffer.byteLength(text)} bytes that are not JSON`;
}

/** Names the cache folder keeps for itself; a shard may not take them. */
const reservedNames = new Set(['model.json', 'source.json']);

function isSafeRelativePath(p: string): boolean {
  if (p === '' || p.includes('\\') || p.includes('\0') || p.startsWith('/')) return false;
  if (reservedNames.has(p) || p.endsWith('.part')) return false;
  if (/^[a-zA-Z]:/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

function isWeightSpec(w: unknown): w is WeightSpec {
  if (typeof w !== 'object' || w === null) return false;
  const o = w as Record<string, unknown>;
  return typeof o.name === 'string' && typeof o.dtype === 'string' && Array.isArray(o.shape) && o.shape.every((d) => Number.isInteger(d) && (d as number) >= 0);
}

/**
 * Checks that a model.json answer is a TF.js model and returns its manifest. Shard paths are
 * checked too: they become file names on this disk, so a hostile manifest must not reach
 * outside the model's folder.
 */
export function parseModelJson(text: string, url: string, contentType: string | null): ModelJsonInfo {
  const invalid = (what: string) =>
    new TransferLabError(
      'MODEL_INVALID',
      `The address ${url} did not return a TensorFlow.js model: ${what}.`,
      'Use the address of a model.json file (or a TF Hub / Kaggle TF.js handle with "from TF Hub" on).',
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(describeNonModel(text, contentType));
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid('it returned JSON that is not an object');
  }
  const o = json as Record<string, unknown>;
  const hasTopology = typeof o.modelTopology === 'object' && o.modelTopology !== null;
  const isGraph = typeof o.format === 'string' && o.format.startsWith('graph');
  if (!hasTopology && !isGraph) throw invalid('the JSON has no modelTopology');
  if (!Array.isArray(o.weightsManifest)) throw invalid('the JSON has no weightsManifest');

  const groups: WeightsGroup[] = [];
  const seen = new Set<string>();
  for (const g of o.weightsManifest as unknown[]) {
    const group = g as Record<string, unknown> | null;
    if (!group || !Array.isArray(group.paths) || !group.paths.every((p) => typeof p === 'string')) {
      throw invalid('a weightsManifest group has no list of paths');
    }
    if (!Array.isArray(group.weights) || !group.weights.every(isWeightSpec)) {
      throw invalid('a weightsManifest group has no valid list of weights');
    }
    for (const p of group.paths as string[]) {
      if (!isSafeRelativePath(p)) throw invalid('the weights manifest names an unsafe file path (outside the model folder, or a name the cache keeps)');
      if (seen.has(p)) throw invalid('the weights manifest names one file twice');
      seen.add(p);
    }
    groups.push({ paths: group.paths as string[], weights: group.weights as WeightSpec[] });
  }
  return { format: isGraph ? 'graph' : 'layers', groups };
}

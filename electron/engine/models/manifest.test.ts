import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransferLabError } from '../../../shared/errors';
import { expectedGroupBytes, parseModelJson, shardUrl, tfHubModelUrl, type WeightsGroup } from './manifest';

const require = createRequire(import.meta.url);

/** nsfwjs exports no file paths, so walk up from its entry point to the package folder. */
function nsfwjsModelsDir(): string {
  let dir = path.dirname(require.resolve('nsfwjs'));
  while (!fs.existsSync(path.join(dir, 'dist', 'models'))) {
    if (path.dirname(dir) === dir) throw new Error('nsfwjs is not installed: run npm install');
    dir = path.dirname(dir);
  }
  return path.join(dir, 'dist', 'models');
}

describe('model addresses', () => {
  it('turns a hub handle into the address tfjs fetches', () => {
    const handle = 'https://tfhub.dev/google/tfjs-model/imagenet/inception_v3/feature_vector/3/default/1';
    expect(tfHubModelUrl(handle)).toBe(`${handle}/model.json?tfjs-format=file`);
    expect(tfHubModelUrl(`${handle}/`)).toBe(`${handle}/model.json?tfjs-format=file`);
  });

  it('puts shards beside model.json and carries its query over, like tfjs-core parseUrl', () => {
    expect(shardUrl('https://h/a/b/model.json', 'group1-shard1of2.bin')).toBe('https://h/a/b/group1-shard1of2.bin');
    expect(shardUrl('https://h/x/1/model.json?tfjs-format=file', 'group1-shard1of1.bin')).toBe('https://h/x/1/group1-shard1of1.bin?tfjs-format=file');
  });
});

describe('expectedGroupBytes', () => {
  it('sizes plain and quantized weights as tfjs-core does', () => {
    const group: WeightsGroup = {
      paths: ['a'],
      weights: [
        { name: 'k', shape: [3, 3, 3, 8], dtype: 'float32' },
        { name: 'q8', shape: [10], dtype: 'float32', quantization: { dtype: 'uint8' } },
        { name: 'q16', shape: [10], dtype: 'float32', quantization: { dtype: 'uint16' } },
        { name: 'h', shape: [4], dtype: 'float32', quantization: { dtype: 'float16' } },
        { name: 'i', shape: [2], dtype: 'int32' },
        { name: 'scalar', shape: [], dtype: 'float32' },
      ],
    };
    expect(expectedGroupBytes(group)).toBe(216 * 4 + 10 + 20 + 8 + 8 + 4);
  });

  it('cannot size string tensors ahead', () => {
    expect(expectedGroupBytes({ paths: ['a'], weights: [{ name: 's', shape: [2], dtype: 'string' }] })).toBeNull();
  });

  // real, uint8-quantized Keras and graph models: the rule must match what publishers ship
  it.each(['mobilenet_v2', 'mobilenet_v2_mid', 'inception_v3'])('matches the shards of nsfwjs %s', (name) => {
    const dir = path.join(nsfwjsModelsDir(), name);
    const json = require(`${dir}/model.min.js`) as { weightsManifest: WeightsGroup[] };
    const info = parseModelJson(JSON.stringify(json), name, 'application/json');
    for (const group of info.groups) {
      const bytes = group.paths.map((p) => Buffer.from(require(`${dir}/${p}.min.js`) as string, 'base64').length).reduce((a, b) => a + b, 0);
      expect(expectedGroupBytes(group)).toBe(bytes);
    }
  });
});

describe('parseModelJson', () => {
  const manifest = [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [2], dtype: 'float32' }] }];
  const parse = (value: unknown, type = 'application/json') => parseModelJson(JSON.stringify(value), 'https://h/model.json', type);
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof TransferLabError ? `${e.code}: ${e.message}` : String(e);
    }
    return 'no error';
  };

  it('accepts layers and graph models', () => {
    expect(parse({ modelTopology: {}, weightsManifest: manifest }).format).toBe('layers');
    expect(parse({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: manifest }).format).toBe('graph');
  });

  it('names what it got instead of a model', () => {
    expect(code(() => parseModelJson('<html><body>404</body></html>', 'https://h/m', 'text/html'))).toMatch(
      /^MODEL_INVALID: The address https:\/\/h\/m did not return a TensorFlow\.js model: it returned an HTML page/,
    );
    expect(code(() => parseModelJson('', 'u', null))).toMatch(/empty answer/);
    expect(code(() => parseModelJson('PK\u0003\u0004zip', 'u', 'application/zip'))).toMatch(/returned 7 bytes that are not JSON\.$/);
    expect(code(() => parseModelJson('admin password: hunter2', 'u', 'text/plain'))).not.toMatch(/hunter2|admin/);
    expect(code(() => parse([1, 2]))).toMatch(/not an object/);
    expect(code(() => parse({ modelTopology: {} }))).toMatch(/no weightsManifest/);
    expect(code(() => parse({ modelTopology: {}, weightsManifest: [{ paths: 'x' }] }))).toMatch(/no list of paths/);
    expect(code(() => parse({ modelTopology: {}, weightsManifest: [{ paths: ['a'], weights: [{}] }] }))).toMatch(/no valid list of weights/);
  });

  it.each(['../x.bin', '/etc/passwd', 'a/../../b', 'C:\\w.bin', 'source.json', 'model.json', 'a.part', ''])('refuses the shard path "%s"', (bad) => {
    const weightsManifest = [{ paths: [bad], weights: [] }];
    expect(code(() => parse({ modelTopology: {}, weightsManifest }))).toMatch(/^MODEL_INVALID: .*unsafe file path/);
  });

  it('allows shards in sub-folders and refuses a path named twice', () => {
    const ok = parse({ modelTopology: {}, weightsManifest: [{ paths: ['weights/g1.bin'], weights: [] }] });
    expect(ok.groups[0]!.paths).toEqual(['weights/g1.bin']);
    const twice = [
      { paths: ['a.bin'], weights: [] },
      { paths: ['a.bin'], weights: [] },
    ];
    expect(code(() => parse({ modelTopology: {}, weightsManifest: twice }))).toMatch(/names one file twice/);
  });
});

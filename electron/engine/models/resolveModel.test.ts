import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { initBackend } from '../tf/backend';
import { planBackbone } from '../run/openBackbone';
import { modelCatalog } from '../../../shared/catalog';
import { cachedCatalogIds, isModelAddress, resolveModel } from './resolveModel';

/** A real pre-trained model served over http on 127.0.0.1, as a model hub would serve it. */
let server: http.Server;
let base: string;
const requests: string[] = [];
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-models-'));

beforeAll(async () => {
  await initBackend('wasm');
  const dir = pretrainedModelDir('mobilenet_v2');
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const file = path.join(dir, path.basename((req.url ?? '').split('?')[0]!));
    if (!fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'content-length': body.length, 'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('resolving a model the user names', () => {
  it('downloads a real model from an address once, then works offline from the cache', async () => {
    const progress: number[] = [];
    const first = await resolveModel(`${base}/model.json`, { cacheDir, onDownload: (p) => progress.push(p.bytesDone) });
    expect(first).toMatchObject({ downloaded: true, fromCache: false, format: 'layers' });
    expect(progress.length).toBeGreaterThan(0);
    expect(first.key).toBe((await resolveModel(pretrainedModelDir('mobilenet_v2'))).key);
    const plan = await planBackbone(first, undefined);
    expect(plan).toMatchObject({ cut: 'flatten_1', featureDim: 1280 });

    const before = requests.length;
    await new Promise<void>((r) => server.close(() => r()));
    const again = await resolveModel(`${base}/model.json`, { cacheDir });
    expect(again).toMatchObject({ fromCache: true, dir: first.dir });
    expect(requests.length).toBe(before);
    server.listen(Number(new URL(base).port), '127.0.0.1');
  });

  it('tells which catalog entries are in the cache (the cards that need no download)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-models-cached-'));
    const entries = [
      { ...modelCatalog[0]!, id: 'served', url: `${base}/model.json` },
      { ...modelCatalog[0]!, id: 'elsewhere', url: `${base}/other/model.json` },
    ];
    expect(await cachedCatalogIds({ cacheDir: dir, entries })).toEqual([]);
    await resolveModel(`${base}/model.json`, { cacheDir: dir });
    expect(await cachedCatalogIds({ cacheDir: dir, entries })).toEqual(['served']);
    expect(await cachedCatalogIds({ cacheDir: dir })).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes a local folder as it is, and a model.json path as its folder', async () => {
    const dir = pretrainedModelDir('mobilenet_v2');
    expect((await resolveModel(dir)).dir).toBe(dir);
    expect((await resolveModel(path.join(dir, 'model.json'))).dir).toBe(dir);
    expect((await resolveModel(dir)).preprocessing).toMatchObject({ height: 224, width: 224, range: [-1, 1] });
  });

  it('says clearly what is wrong with a name that is nothing', async () => {
    await expect(resolveModel('mobilenet_v9')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', hint: expect.stringMatching(/transfer-lab models/) });
    // a shortened id names the ones it may mean (it said only "neither a catalog id, …")
    await expect(resolveModel('mobilenet_v2')).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringMatching(/Did you mean mobilenet_v2_100_224, mobilenet_v2_100_224_tfhub or mobilenet_v2_075_224 \(and 2 more\)\?$/),
    });
    await expect(resolveModel('Inception-V3')).rejects.toMatchObject({ message: expect.stringMatching(/Did you mean inception_v3_tfhub\?$/) });
    await expect(resolveModel('mobilenet_v9')).rejects.toMatchObject({ message: expect.not.stringMatching(/Did you mean/) });
    await expect(resolveModel(os.tmpdir())).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});

describe('the addresses the engine fetches', () => {
  it('fetches only a model.json or a hub handle: any other address is refused before a request is sent', async () => {
    const before = requests.length;
    for (const address of [
      `${base}/`,
      `${base}/admin/secrets.txt`,
      `${base}/model.json.bak`,
      'http://169.254.169.254/latest/meta-data/',
      'https://tfhub.dev/',
    ]) {
      await expect(resolveModel(address, { cacheDir })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: `${address} is not a model address.` });
    }
    expect(requests.length).toBe(before);
  });

  it('knows a model address when it sees one', () => {
    expect(isModelAddress('https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json')).toBe(true);
    expect(isModelAddress('http://127.0.0.1:8080/m/model.json?v=2')).toBe(true);
    expect(isModelAddress('https://tfhub.dev/google/tfjs-model/imagenet/mobilenet_v2_100_224/feature_vector/3/default/1')).toBe(true);
    expect(isModelAddress('https://www.kaggle.com/models/google/mobilenet-v3/TfJs/small-100-224-feature-vector/1')).toBe(true);
    expect(isModelAddress('https://example.com/model.json/../x')).toBe(false);
    expect(isModelAddress('file:///etc/model.json')).toBe(false);
    expect(isModelAddress('https://tfhub.dev.evil.example/x')).toBe(false);
  });
});

describe('a local model folder', () => {
  it('takes its input size from the model itself: 299 for Inception v3, 224 for MobileNetV2, and from a graph model', async () => {
    const sizes = await Promise.all(
      (['inception_v3', 'mobilenet_v2', 'mobilenet_v2_mid'] as const).map(async (m) => (await resolveModel(pretrainedModelDir(m))).preprocessing),
    );
    expect(sizes.map((p) => [p.height, p.width])).toEqual([
      [299, 299],
      [224, 224],
      [224, 224],
    ]);
  });
});

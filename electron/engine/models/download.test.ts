import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransferLabError } from '../../../shared/errors';
import { downloadModel, isModelCached, modelCacheFolder, type DownloadProgress } from './download';
import {
  closedPort,
  makeTinyLayersModel,
  sendPartThenDrop,
  sendPartThenStall,
  serveFile,
  shardNames,
  startModelServer,
  type TestServer,
} from './testModelServer';

const model = makeTinyLayersModel();
const shard1 = `/model/${shardNames[0]}`;
const fast = { retryDelayMs: 5 };

let cacheDir: string;
let server: TestServer | undefined;

beforeEach(async () => {
  cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tl-download-'));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await fs.rm(cacheDir, { recursive: true, force: true });
});

async function expectModelFolder(dir: string): Promise<void> {
  for (const [rel, bytes] of model.files) {
    expect((await fs.readFile(path.join(dir, rel))).equals(bytes), rel).toBe(true);
  }
  const left = await fs.readdir(dir);
  expect(left.sort()).toEqual([...model.files.keys(), 'source.json'].sort());
}

async function failure(p: Promise<unknown>): Promise<TransferLabError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransferLabError);
  return err as TransferLabError;
}

describe('downloadModel', () => {
  it('downloads model.json and its shards byte for byte, reporting progress', async () => {
    server = await startModelServer(model.files);
    const url = `${server.origin}/model/model.json`;
    const events: DownloadProgress[] = [];
    const got = await downloadModel(url, { cacheDir, onProgress: (p) => events.push(p) });

    expect(got.fromCache).toBe(false);
    expect(got.dir).toBe(modelCacheFolder(url, { cacheDir }));
    expect(path.basename(got.dir)).toMatch(/^[0-9a-f]{16}$/);
    await expectModelFolder(got.dir);
    await expect(fs.stat(`${got.dir}.staging`)).rejects.toThrow();

    const source = JSON.parse(await fs.readFile(path.join(got.dir, 'source.json'), 'utf8'));
    expect(source.url).toBe(url);
    expect(source.fromTFHub).toBe(false);
    expect(source.files.map((f: { path: string }) => f.path)).toEqual(['model.json', ...shardNames]);
    expect(source.files[1]).toMatchObject({ bytes: 4096, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    expect(events[0]).toMatchObject({ file: 'model.json', filesDone: 1, filesTotal: 3 });
    expect(events.at(-1)).toMatchObject({ file: shardNames[1], filesDone: 3, filesTotal: 3, bytesDone: 2368 });
    const firstShard = events.filter((e) => e.file === shardNames[0]);
    expect(firstShard.length).toBeGreaterThan(0);
    expect(firstShard.every((e) => e.bytesTotal === 4096)).toBe(true);
    expect(await isModelCached(url, { cacheDir })).toBe(true);
  });

  it('serves a finished model from the cache without the network', async () => {
    server = await startModelServer(model.files);
    const url = `${server.origin}/model/model.json`;
    const first = await downloadModel(url, { cacheDir });
    await server.close();
    server = undefined;

    let fetched = 0;
    const offlineFetch = (() => {
      fetched++;
      return Promise.reject(new TypeError('fetch failed: offline'));
    }) as typeof fetch;
    const second = await downloadModel(url, { cacheDir, fetchImpl: offlineFetch });
    expect(second).toEqual({ dir: first.dir, fromCache: true });
    expect(fetched).toBe(0);
    await expectModelFolder(second.dir);
  });

  it('says which status a missing model got', async () => {
    server = await startModelServer(model.files);
    const url = `${server.origin}/nowhere/model.json`;
    const err = await failure(downloadModel(url, { cacheDir }));
    expect(err.code).toBe('DOWNLOAD_FAILED');
    expect(err.message).toContain('404');
    expect(err.hint).toMatch(/address/);
    expect(await isModelCached(url, { cacheDir })).toBe(false);
  });

  it('explains a refused connection and that cached models still work', async () => {
    const port = await closedPort();
    const err = await failure(downloadModel(`http://127.0.0.1:${port}/model/model.json`, { cacheDir }));
    expect(err.code).toBe('DOWNLOAD_FAILED');
    expect(err.message).toMatch(new RegExp(`^Could not reach 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect(err.hint).toBe('Check the address and your network connection; models downloaded before stay available offline.');
  });

  it('resumes a shard whose connection broke off, with a Range request', async () => {
    const body = model.shards.get(shardNames[0])!;
    server = await startModelServer(model.files, (req, res, n) => {
      if (req.url === shard1 && n === 1) {
        sendPartThenDrop(res, body, 1500);
        return true;
      }
      return undefined;
    });
    const got = await downloadModel(`${server.origin}/model/model.json`, { cacheDir, ...fast });
    const asked = server.requests.filter((r) => r.path === shard1);
    expect(asked).toHaveLength(2);
    expect(asked[0]!.range).toBeUndefined();
    expect(asked[1]!.range).toBe('bytes=1500-');
    await expectModelFolder(got.dir);
  });

  it('starts a shard over when the server ignores Range', async () => {
    const body = model.shards.get(shardNames[0])!;
    server = await startModelServer(model.files, (req, res, n) => {
      if (req.url !== shard1) return undefined;
      if (n === 1) sendPartThenDrop(res, body, 1000);
      else serveFile(model.files, shard1, req, res, { honourRange: false });
      return true;
    });
    const got = await downloadModel(`${server.origin}/model/model.json`, { cacheDir, ...fast });
    expect(server.requests.filter((r) => r.path === shard1)[1]!.range).toBe('bytes=1000-');
    await expectModelFolder(got.dir);
  });

  it('gives up on a connection that always breaks, keeping the part for later', async () => {
    const body = model.shards.get(shardNames[0])!;
    server = await startModelServer(model.files, (req, res) => {
      if (req.url !== shard1) return undefined;
      // no Range support and always cut: nothing ever completes
      sendPartThenDrop(res, body, 700);
      return true;
    });
    const url = `${server.origin}/model/model.json`;
    const err = await failure(downloadModel(url, { cacheDir, maxAttempts: 3, ...fast }));
    expect(err.code).toBe('DOWNLOAD_FAILED');
    expect(err.message).toMatch(/group1-shard1of2\.bin .* after 3 attempts .*broke off 3 times/);
    expect(server.count(shard1)).toBe(3);
    const dir = modelCacheFolder(url, { cacheDir });
    expect((await fs.stat(path.join(`${dir}.staging`, `${shardNames[0]}.part`))).size).toBe(700);
    await expect(fs.stat(dir)).rejects.toThrow();
  });

  it('rejects an HTML page as MODEL_INVALID and leaves no folder', async () => {
    server = await startModelServer(model.files, (req, res) => {
      if (!req.url?.endsWith('model.json')) return undefined;
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Sign in</body></html>');
      return true;
    });
    const url = `${server.origin}/model/model.json`;
    const err = await failure(downloadModel(url, { cacheDir }));
    expect(err.code).toBe('MODEL_INVALID');
    expect(err.message).toBe(`The address ${url} did not return a TensorFlow.js model: it returned an HTML page, perhaps a sign-in, error or landing page.`);
    expect(await fs.readdir(cacheDir)).toEqual([]);
  });

  it('rejects JSON that is not a model, and shard paths that leave the folder', async () => {
    const notModel = new Map(model.files).set('model.json', Buffer.from('{"hello": "world"}'));
    server = await startModelServer(notModel);
    const err = await failure(downloadModel(`${server.origin}/model/model.json`, { cacheDir }));
    expect(err.code).toBe('MODEL_INVALID');
    expect(err.message).toMatch(/no modelTopology/);
    await server.close();

    const json = JSON.parse(model.modelJson.toString());
    json.weightsManifest[0].paths = ['../../escape.bin', shardNames[1]];
    server = await startModelServer(new Map(model.files).set('model.json', Buffer.from(JSON.stringify(json))));
    const unsafe = await failure(downloadModel(`${server.origin}/model/model.json`, { cacheDir }));
    expect(unsafe.code).toBe('MODEL_INVALID');
    expect(unsafe.message).toMatch(/unsafe file path/);
    expect(await fs.readdir(cacheDir)).toEqual([]);
  });

  it('fails a shard shorter than the weights manifest needs, even with a matching Content-Length', async () => {
    const short = model.shards.get(shardNames[0])!.subarray(0, 4000);
    server = await startModelServer(model.files, (req, res) => {
      if (req.url !== shard1) return undefined;
      res.writeHead(200, { 'content-length': short.length }).end(short);
      return true;
    });
    const url = `${server.origin}/model/model.json`;
    const err = await failure(downloadModel(url, { cacheDir, ...fast }));
    expect(err.code).toBe('DOWNLOAD_FAILED');
    expect(err.message).toContain("hold 6368 bytes, but the model's weights manifest needs 6464");
    expect(await isModelCached(url, { cacheDir })).toBe(false);
    await expect(fs.stat(modelCacheFolder(url, { cacheDir }))).rejects.toThrow();
    // the damaged shard is not kept to poison the next try
    await expect(fs.stat(path.join(`${modelCacheFolder(url, { cacheDir })}.staging`, shardNames[0]))).rejects.toThrow();
  });

  it('follows a redirect to where the model really is', async () => {
    server = await startModelServer(model.files, (req, res) => {
      if (!req.url?.startsWith('/moved/')) return undefined;
      res.writeHead(302, { location: req.url.replace('/moved/', '/model/') }).end();
      return true;
    });
    const got = await downloadModel(`${server.origin}/moved/model.json`, { cacheDir });
    await expectModelFolder(got.dir);
    expect(server.count('/model/model.json')).toBe(1);
    expect(server.count(shard1)).toBe(1);
  });

  it('loads a TF Hub handle as tfjs does: model.json and shards with ?tfjs-format=file', async () => {
    server = await startModelServer(model.files, (req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (!u.pathname.startsWith('/hub/google/tiny/1/')) return undefined;
      if (u.searchParams.get('tfjs-format') !== 'file') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>model page</html>');
        return true;
      }
      serveFile(model.files, u.pathname.replace('/hub/google/tiny/1/', '/model/'), req, res);
      return true;
    });
    const handle = `${server.origin}/hub/google/tiny/1`;
    const got = await downloadModel(handle, { cacheDir, fromTFHub: true });
    await expectModelFolder(got.dir);
    expect(server.requests.map((r) => `${r.path}?${r.query}`)).toEqual([
      '/hub/google/tiny/1/model.json?tfjs-format=file',
      `/hub/google/tiny/1/${shardNames[0]}?tfjs-format=file`,
      `/hub/google/tiny/1/${shardNames[1]}?tfjs-format=file`,
    ]);
    expect(await isModelCached(handle, { cacheDir, fromTFHub: true })).toBe(true);
    expect(await isModelCached(handle, { cacheDir })).toBe(false);
  });

  it('cancels through an AbortSignal, keeps the part, and resumes on the next call', async () => {
    const body = model.shards.get(shardNames[0])!;
    server = await startModelServer(model.files, (req, res, n) => {
      if (req.url === shard1 && n === 1) {
        sendPartThenStall(res, body, 2000);
        return true;
      }
      return undefined;
    });
    const url = `${server.origin}/model/model.json`;
    const controller = new AbortController();
    const err = await failure(
      downloadModel(url, {
        cacheDir,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.file === shardNames[0] && p.bytesDone > 0) controller.abort();
        },
      }),
    );
    expect(err.code).toBe('CANCELLED');
    const part = path.join(`${modelCacheFolder(url, { cacheDir })}.staging`, `${shardNames[0]}.part`);
    const kept = (await fs.stat(part)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(2000);
    expect(await isModelCached(url, { cacheDir })).toBe(false);

    const got = await downloadModel(url, { cacheDir });
    expect(got.fromCache).toBe(false);
    expect(server.requests.filter((r) => r.path === shard1).map((r) => r.range)).toEqual([undefined, `bytes=${kept}-`]);
    await expectModelFolder(got.dir);
  });

  it('refuses an address that is not http(s)', async () => {
    const err = await failure(downloadModel('file:///tmp/model.json', { cacheDir }));
    expect(err.code).toBe('BAD_ARGUMENT');
  });
});

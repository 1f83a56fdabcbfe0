import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransferLabError } from '../../../shared/errors';
import { downloadModel, modelCacheFolder, type DownloadProgress } from './download';
import { makeTinyLayersModel, sendPartThenStall, shardNames, startModelServer, type TestServer } from './testModelServer';

/**
 * Our own network timeouts (undici's are five minutes each) and what a failed download
 * leaves behind. The timeouts are options: these tests use 300 ms where a user gets 30 s.
 */
const model = makeTinyLayersModel();
const shard1 = `/model/${shardNames[0]}`;
const quick = { answerTimeoutMs: 300, stallTimeoutMs: 300, retryDelayMs: 5 };

let cacheDir: string;
let server: TestServer | undefined;

beforeEach(async () => {
  cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tl-download-timeouts-'));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await fs.rm(cacheDir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<TransferLabError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransferLabError);
  return err as TransferLabError;
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

describe('network timeouts of our own', () => {
  it('a server that accepts and never answers is an error that says so', async () => {
    // the request is taken and left hanging: no status, no headers, ever
    server = await startModelServer(model.files, () => true);
    const host = new URL(server.origin).host;
    const url = `${server.origin}/model/model.json`;
    const err = await failure(downloadModel(url, { cacheDir, ...quick }));
    expect(err).toMatchObject({
      code: 'DOWNLOAD_FAILED',
      message: `${host} did not answer within 0.3 s (asked for ${url}).`,
      hint: expect.stringMatching(/down or overloaded: try again later/),
    });
    expect(await fs.readdir(cacheDir)).toEqual([]);
  }, 20_000);

  it('a shard that stalls is retried, each retry said, then an error that names the stall; the part is kept to resume', async () => {
    const body = model.shards.get(shardNames[0])!;
    server = await startModelServer(model.files, (req, res) => {
      if (req.url !== shard1) return undefined;
      sendPartThenStall(res, body, 1000);
      return true;
    });
    const host = new URL(server.origin).host;
    const url = `${server.origin}/model/model.json`;
    const events: DownloadProgress[] = [];
    const err = await failure(downloadModel(url, { cacheDir, ...quick, maxAttempts: 3, onProgress: (p) => events.push(p) }));
    expect(err.code).toBe('DOWNLOAD_FAILED');
    expect(err.message).toBe(
      `Downloading ${shardNames[0]} from ${host} failed after 3 attempts (it broke off 3 times): ${host} stopped sending ${server.origin}${shard1}: no data for 0.3 s. 1000 of 4096 bytes are kept.`,
    );
    const retries = events.filter((e) => e.retry).map((e) => ({ file: e.file, ...e.retry }));
    expect(retries).toEqual([
      { file: shardNames[0], attempt: 2, attempts: 3, delayMs: 5, reason: `${host} stopped sending ${server.origin}${shard1}: no data for 0.3 s` },
      { file: shardNames[0], attempt: 3, attempts: 3, delayMs: 10, reason: `${host} stopped sending ${server.origin}${shard1}: no data for 0.3 s` },
    ]);
    // the server ignores Range here, so each try starts over: still, what came is kept for the next call
    expect((await fs.stat(path.join(`${modelCacheFolder(url, { cacheDir })}.staging`, `${shardNames[0]}.part`))).size).toBe(1000);
  }, 20_000);

  it('a shard request that gets no answer is retried with the reason, and resumes on the next call', async () => {
    let hang = true;
    server = await startModelServer(model.files, (req) => (req.url === shard1 && hang ? true : undefined));
    const host = new URL(server.origin).host;
    const url = `${server.origin}/model/model.json`;
    const events: DownloadProgress[] = [];
    const err = await failure(downloadModel(url, { cacheDir, ...quick, maxAttempts: 2, onProgress: (p) => events.push(p) }));
    expect(err.message).toMatch(new RegExp(`failed after 2 attempts: ${host.replace('.', '\\.')} did not answer within 0\\.3 s`));
    expect(events.filter((e) => e.retry).map((e) => e.retry!.reason)).toEqual([`${host} did not answer within 0.3 s (asked for ${server.origin}${shard1})`]);
    // nothing was received: nothing is kept
    expect(await exists(`${modelCacheFolder(url, { cacheDir })}.staging`)).toBe(false);
    hang = false;
    expect((await downloadModel(url, { cacheDir, ...quick })).fromCache).toBe(false);
  }, 20_000);
});

describe('what a failed download leaves', () => {
  it('a shard the server does not have leaves no staging folder', async () => {
    server = await startModelServer(new Map([...model.files].filter(([name]) => name !== shardNames[1])));
    const url = `${server.origin}/model/model.json`;
    const err = await failure(downloadModel(url, { cacheDir, ...quick }));
    expect(err.message).toMatch(/404/);
    expect(await fs.readdir(cacheDir)).toEqual([]);
  });

  it('the next download removes staging folders nothing will resume: a day untouched, or of a model already complete', async () => {
    server = await startModelServer(model.files);
    const stale = path.join(cacheDir, '0123456789abcdef.staging');
    const recent = path.join(cacheDir, 'fedcba9876543210.staging');
    for (const dir of [stale, recent]) {
      await fs.mkdir(dir);
      await fs.writeFile(path.join(dir, 'group1-shard1of1.bin.part'), 'partial');
    }
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await fs.utimes(path.join(stale, 'group1-shard1of1.bin.part'), twoDaysAgo, twoDaysAgo);
    await fs.utimes(stale, twoDaysAgo, twoDaysAgo);
    const first = await downloadModel(`${server.origin}/model/model.json`, { cacheDir });
    // a model complete under its final name beside a staging folder a crash left
    const leftover = `${first.dir}.staging`;
    await fs.mkdir(leftover);
    await fs.writeFile(path.join(leftover, 'model.json'), '{}');
    await downloadModel(`${server.origin}/model/model.json?again`, { cacheDir });
    expect(await exists(stale)).toBe(false);
    expect(await exists(leftover)).toBe(false);
    // another download's, touched today, may still be resumed
    expect(await exists(recent)).toBe(true);
  });
});

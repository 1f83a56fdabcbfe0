import { fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FromEngine } from '../electron/engine/service/utilityServer';
import { contentSecurityPolicyMeta } from '../shared/csp';
import { externalImports } from '../test/fixtures/bundleImports';

/**
 * The desktop build as electron-builder will package it, made with electron-vite (which needs
 * no Electron binary), then run where it can be without Electron: the engine's entry and its
 * extraction worker under plain Node, through the parentPort shim, training a real network.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// inside the checkout, so the bundle finds node_modules as it does in the app
const outDir = path.join(root, '.cache', `bundle-test-${process.pid}`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bundle-'));
const built = (p: string) => path.join(outDir, p);

beforeAll(() => {
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--outDir', outDir, '--logLevel', 'warn'],
    { cwd: root, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
}, 300_000);
afterAll(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the desktop build', () => {
  it('emits main (and its window icon), the engine, its worker, the CLI, the preload and the renderer', () => {
    for (const f of ['main/index.js', 'main/engine.js', 'main/extractWorker.js', 'main/cli.js', 'main/icon.png', 'preload/index.cjs', 'renderer/index.html']) {
      expect(fs.existsSync(built(f)), f).toBe(true);
    }
  });

  it('keeps main thin: no image or TensorFlow code loads in the main process', () => {
    const deps = [...externalImports(built('main/index.js'))];
    expect(deps).toContain('electron');
    expect(deps.filter((d) => /^(sharp|@tensorflow\/|onnxruntime)/.test(d))).toEqual([]);
  });

  it('bundles the sandboxed preload as CommonJS needing nothing but electron', () => {
    expect([...externalImports(built('preload/index.cjs'))]).toEqual(['electron']);
    expect(fs.readFileSync(built('preload/index.cjs'), 'utf8')).not.toMatch(/^import\s/m);
  });

  it('writes the Content-Security-Policy into the page itself', () => {
    const html = fs.readFileSync(built('renderer/index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html);
    expect(meta?.[1]?.replaceAll('&#39;', "'")).toBe(contentSecurityPolicyMeta);
    // before anything it governs
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('runs the bundled CLI', () => {
    const r = spawnSync(process.execPath, [built('main/cli.js'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: transfer-lab/);
  });

  /** a training run through the bundled engine's entry, under plain Node: the job's end */
  async function trainBundled(config: Record<string, unknown>): Promise<Extract<FromEngine, { type: 'event' }>> {
    const child = fork(path.join(root, 'electron', 'engine', 'service', 'testing', 'parentPortShim.mjs'), [built('main/engine.js')], {
      env: {
        ...process.env,
        TRANSFER_LAB_CACHE: work,
        XDG_CONFIG_HOME: work,
        TRANSFER_LAB_EXTRACT_WORKER: built('main/extractWorker.js'),
        TRANSFER_LAB_BACKEND: 'wasm',
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const finished = new Promise<FromEngine>((resolve) =>
      child.on('message', (m: FromEngine) => m.type === 'event' && m.name === 'job.finished' && resolve(m)),
    );
    const { fashionMnistDataset } = await import('../test/fixtures/fashionMnist');
    const { pretrainedModelDir } = await import('../test/fixtures/pretrainedModels');
    child.send({
      type: 'request',
      id: 1,
      name: 'train.start',
      input: {
        dataset: await fashionMnistDataset({ perClass: 5 }),
        split: { val: 0.2, test: 0.2 },
        source: pretrainedModelDir('mobilenet_v2'),
        cut: null,
        config: {
          epochs: 2,
          batchSize: 8,
          learningRate: 0.01,
          optimizer: 'adam',
          momentum: 0.9,
          seed: 1,
          patience: 5,
          head: { hiddenUnits: 0, dropout: 0 },
          ...config,
        },
      },
    });
    const done = (await finished) as Extract<FromEngine, { type: 'event' }>;
    child.kill();
    return done;
  }

  it('trains a real network with the bundled engine and its bundled extraction worker', async () => {
    const done = await trainBundled({});
    // the bundled worker finds onnxruntime-node (external, a native module) and runs on it
    expect(done.payload).toMatchObject({ status: 'done', error: null, run: { extractor: { runtime: 'onnx' } } });
  }, 240_000);

  it('fine-tunes with the bundled worker thread sharing the batches, where there is a second core', async () => {
    // 30 training images in batches of 16 over 8 epochs: 16 batches, two shards of 8
    const done = await trainBundled({ epochs: 8, batchSize: 16, fineTuneLayers: 2, patience: 0 });
    expect(done.payload).toMatchObject({ status: 'done', error: null });
    const by = (done.payload as { run: { devices: { topLayers: { by: string } } } }).run.devices.topLayers.by;
    expect(by).toBe(os.availableParallelism() > 1 ? '@tensorflow/tfjs-backend-wasm on 2 threads' : '@tensorflow/tfjs-backend-wasm');
  }, 240_000);
});

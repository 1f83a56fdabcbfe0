import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPreprocessing } from '../../shared/preprocessing';
import { gpuPortChannel } from '../../shared/gpuWindow';
import { wgslKernelsWindow } from '../../shared/gpuEngines';
import { contentSecurityPolicy } from '../../shared/csp';
import { pretrainedModelDir } from '../../test/fixtures/pretrainedModels';
import { fashionMnistDataset } from '../../test/fixtures/fashionMnist';
import { isSoftwareAdapter } from '../engine/devices/probeDevices';
import type { FromGpuPage, GpuPageAdapter } from '../engine/extract/gpuWindowProtocol';
import { preprocessForWindow } from '../engine/extract/gpuWindowRunner';
import { parityTolerance, relativeDiff } from '../engine/extract/parity';
import { frozenGraphFromLayers } from '../engine/frozen/fromLayers';
import { optimizeFrozenGraph } from '../engine/frozen/frozenGraph';
import { packGraph } from '../engine/frozen/graphWire';
import { decodeForModel } from '../engine/images/modelPixels';
import { initBackend } from '../engine/tf/backend';
import { fileSystemLoader } from '../engine/tf/fsModelIO';

/**
 * The desktop app's GPU window page, built as the app builds it (renderer/gpu.html), in
 * Debian's Chromium with its own WebGPU on SwiftShader (`--enable-unsafe-webgpu` is all headless
 * Chromium needs here for a SwiftShader adapter): MobileNetV2's frozen part on two real images,
 * against the engine's CPU path. The port comes in as the window's preload hands it on, by a
 * window message; everything past that is the page's own code.
 */
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const skip = fs.existsSync(chromiumPath) ? null : `${chromiumPath} is absent (apt-get install chromium)`;
if (skip) console.log(`GPU window page test skipped: ${skip}`);

const root = path.resolve(import.meta.dirname, '..', '..');

describe.skipIf(skip !== null)("the GPU window's page, in Chromium on WebGPU (SwiftShader)", () => {
  let out: string;
  let server: http.Server;
  let url: string;
  let browser: Browser;
  const files = new Map<string, Buffer>();

  beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-gpupage-'));
    await build({
      configFile: false,
      root: path.join(root, 'renderer'),
      base: './',
      logLevel: 'warn',
      build: {
        outDir: out,
        emptyOutDir: true,
        target: 'es2022',
        chunkSizeWarningLimit: 5000,
        rollupOptions: { input: path.join(root, 'renderer', 'gpu.html') },
      },
    });
    server = http.createServer((req, res) => {
      const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const mem = files.get(name);
      const file = path.join(out, name);
      if (mem) res.end(mem);
      else if (file.startsWith(out) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        res.setHeader('content-type', file.endsWith('.html') ? 'text/html' : file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream');
        // the app's own policy, as app:// sends it: no eval, scripts and fetches from the app only
        res.setHeader('Content-Security-Policy', contentSecurityPolicy);
        res.end(fs.readFileSync(file));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // http://127.0.0.1 is a secure context: navigator.gpu is there
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gpu.html`;
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--disable-background-networking', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it("computes MobileNetV2's features for two images within the parity tolerance of the engine's CPU path, on TF.js's kernels and on ours", async () => {
    await initBackend('wasm');
    const model = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('mobilenet_v2')));
    const cut = 'flatten_1';
    const pre = defaultPreprocessing;
    const ds = await fashionMnistDataset({ perClass: 1 });
    const images = ['0_tshirt_top', '9_ankle_boot'].map((k) => path.join(ds, k, fs.readdirSync(path.join(ds, k))[0]!));
    const decoded = await Promise.all(images.map((f) => decodeForModel(f, { width: pre.width, height: pre.height, resize: pre.resize })));
    const pixels = new Uint8Array(decoded.reduce((n, d) => n + d.data.length, 0));
    decoded.forEach((d, i) => pixels.set(d.data, i * d.data.length));
    const input = preprocessForWindow(pixels, 2, [decoded[0]!.height, decoded[0]!.width], pre);

    // the CPU path's reference: the plain TF.js model cut at the bottleneck, on the engine's backend
    const cutModel = tfl.model({ inputs: model.inputs, outputs: model.getLayer(cut).output as tfl.SymbolicTensor });
    const cpu = tf.tidy(() => (cutModel.predict(tf.tensor4d(input, [2, pre.height, pre.width, 3])) as tf.Tensor).dataSync() as Float32Array);
    const packed = packGraph(optimizeFrozenGraph(frozenGraphFromLayers(model, cut)));
    model.dispose();
    files.set('/graph.json', Buffer.from(packed.spec));
    files.set('/weights.bin', Buffer.from(packed.weights));
    files.set('/input.bin', Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    files.set('/pixels.bin', Buffer.from(pixels));
    const pixelShape = [2, decoded[0]!.height, decoded[0]!.width, 3] as [number, number, number, number];

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    const seen = await page.evaluate(
      async ({ channel, shape, preprocessing, pixelShape }) => {
        const bytes = async (name: string) => (await fetch(name)).arrayBuffer();
        // the page's globals (this function runs in Chromium; the test is typed for Node)
        type DomPort = { onmessage: ((e: { data: unknown }) => void) | null; postMessage(m: unknown, transfer?: unknown[]): void };
        const g = globalThis as unknown as {
          MessageChannel: new () => { port1: DomPort; port2: unknown };
          postMessage(m: unknown, origin: string, transfer: unknown[]): void;
        };
        const { port1, port2 } = new g.MessageChannel();
        const answers: FromGpuPage[] = [];
        const answered = (id: number) =>
          new Promise<FromGpuPage>((resolve) => {
            const check = () => {
              const a = answers.find((m) => m.id === id);
              if (a) resolve(a);
              else setTimeout(check, 50);
            };
            check();
          });
        port1.onmessage = (e) => answers.push(e.data as FromGpuPage);
        // as the window's preload does with the port main sends it
        g.postMessage(channel, '*', [port2]);
        port1.postMessage({ type: 'adapter', id: 1 });
        const adapter = await answered(1);
        const weights = await bytes('/weights.bin');
        port1.postMessage({ type: 'load', id: 2, graph: { spec: await (await fetch('/graph.json')).text(), weights } }, [weights]);
        const loaded = await answered(2);
        const input = new Float32Array(await bytes('/input.bin'));
        port1.postMessage({ type: 'run', id: 3, input, shape }, [input.buffer]);
        const features = await answered(3);
        port1.postMessage({ type: 'run', id: 4, input: new Float32Array(5), shape: [1, 224, 224, 3] });
        const bad = await answered(4);
        // with the preprocessing, our WGSL kernels: the decoder's bytes in
        const again = await bytes('/weights.bin');
        port1.postMessage({ type: 'load', id: 5, graph: { spec: await (await fetch('/graph.json')).text(), weights: again }, preprocessing }, [again]);
        const loadedWgsl = await answered(5);
        port1.postMessage({ type: 'runPixels', id: 6, pixels: new Uint8Array(await bytes('/pixels.bin')), shape: pixelShape });
        const wgsl = await answered(6);
        return {
          adapter,
          loaded,
          features: features.type === 'features' ? Array.from(features.data) : features,
          bad,
          loadedWgsl,
          wgsl: wgsl.type === 'features' ? Array.from(wgsl.data) : wgsl,
        };
      },
      { channel: gpuPortChannel, shape: [2, pre.height, pre.width, 3] as [number, number, number, number], preprocessing: pre, pixelShape },
    );
    await page.close();

    expect(errors).toEqual([]);
    const adapter = (seen.adapter as { adapter: GpuPageAdapter }).adapter;
    expect(adapter.architecture).toBe('swiftshader');
    // what the engine's runner reads off it: software, so `auto` would keep to the CPU
    expect(isSoftwareAdapter(adapter, adapter.isFallbackAdapter)).toBe(true);
    expect(seen.loaded).toMatchObject({ type: 'loaded', backend: 'webgpu', input: 'floats' });
    expect(Array.isArray(seen.features)).toBe(true);
    const gpu = Float32Array.from(seen.features as number[]);
    expect(gpu.length).toBe(2 * 1280);
    const diff = relativeDiff(cpu, gpu);
    console.log(`GPU window page on SwiftShader: MobileNetV2 features, relative difference from the CPU path ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(parityTolerance);
    // a bad request is answered as a failure, not a dead page
    expect(seen.bad).toMatchObject({ type: 'failed', id: 4 });
    // our WGSL kernels on Chromium's WebGPU, from the bytes
    expect(seen.loadedWgsl).toMatchObject({ type: 'loaded', backend: wgslKernelsWindow, input: 'pixels' });
    expect(Array.isArray(seen.wgsl)).toBe(true);
    const wgsl = Float32Array.from(seen.wgsl as number[]);
    const wgslDiff = relativeDiff(cpu, wgsl);
    console.log(`GPU window page on SwiftShader, our WGSL kernels: relative difference from the CPU path ${wgslDiff.toExponential(2)}`);
    expect(wgslDiff).toBeLessThanOrEqual(parityTolerance);
  }, 600_000);
});

import { describe, expect, it } from 'vitest';
import { deviceRows, frozenPartStayed } from './devices';
import type { ExtractionMeasurement } from './extraction';
import type { RunRecord } from './run';

type Facts = Parameters<typeof deviceRows>[0];
const backend: RunRecord['backend'] = { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', reason: 'the fastest that loaded' };
const timings: RunRecord['timings'] = { scanSeconds: 0, modelLoadSeconds: 0, extractSeconds: 12, trainSeconds: 1, evaluateSeconds: 0, totalSeconds: 14 };
const m: ExtractionMeasurement = { images: 768, seconds: 12, imagesPerSecond: 64, measuredAt: '2026-12-05T08:00:00.000Z', extractor: 'onnx', device: 'cpu' };
const speed = '64.0 images/s (15.6 ms an image)';
/** a run's facts with this file's backend and timings */
const facts = (o: Omit<Facts, 'backend' | 'timings'>): Facts => ({ backend, timings, ...o });
const onnx = { runtime: 'onnx', backend: 'onnxruntime-node', workers: 2, batchSize: 16, imagesPerSecond: 64 } as const;
/** each row as the Evaluate step shows it: the text, then why not faster on a line of its own (here after a bar) */
const text = (rows: ReturnType<typeof deviceRows>) => rows.map((r) => `${r.label}: ${r.text}${r.why ? ` | ${r.why}` : ''}`);

describe('what ran each part of a run, every fact once', () => {
  it('an extracting run: the device, the runtime with its threads and the extraction in one row, why not the GPU under them', () => {
    const r = facts({
      cache: { hits: 0, misses: 768, dir: '/c' },
      extractor: { ...onnx, threads: 2 },
      extraction: { source: 'extracted', extracted: 768, cached: 0, measurement: m },
      devices: {
        frozenPart: { device: 'cpu', by: "ONNX Runtime's CPU provider", why: 'no GPU adapter (Vulkan found none)' },
        topLayers: { device: 'cpu', by: '@tensorflow/tfjs-backend-wasm on 2 threads' },
        head: { device: 'cpu', by: '@tensorflow/tfjs-backend-wasm on 2 threads', why: '@tensorflow/tfjs-node-gpu: not installed' },
      },
    });
    expect(text(deviceRows(r))).toEqual([
      `Frozen part: CPU by ONNX Runtime's CPU provider (2 threads), extracted now: 12 s for 768 images, ${speed} | CPU because no GPU adapter (Vulkan found none)`,
      'Top layers: CPU by @tensorflow/tfjs-backend-wasm on 2 threads',
      'Head: CPU by @tensorflow/tfjs-backend-wasm on 2 threads | CPU because @tensorflow/tfjs-node-gpu: not installed',
    ]);
  });

  it("the top layers' and the head's reason do not say the frozen part's again: it is on the row above", () => {
    const noAdapter = 'no GPU adapter: Dawn found no Vulkan adapter (none of the Vulkan drivers here answered)';
    const r = facts({
      cache: { hits: 0, misses: 768, dir: '/c' },
      extractor: { ...onnx, threads: 2 },
      extraction: { source: 'extracted', extracted: 768, cached: 0, measurement: m },
      devices: {
        frozenPart: { device: 'cpu', by: "ONNX Runtime's CPU provider", why: noAdapter },
        topLayers: { device: 'cpu', by: '@tensorflow/tfjs-backend-wasm', why: `${frozenPartStayed}: ${noAdapter}` },
        head: { device: 'cpu', by: '@tensorflow/tfjs-backend-wasm', why: `${frozenPartStayed}: ${noAdapter}; @tensorflow/tfjs-node-gpu: not installed` },
      },
    });
    // each said the adapter's reason again: three times in all
    expect(text(deviceRows(r)).slice(1)).toEqual([
      'Top layers: CPU by @tensorflow/tfjs-backend-wasm | CPU because the frozen part stayed on the CPU',
      'Head: CPU by @tensorflow/tfjs-backend-wasm | CPU because the frozen part stayed on the CPU; @tensorflow/tfjs-node-gpu: not installed',
    ]);
  });

  it('a cached run says which extraction its features came from, and a fallback is said where it happened', () => {
    const cached = facts({
      cache: { hits: 768, misses: 0, dir: '/c' },
      extractor: { runtime: 'cache', backend: 'wasm', workers: 0, batchSize: 0, imagesPerSecond: null },
      extraction: { source: 'cache', extracted: 0, cached: 768, measurement: { ...m, extractor: 'webgpu', device: 'gpu' } },
      devices: { frozenPart: { device: 'none', by: 'the feature cache', why: 'extracted once: …' }, head: { device: 'gpu', by: 'TF.js WebGPU' } },
    });
    expect(text(deviceRows(cached))).toEqual([
      // a measurement from before the cache kept whose kernels ran: TF.js's, the only ones then
      `Frozen part: not run: every feature from the cache, extracted once by TF.js's WebGPU backend (Dawn): 12 s for 768 images, ${speed}`,
      'Head: GPU by TF.js WebGPU',
    ]);
    // and why that extraction ran where it did, where the cache kept it
    const onCpu = {
      ...cached,
      extraction: { source: 'cache' as const, extracted: 0, cached: 768, measurement: { ...m, reason: 'no GPU adapter (Vulkan found none)' } },
    };
    expect(text(deviceRows(onCpu))[0]).toBe(
      `Frozen part: not run: every feature from the cache, extracted once by ONNX Runtime (CPU): 12 s for 768 images, ${speed} | CPU because no GPU adapter (Vulkan found none)`,
    );
    const fellBack: Facts = {
      ...cached,
      cache: { hits: 0, misses: 768, dir: '/c' },
      extractor: { runtime: 'fused', backend: 'wasm', workers: 1, batchSize: 8, imagesPerSecond: 64, fallbackReason: 'ONNX Runtime did not load' },
      extraction: { source: 'extracted', extracted: 768, cached: 0, measurement: m },
      devices: { frozenPart: { device: 'cpu', by: '@tensorflow/tfjs-backend-wasm (TF.js fused)' }, head: { device: 'cpu', by: 'wasm' } },
    };
    expect(deviceRows(fellBack)[0]!.text).toBe(
      `CPU by @tensorflow/tfjs-backend-wasm (TF.js fused) (fell back: ONNX Runtime did not load), extracted now: 12 s for 768 images, ${speed}`,
    );
  });

  it('a record from before runs kept their devices reads with what it has', () => {
    const old = facts({
      cache: { hits: 700, misses: 68, dir: '/c' },
      extractor: { ...onnx, threads: 1 },
    });
    expect(text(deviceRows(old))).toEqual([`Frozen part: ONNX Runtime (1 thread), 68 images extracted now, 700 reused from the cache; ${speed}`, 'Head: wasm']);
  });
});

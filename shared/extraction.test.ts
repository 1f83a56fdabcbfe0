import { describe, expect, it } from 'vitest';
import {
  describeExtraction,
  extractionCell,
  extractorFacts,
  extractionOf,
  formatMsPerImage,
  formatSpeed,
  frozenPartLabel,
  keptMeasurement,
  measureExtraction,
  modelSpeed,
  runMeasurement,
  type ExtractionMeasurement,
} from './extraction';
import { sampleRunRecord } from './project.fixtures';
import { runRecordSchema } from './run';
import { wgslKernelsEngine } from './gpuEngines';

const at = '2026-12-05T08:00:00.000Z';
const once: ExtractionMeasurement = { images: 768, seconds: 12, imagesPerSecond: 64, measuredAt: at, extractor: 'onnx', device: 'cpu' };

describe('one extraction speed per model', () => {
  it('formats a speed one way, read as images a second and as time an image', () => {
    expect(formatSpeed(once)).toBe('64.0 images/s (15.6 ms an image)');
    expect(formatSpeed({ images: 5000, imagesPerSecond: 268 })).toBe('268 images/s (3.7 ms an image)');
    expect(formatSpeed({ images: 11, imagesPerSecond: null })).toBe('too few images to time (11)');
    expect(formatSpeed(null)).toBe('not measured yet');
    expect(formatMsPerImage(once)).toBe('15.6');
    expect(formatMsPerImage(null)).toBe('—');
  });

  it("keeps why the extraction ran on its device (the choice's reason, then a fallback's), and whose GPU kernels ran", () => {
    expect(extractorFacts({ runtime: 'onnx', backend: 'onnxruntime-node', deviceReason: 'no GPU adapter' })).toEqual({ reason: 'no GPU adapter' });
    expect(extractorFacts({ runtime: 'fused', backend: 'wasm', deviceReason: 'no GPU adapter', fallbackReason: 'ONNX Runtime did not load' })).toEqual({
      reason: 'no GPU adapter; fell back: ONNX Runtime did not load',
    });
    expect(extractorFacts({ runtime: 'onnx', backend: 'onnxruntime-node' })).toEqual({});
    expect(extractorFacts({ runtime: 'webgpu', backend: wgslKernelsEngine, deviceReason: 'faster' })).toEqual({ reason: 'faster', engine: wgslKernelsEngine });
    expect(measureExtraction({ images: 768, seconds: 12, extractor: 'onnx', device: 'cpu', measuredAt: at, reason: 'no GPU adapter' })).toEqual({
      ...once,
      reason: 'no GPU adapter',
    });
  });

  it('times only an extraction of enough images', () => {
    expect(measureExtraction({ images: 11, seconds: 0.375, extractor: 'onnx', device: 'cpu', measuredAt: at }).imagesPerSecond).toBeNull();
    expect(measureExtraction({ images: 768, seconds: 12, extractor: 'onnx', device: 'cpu', measuredAt: at })).toEqual(once);
  });

  it('keeps the larger extraction when a later run extracts more or less for the same key', () => {
    const small = { ...once, images: 40, seconds: 1, imagesPerSecond: 40, measuredAt: '2026-12-06T00:00:00.000Z' };
    const big = { ...once, images: 2000, seconds: 25, imagesPerSecond: 80 };
    expect(keptMeasurement(once, small)).toBe(once);
    expect(keptMeasurement(once, big)).toBe(big);
    expect(keptMeasurement(null, small)).toBe(small);
    // a run's own figure when it timed enough images, else the cache's
    expect(runMeasurement(small, once)).toBe(small);
    expect(runMeasurement({ ...small, images: 3, imagesPerSecond: null }, once)).toBe(once);
  });

  it('describes a cached run by the extraction its features came from, not by "0.0 s"', () => {
    expect(describeExtraction({ source: 'cache', extracted: 0, cached: 768, measurement: once })).toBe(
      'extracted once by ONNX Runtime (CPU): 12 s for 768 images, 64.0 images/s (15.6 ms an image); reused since',
    );
    expect(describeExtraction({ source: 'extracted', extracted: 768, cached: 0, measurement: once })).toBe(
      'extracted now: 12 s for 768 images, 64.0 images/s (15.6 ms an image)',
    );
    // why it ran where it did is kept with the figure, and said for the runs that only read the features
    const why = { ...once, reason: 'no GPU adapter (Vulkan found none)' };
    expect(describeExtraction({ source: 'cache', extracted: 0, cached: 768, measurement: why })).toBe(
      'extracted once by ONNX Runtime (CPU): 12 s for 768 images, 64.0 images/s (15.6 ms an image); reused since; CPU because no GPU adapter (Vulkan found none)',
    );
    // a run that extracted says it in its extractor's line, not twice
    expect(describeExtraction({ source: 'extracted', extracted: 768, cached: 0, measurement: why })).toBe(
      'extracted now: 12 s for 768 images, 64.0 images/s (15.6 ms an image)',
    );
    expect(
      describeExtraction({ source: 'extracted', extracted: 11, cached: 0, measurement: { ...once, images: 11, seconds: 0.4, imagesPerSecond: null } }),
    ).toBe('extracted now: 0.4 s for 11 images, too few to time');
    // too few to time, with the cache's speed from an earlier extraction: not that extraction's time as this one's
    expect(describeExtraction({ source: 'extracted', extracted: 2, cached: 0, measurement: once })).toBe(
      'extracted now: 2 images, too few to time; 64.0 images/s (15.6 ms an image) on 768 earlier',
    );
    expect(extractionCell({ source: 'extracted', extracted: 2, cached: 0, measurement: once })).toBe('2 images now');
    expect(describeExtraction({ source: 'mixed', extracted: 1, cached: 767, measurement: once })).toBe(
      '1 image extracted now, 767 reused from the cache; 64.0 images/s (15.6 ms an image)',
    );
    expect(describeExtraction({ source: 'cache', extracted: 0, cached: 60, measurement: null })).toMatch(/before the cache kept its time/);
    expect(extractionCell({ source: 'cache', extracted: 0, cached: 768, measurement: once })).toBe('12 s once, reused');
    expect(extractionCell({ source: 'extracted', extracted: 768, cached: 0, measurement: once })).toBe('12 s');
  });

  it('reads an older run.json without the field: its own extraction when it extracted, none when cached', () => {
    const old = sampleRunRecord();
    expect(runRecordSchema.safeParse(JSON.parse(JSON.stringify(old))).success).toBe(true);
    expect(extractionOf(old)).toEqual({
      source: 'extracted',
      extracted: 20,
      cached: 0,
      measurement: { images: 20, seconds: 3.4, imagesPerSecond: null, measuredAt: '', extractor: 'tfjs', device: 'cpu' },
    });
    // 20 images were too few to time: its 40.5 images/s is not shown as the model's speed
    const cached = { ...old, extractor: { ...old.extractor, runtime: 'cache', imagesPerSecond: null }, cache: { hits: 20, misses: 0, dir: '/c' } };
    expect(extractionOf(cached)).toEqual({ source: 'cache', extracted: 0, cached: 20, measurement: null });
  });

  it("a model's speed among runs is its largest extraction's, whichever run carries it", () => {
    const a = {
      ...sampleRunRecord('a'),
      createdAt: '2026-01-01T00:00:00Z',
      extraction: { source: 'extracted' as const, extracted: 768, cached: 0, measurement: once },
    };
    const b = {
      ...sampleRunRecord('b'),
      createdAt: '2026-01-02T00:00:00Z',
      extraction: { source: 'mixed' as const, extracted: 40, cached: 728, measurement: { ...once, images: 40, seconds: 1.37, imagesPerSecond: 29.3 } },
    };
    const c = {
      ...sampleRunRecord('c'),
      createdAt: '2026-01-03T00:00:00Z',
      extraction: { source: 'cache' as const, extracted: 0, cached: 768, measurement: once },
    };
    expect(modelSpeed([c, b, a])).toBe(once);
    expect(frozenPartLabel(c)).toBe('nothing now; extracted once by ONNX Runtime, 64.0 images/s (15.6 ms an image)');
    expect(frozenPartLabel({ ...a, extractor: { ...a.extractor, runtime: 'onnx', threads: 2 } })).toBe(
      'ONNX Runtime (2 threads), 64.0 images/s (15.6 ms an image)',
    );
    // on a GPU, whose kernels ran: the record's backend, and the measurement a cached run reads
    const wgsl = { ...once, extractor: 'webgpu', device: 'gpu' as const, engine: wgslKernelsEngine };
    expect(frozenPartLabel({ ...a, extractor: { ...a.extractor, runtime: 'webgpu', backend: wgslKernelsEngine }, extraction: undefined })).toMatch(
      /^Transfer Lab's WGSL kernels on WebGPU \(Dawn\), /,
    );
    expect(frozenPartLabel({ ...c, extraction: { source: 'cache', extracted: 0, cached: 768, measurement: wgsl } })).toBe(
      "nothing now; extracted once by Transfer Lab's WGSL kernels on WebGPU (Dawn), 64.0 images/s (15.6 ms an image)",
    );
    expect(describeExtraction({ source: 'cache', extracted: 0, cached: 768, measurement: wgsl })).toBe(
      "extracted once by Transfer Lab's WGSL kernels on WebGPU (Dawn): 12 s for 768 images, 64.0 images/s (15.6 ms an image); reused since",
    );
  });
});

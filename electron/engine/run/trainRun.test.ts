import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../shared/events';
import { engineEventSchema } from '../../../shared/events';
import { describeFrozenPart, frozenPartWhy } from '../../../shared/runFacts';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { loadClassifier, topK } from '../export/classifier';
import { exportRun } from '../export/exportModel';
import { checkExportParity } from '../export/parity';
import { describeExtraction, formatSeconds, formatSpeed } from '../../../shared/extraction';
import { newProject } from '../../../shared/project';
import { buildLabReport } from '../report/labReport';
import { initBackend } from '../tf/backend';
import { evaluateRun } from './evaluateRun';
import { readRun } from './runFolder';
import { trainRun, type TrainRunResult } from './trainRun';

/**
 * The whole engine on real material: Fashion-MNIST photos (Debian's dataset-fashion-mnist)
 * and the real pre-trained MobileNetV2 (from the nsfwjs npm package), plus broken and odd
 * files that must be named and skipped, never fatal.
 */
/** the metadata_props of an ONNX file, read with the same protobuf package that wrote it */
function onnxMetadata(bytes: Uint8Array): Record<string, string> {
  const m = onnxProto.onnx.ModelProto.decode(bytes);
  return Object.fromEntries(m.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-run-'));
const cacheDir = path.join(work, 'cache');
const classes = ['1_trouser', '7_sneaker', '8_bag'];
let dataset: string;
let first: TrainRunResult;
const events: EngineEvent[] = [];
/** when each event arrived, ms */
const arrivals: number[] = [];

beforeAll(async () => {
  await initBackend('wasm');
  dataset = await fashionMnistCopy({ perClass: 20, classes: classes, dest: path.join(work, 'photos') });
  fs.writeFileSync(path.join(dataset, '8_bag', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  fs.writeFileSync(path.join(dataset, '7_sneaker', 'notes.txt'), 'not a photo');
  fs.writeFileSync(path.join(dataset, '1_trouser', '.DS_Store'), 'mac');
  first = await trainRun({
    dataset,
    model: pretrainedModelDir('mobilenet_v2'),
    config: { epochs: 8, batchSize: 8, learningRate: 0.01, seed: 3 },
    split: { val: 0.15, test: 0.25 },
    cacheDir,
    outDir: path.join(work, 'run1'),
    onEvent: (e) => {
      events.push(e);
      arrivals.push(performance.now());
    },
  });
});

describe('trainRun on real photos and a real pre-trained network', () => {
  it('trains, evaluates and writes a run folder', () => {
    const r = first.record;
    expect(r.dataset.classes).toEqual(classes);
    expect(r.dataset.counts.train + r.dataset.counts.val + r.dataset.counts.test).toBe(60);
    expect(r.model.cut).toBe('flatten_1');
    expect(r.model.featureDim).toBe(1280);
    expect(r.epochs).toHaveLength(8);
    // trousers, sneakers and bags are easy: far above the 33% of guessing
    expect(r.evaluation.accuracy).toBeGreaterThan(0.6);
    expect(r.evaluation.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(r.dataset.counts.test);
    expect(r.evaluation.perClass.map((c) => c.className)).toEqual(classes);
    expect(readRun(first.runDir).id).toBe(r.id);
    expect(fs.existsSync(path.join(first.runDir, 'head', 'model.json'))).toBe(true);
    expect(r.backend.provider).toMatch(/tfjs/);
    expect(r.peakRssMiB).toBeGreaterThan(50);
  });

  it('names each bad file with its reason and trains on the rest; hidden files are only counted', () => {
    const skipped = new Map(first.record.skipped.map((s) => [s.path, s.reason]));
    expect(skipped.get('8_bag/broken.jpg')).toBeTruthy();
    expect(skipped.get('7_sneaker/notes.txt')).toMatch(/not an image/);
    expect([...skipped.keys()].some((p) => p.includes('.DS_Store'))).toBe(false);
  });

  it('extracted every image once, on ONNX Runtime after its parity check, and streamed progress', () => {
    expect(first.record.cache).toMatchObject({ hits: 0, misses: 60 });
    expect(first.record.extractor.runtime).toBe('onnx');
    expect(first.record.extractor.parityMaxDiff).toBeLessThan(1e-3);
    // which device ran what, as typed fields: no GPU here, and the reason why
    expect(first.record.devices?.frozenPart).toMatchObject({ device: 'cpu', by: "ONNX Runtime's CPU provider" });
    expect(first.record.devices?.head.device).toBe('cpu');
    expect(first.record.devices?.head.why).toBeTruthy();
    const progress = events.filter((e) => e.type === 'progress' && e.phase === 'extract');
    expect(progress.at(-1)).toMatchObject({ done: 60, total: 60 });
    // memory and tensors while extracting, before any epoch: the run panel showed "–" there
    for (const e of progress) expect(e).toMatchObject({ rssMiB: expect.any(Number), numTensors: expect.any(Number) });
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(8);
    const phases = events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase);
    expect(phases).toEqual(['scan', 'load-model', 'extract', 'train', 'evaluate', 'save']);
  });

  it("streams a phase's progress ten times a second at most, each epoch's first batch and its last step always (it was every batch)", () => {
    const train = events.flatMap((e, i) => (e.type === 'progress' && e.phase === 'train' ? [{ e, at: arrivals[i]! }] : []));
    const steps = first.record.epochs.length * Math.ceil(first.record.dataset.counts.train / 8);
    expect(train.at(-1)?.e).toMatchObject({ done: steps, total: steps });
    // between the phase's first and its last, each came a tenth of a second after the one before, but an epoch's first
    const detail = (i: number) => (train[i]!.e as { detail?: string }).detail;
    for (let i = 1; i < train.length - 1; i++) if (detail(i) === detail(i - 1)) expect(train[i]!.at - train[i - 1]!.at).toBeGreaterThanOrEqual(99);
    expect(new Set(train.map((_, i) => detail(i))).size).toBe(first.record.epochs.length);
    expect(train.length).toBeLessThan(steps);
  });

  it('states the backend and the extractor as typed facts, not as log lines to parse back', () => {
    const facts = events.filter((e) => e.type === 'facts');
    expect(facts.find((e) => e.backend)?.backend).toEqual(first.record.backend);
    expect(facts.find((e) => e.extractor)?.extractor).toMatchObject({
      runtime: 'onnx',
      backend: first.record.extractor.backend,
      workers: first.record.extractor.workers,
      threads: expect.any(Number),
    });
    for (const e of facts) expect(engineEventSchema.parse(e)).toEqual(e);
    expect(events.filter((e) => e.type === 'log' && /^(backend|extractor): /.test(e.message))).toEqual([]);
  });

  it('a second run on the same data and model extracts nothing, and re-reads the same features', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const secondEvents: EngineEvent[] = [];
    const second = await trainRun({
      dataset,
      model: pretrainedModelDir('mobilenet_v2'),
      config: { epochs: 8, batchSize: 8, learningRate: 0.01, seed: 3 },
      split: { val: 0.15, test: 0.25 },
      cacheDir,
      outDir: path.join(work, 'run2'),
      onEvent: (e) => secondEvents.push(e),
    });
    expect(second.record.cache).toEqual({ hits: 60, misses: 0, dir: first.record.cache.dir });
    expect(second.record.extractor.runtime).toBe('cache');
    expect(second.record.devices?.frozenPart.device).toBe('none');
    expect(second.record.evaluation.confusionMatrix).toEqual(first.record.evaluation.confusionMatrix);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    // the cached run carries the first run's measured extraction, kept with the cache, not "0.0 s" and no speed
    const once = first.record.extraction!.measurement!;
    expect(first.record.extraction).toMatchObject({ source: 'extracted', extracted: 60, cached: 0 });
    expect(once).toMatchObject({ images: 60, extractor: 'onnx', device: 'cpu' });
    // why the CPU ran it is kept with the figure, for the runs that only read the features
    expect(once.reason).toBe(first.record.extractor.deviceReason);
    expect(once.reason).toMatch(/GPU/);
    expect(once.seconds).toBeGreaterThan(0);
    expect(once.imagesPerSecond).toBeCloseTo(60 / once.seconds, 6);
    expect(second.record.extraction).toEqual({ source: 'cache', extracted: 0, cached: 60, measurement: once });
    expect(JSON.parse(fs.readFileSync(path.join(first.record.cache.dir, 'extraction.json'), 'utf8'))).toEqual(once);
    expect(readRun(second.runDir).extraction).toEqual(second.record.extraction);
    // the run panel's "frozen part" line, from the run's facts events, says the same
    const latest = (list: EngineEvent[]) => {
      const facts = list.flatMap((e) => (e.type === 'facts' ? [e] : []));
      return [facts.findLast((f) => f.extractor)?.extractor ?? null, facts.findLast((f) => f.extraction)?.extraction ?? null] as const;
    };
    const note = (list: EngineEvent[]) => describeFrozenPart(...latest(list));
    // what ran it, then on a line of its own why there
    expect(note(secondEvents)).toBe(describeExtraction(second.record.extraction!, { why: false }));
    expect(frozenPartWhy(...latest(secondEvents))).toBe(`CPU because ${once.reason}`);
    expect(note(events)).toMatch(/^ONNX Runtime on the CPU, .* — extracted now: .* for 60 images, .* images\/s/);
    expect(second.record.devices?.frozenPart.why).toBe(
      `extracted once by ONNX Runtime (CPU): ${formatSeconds(once.seconds)} for 60 images, ${formatSpeed(once)}; reused since; CPU because ${once.reason}`,
    );
    // and the lab report's timing answer for it gives that extraction's time
    const project = newProject('cached');
    project.runs = [{ ...second.record, weightsDir: second.runDir }];
    const html = buildLabReport(project, { generatedAt: new Date(), appVersion: 'test', machine: 'here' });
    expect(html).toContain(
      `Bottlenecks extracted once by ONNX Runtime (CPU): ${formatSeconds(once.seconds)} for 60 images, ${formatSpeed(once)}; reused since; CPU because ${once.reason}.`,
    );
  });

  it("reports each run's own peak memory, not an earlier, bigger run's", async () => {
    // the process's maxRSS only grows: measured that way, every run after a big one reports the big one's peak
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    let held: Buffer | null = null;
    const opts = {
      dataset,
      model: pretrainedModelDir('mobilenet_v2'),
      config: { epochs: 2, batchSize: 8, learningRate: 0.01, seed: 3 },
      split: { val: 0.15, test: 0.25 },
      cacheDir,
    };
    const big = await trainRun({
      ...opts,
      outDir: path.join(work, 'run-big'),
      // 600 MiB held, and touched, from training until the run is written, as a big backbone would
      onEvent: (e) => {
        if (e.type === 'phase' && e.phase === 'train') held = Buffer.alloc(600 * 1024 * 1024, 1);
      },
    });
    const allocated = held !== null;
    held = null;
    gc();
    // V8 frees a large ArrayBuffer's memory on a background task: let it
    await new Promise((r) => setTimeout(r, 200));
    gc();
    const small = await trainRun({ ...opts, outDir: path.join(work, 'run-small') });
    expect(allocated).toBe(true);
    expect(big.record.peakRssMiB).toBeGreaterThan(600);
    expect(small.record.peakRssMiB).toBeLessThan(big.record.peakRssMiB - 300);
    // beside each peak, what the process held when the run began: the 600 MiB came after it
    expect(big.record.rssAtStartMiB).toBeGreaterThan(0);
    expect(big.record.rssAtStartMiB).toBeLessThan(big.record.peakRssMiB - 500);
    expect(small.record.rssAtStartMiB).toBeLessThanOrEqual(small.record.peakRssMiB);
    expect(readRun(small.runDir).rssAtStartMiB).toBe(small.record.rssAtStartMiB);
  });

  it('re-extracts only an image whose content changed', async () => {
    const target = path.join(
      dataset,
      '1_trouser',
      fs.readdirSync(path.join(dataset, '1_trouser')).find((f) => f.endsWith('.png'))!,
    );
    const copy = path.join(work, 'backup.png');
    fs.copyFileSync(target, copy);
    const sharp = (await import('sharp')).default;
    await sharp(copy).negate().png().toFile(target);
    try {
      const third = await trainRun({
        dataset,
        model: pretrainedModelDir('mobilenet_v2'),
        config: { epochs: 2 },
        split: { val: 0.15, test: 0.25 },
        cacheDir,
        outDir: path.join(work, 'run3'),
      });
      expect(third.record.cache).toMatchObject({ hits: 59, misses: 1 });
      // one image is too few to time: the speed stays the one the 60-image extraction measured, in the run and in the cache
      const once = first.record.extraction!.measurement;
      expect(third.record.extraction).toEqual({ source: 'mixed', extracted: 1, cached: 59, measurement: once });
      expect(third.record.extractor.imagesPerSecond).toBeNull();
      // the one image went through the graph the first run compiled and checked: the record says whose check its parity figure is
      expect(first.record.extractor.compiledFromCache).toBeUndefined();
      expect(third.record.extractor).toMatchObject({ runtime: 'onnx', compiledFromCache: true, parityMaxDiff: first.record.extractor.parityMaxDiff });
      expect(JSON.parse(fs.readFileSync(path.join(first.record.cache.dir, 'extraction.json'), 'utf8'))).toEqual(once);
    } finally {
      fs.copyFileSync(copy, target);
    }
  });

  it('evaluate re-computes the same metrics from the run folder', async () => {
    const again = await evaluateRun(first.runDir, { cacheDir });
    expect(again.evaluation.accuracy).toBeCloseTo(first.record.evaluation.accuracy, 10);
    expect(again.evaluation.confusionMatrix).toEqual(first.record.evaluation.confusionMatrix);
  });

  it('exports one self-contained TF.js model and one ONNX model, and both agree with the engine on every test image', async () => {
    const dest = path.join(work, 'export');
    const { manifest } = await exportRun(first.runDir, dest);
    expect(manifest.layout).toBe('single-layers-model');
    expect(manifest.onnx).toEqual({ file: 'model.onnx', input: 'pixels', output: 'probabilities', opset: 13 });
    expect(manifest.labels).toEqual(classes);
    expect(manifest.preprocessing).toEqual(first.record.model.preprocessing);
    const parity = await checkExportParity(first.runDir, dest, { cacheDir });
    expect(parity.images).toBe(first.record.dataset.counts.test);
    expect(parity.formats.map((f) => f.format)).toEqual(['tfjs', 'onnx']);
    expect(parity.disagreements).toEqual([]);
    expect(parity.maxProbabilityDiff).toBeLessThan(1e-3);
    for (const f of parity.formats) expect(f.exportedAccuracy).toBeCloseTo(first.record.evaluation.accuracy, 10);

    // the .onnx stands on its own: plain onnxruntime-node, real photos, the labels from its metadata
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(path.join(dest, 'model.onnx'));
    const engine = await evaluateRun(first.runDir, { cacheDir });
    const meta = onnxMetadata(fs.readFileSync(path.join(dest, 'model.onnx')));
    expect(JSON.parse(meta.labels!)).toEqual(classes);
    const p = first.record.model.preprocessing;
    const sharp = (await import('sharp')).default;
    const tf = await import('@tensorflow/tfjs-core');
    for (const [i, img] of engine.testImages.entries()) {
      // the 28×28 photo enlarged as the model's doc string says: bilinear, half-pixel centres
      const { data, info } = await sharp(path.join(dataset, img.relPath)).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const px = tf.tidy(
        () =>
          tf.image
            .resizeBilinear(tf.tensor3d(Float32Array.from(data), [info.height, info.width, 3]), [p.height, p.width], false, true)
            .dataSync() as Float32Array,
      );
      const out = await session.run({ pixels: new ort.Tensor('float32', px, [1, p.height, p.width, 3]) });
      const probs = out.probabilities!.data as Float32Array;
      expect(probs.indexOf(Math.max(...probs))).toBe(engine.predictions.predicted[i]);
    }
    await session.release();

    const classifier = await loadClassifier(dest);
    try {
      const bag = path.join(
        dataset,
        '8_bag',
        fs.readdirSync(path.join(dataset, '8_bag')).find((f) => f.endsWith('.png'))!,
      );
      const { probabilities, failures } = await classifier.classify([bag, path.join(dataset, '8_bag', 'broken.jpg')]);
      expect(failures.map((f) => path.basename(f.file))).toEqual(['broken.jpg']);
      const top = topK(probabilities, 0, classes, 3);
      expect(top[0]!.probability).toBeGreaterThan(top[1]!.probability);
      expect(top.reduce((a, t) => a + t.probability, 0)).toBeCloseTo(1, 4);
    } finally {
      classifier.dispose();
    }
  });

  it("refuses to export over a folder of the user's that is not an earlier export", async () => {
    const dest = path.join(work, 'precious');
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'thesis.txt'), 'do not lose me');
    await expect(exportRun(first.runDir, dest)).rejects.toMatchObject({ code: 'EXPORT_FAILED' });
    expect(fs.readFileSync(path.join(dest, 'thesis.txt'), 'utf8')).toBe('do not lose me');
  });

  it('says plainly why an export cannot go to a file, through one, or under /proc (it was "unexpected failure: ENOTDIR …")', async () => {
    const file = path.join(work, 'a-file.txt');
    fs.writeFileSync(file, 'mine');
    await expect(exportRun(first.runDir, file)).rejects.toMatchObject({ message: `Cannot export to ${file}: ${file} is a file, not a folder.` });
    await expect(exportRun(first.runDir, path.join(file, 'x'))).rejects.toMatchObject({
      message: `Cannot export to ${path.join(file, 'x')}: part of the path is a file, not a folder.`,
    });
    if (process.platform === 'linux')
      await expect(exportRun(first.runDir, '/proc/self/export')).rejects.toMatchObject({
        message: "Cannot export to /proc/self/export: /proc is the system's, not a disk.",
      });
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
  });

  it('exports again over an earlier export, leaving what the user added to its folder (photos to try classify.py on)', async () => {
    const dest = path.join(work, 'export-again');
    await exportRun(first.runDir, dest);
    fs.mkdirSync(path.join(dest, 'photos'));
    fs.writeFileSync(path.join(dest, 'photos', 'my-bag.jpg'), 'a photo of mine');
    fs.writeFileSync(path.join(dest, 'notes.txt'), 'do not lose me');
    // the second export writes less (no ONNX): the first's model.onnx and classify.py go, the user's files stay
    const again = await exportRun(first.runDir, dest, { formats: ['tfjs'] });
    expect(fs.readdirSync(dest).sort()).toEqual(['model.json', 'notes.txt', 'photos', 'transfer-lab.json', 'weights.bin']);
    expect(fs.readFileSync(path.join(dest, 'photos', 'my-bag.jpg'), 'utf8')).toBe('a photo of mine');
    expect(fs.readFileSync(path.join(dest, 'notes.txt'), 'utf8')).toBe('do not lose me');
    expect(JSON.parse(fs.readFileSync(path.join(dest, 'transfer-lab.json'), 'utf8'))).toEqual(again.manifest);
    // and no staging folder is left beside it
    expect(fs.readdirSync(work).filter((n) => n.startsWith('export-again.'))).toEqual([]);
  });

  it('exports ONNX alone when asked, and the TF.js model alone', async () => {
    const onlyOnnx = await exportRun(first.runDir, path.join(work, 'export-onnx'), { formats: ['onnx'] });
    expect(onlyOnnx.manifest.layout).toBeUndefined();
    expect(fs.readdirSync(onlyOnnx.dir).sort()).toEqual(['classify.py', 'model.onnx', 'transfer-lab.json']);
    const parity = await checkExportParity(first.runDir, onlyOnnx.dir, { cacheDir });
    expect(parity.formats.map((f) => f.format)).toEqual(['onnx']);
    expect(parity.disagreements).toEqual([]);
    const onlyTfjs = await exportRun(first.runDir, path.join(work, 'export-tfjs'), { formats: ['tfjs'] });
    expect(onlyTfjs.manifest.onnx).toBeUndefined();
    expect(fs.existsSync(path.join(onlyTfjs.dir, 'model.onnx'))).toBe(false);
  });

  it('trains on a graph model (TF Hub format) as a frozen feature extractor', async () => {
    const r = await trainRun({
      dataset,
      model: pretrainedModelDir('mobilenet_v2_mid'),
      config: { epochs: 3 },
      split: { val: 0.15, test: 0.25 },
      cacheDir,
      outDir: path.join(work, 'run-graph'),
    });
    expect(r.record.model.format).toBe('graph');
    expect(r.record.extractor.runtime).toBe('onnx');
    expect(r.record.cache.misses).toBe(60);
    const dest = path.join(work, 'export-graph');
    const { manifest } = await exportRun(r.runDir, dest);
    expect(manifest.layout).toBe('graph-backbone+head');
    expect(manifest.onnx?.file).toBe('model.onnx');
    const parity = await checkExportParity(r.runDir, dest, { cacheDir });
    expect(parity.formats.map((f) => f.format)).toEqual(['tfjs', 'onnx']);
    expect(parity.disagreements).toEqual([]);
  });

  it('cuts where the user asks and caches that cut separately', async () => {
    const r = await trainRun({
      dataset,
      model: pretrainedModelDir('mobilenet_v2'),
      cut: 'block_16_project_BN',
      config: { epochs: 2 },
      split: { val: 0.15, test: 0.25 },
      cacheDir,
      outDir: path.join(work, 'run-cut'),
    });
    expect(r.record.model.cut).toBe('block_16_project_BN');
    expect(r.record.model.pooling).toBe('avg');
    expect(r.record.model.featureDim).toBe(320);
    expect(r.record.cache.misses).toBe(60);
    await expect(trainRun({ dataset, model: pretrainedModelDir('mobilenet_v2'), cut: 'no_such_layer', cacheDir })).rejects.toMatchObject({
      code: 'MODEL_LAYER_NOT_FOUND',
    });
  });
});

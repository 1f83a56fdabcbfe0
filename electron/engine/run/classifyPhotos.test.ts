import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../shared/events';
import type { PhotoPrediction } from '../../../shared/run';
import { fashionMnistCopy, fashionMnistDataset } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { initBackend } from '../tf/backend';
import { classifyPhotos } from './classifyPhotos';
import { evaluateRun } from './evaluateRun';
import { featureMap } from './featureMap';
import { LiveClassifier } from './liveClassifier';
import { readRun } from './runFolder';
import { trainRun, type TrainRunResult } from './trainRun';

/** A trained run asked about photos from outside its dataset, as the Evaluate step's "try it" asks. */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-photos-'));
const cacheDir = path.join(work, 'cache');
const classes = ['1_trouser', '7_sneaker', '8_bag'];
let run: TrainRunResult;
/** three photos of each class the run never saw, from further on in Fashion-MNIST */
let unseen: { file: string; label: string }[];

beforeAll(async () => {
  await initBackend('wasm');
  const dataset = await fashionMnistCopy({ perClass: 20, classes, dest: path.join(work, 'photos') });
  run = await trainRun({
    dataset,
    model: pretrainedModelDir('mobilenet_v2'),
    config: { epochs: 8, batchSize: 8, learningRate: 0.01, seed: 3 },
    split: { val: 0.15, test: 0.25 },
    cacheDir,
    outDir: path.join(work, 'run'),
  });
  const later = await fashionMnistDataset({ perClass: 3, offset: 20 });
  unseen = classes.flatMap((label) => fs.readdirSync(path.join(later, label)).map((f) => ({ file: path.join(later, label, f), label })));
}, 300_000);

const answered = (p: PhotoPrediction) => ('top' in p ? p.top : null);

describe('classifyPhotos', () => {
  it("answers with the run's classes, most likely first, and knows the photos it never saw", async () => {
    const answers = await classifyPhotos(
      run.runDir,
      unseen.map((u) => u.file),
      { cacheDir },
    );
    expect(answers.map((a) => a.file)).toEqual(unseen.map((u) => u.file));
    let right = 0;
    answers.forEach((a, i) => {
      const top = answered(a)!;
      expect(top.map((t) => t.className).sort()).toEqual([...classes].sort());
      expect(top.reduce((s, t) => s + t.probability, 0)).toBeCloseTo(1, 4);
      for (let k = 1; k < top.length; k++) expect(top[k]!.probability).toBeLessThanOrEqual(top[k - 1]!.probability);
      if (top[0]!.className === unseen[i]!.label) right++;
    });
    // better than one class for all (3 of 9): the run's 60 photos and the test set's weak
    // backbone (tuned away from ImageNet) give 75 % on its own test images, and 5 of these 9
    expect(right).toBeGreaterThanOrEqual(4);
  });

  it("gives a test image exactly the engine's own evaluation of it", async () => {
    const ev = await evaluateRun(run.runDir, { cacheDir });
    const files = ev.testImages.map((i) => path.join(ev.record.dataset.root, i.relPath));
    const answers = await classifyPhotos(run.runDir, files, { cacheDir, top: 1 });
    answers.forEach((a, i) => {
      const top = answered(a)!;
      expect(top).toHaveLength(1);
      expect(top[0]!.className).toBe(classes[ev.predictions.predicted[i]!]);
      expect(top[0]!.probability).toBeCloseTo(ev.predictions.confidence[i]!, 6);
    });
  });

  it('names what it cannot read or decode, and answers the rest', async () => {
    const broken = path.join(work, 'broken.jpg');
    fs.writeFileSync(broken, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const empty = path.join(work, 'empty.png');
    fs.writeFileSync(empty, '');
    const missing = path.join(work, 'gone.png');
    const answers = await classifyPhotos(run.runDir, [broken, unseen[0]!.file, empty, missing, work], { cacheDir });
    expect(answers.map((a) => ('error' in a ? a.error : 'answered'))).toEqual([
      expect.stringMatching(/JPEG|decode|corrupt|truncated/i),
      'answered',
      'the file is empty (0 bytes)',
      'no such file',
      'a folder, not an image file',
    ]);
  });

  it('asked again, extracts nothing: the features are in the run’s cache', async () => {
    const events: EngineEvent[] = [];
    const answers = await classifyPhotos(run.runDir, [unseen[1]!.file], { cacheDir, onEvent: (e) => events.push(e) });
    expect(answered(answers[0]!)).not.toBeNull();
    expect(events.some((e) => e.type === 'facts' && 'extractor' in e && e.extractor)).toBe(false);
    expect(events.some((e) => e.type === 'facts' && 'extraction' in e && e.extraction?.source === 'cache')).toBe(true);
  });
});

describe('LiveClassifier: a run held open for a camera’s frames', () => {
  const filesUnder = (dir: string): number => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).length : 0);

  it('answers each picture as classifyPhotos answers the same photo, on the graph the run kept, and writes nothing', async () => {
    const files = unseen.map((u) => u.file);
    const photos = await classifyPhotos(run.runDir, files, { cacheDir, top: 3 });
    const before = filesUnder(cacheDir);
    const live = await LiveClassifier.open(run.runDir, { cacheDir });
    try {
      expect(live.frozenBy).toBe('ONNX Runtime (CPU)');
      for (const [i, file] of files.entries()) {
        const { answers, ms, point } = await live.classify(fs.readFileSync(file), 3);
        // no map of this run was drawn yet: no place on one
        expect(point).toBeUndefined();
        const expected = answered(photos[i]!)!;
        expect(answers.map((a) => a.className)).toEqual(expected.map((t) => t.className));
        answers.forEach((a, k) => expect(a.probability).toBeCloseTo(expected[k]!.probability, 4));
        expect(ms.total).toBeGreaterThanOrEqual(ms.frozen);
        expect(ms.frozen).toBeGreaterThan(0);
      }
    } finally {
      await live.close();
    }
    // a frame is seen once: nothing of it is kept
    expect(filesUnder(cacheDir)).toBe(before);
  });

  it('runs the frozen part on TF.js where no compiled graph is kept, to the same answers', async () => {
    const bytes = fs.readFileSync(unseen[4]!.file);
    const onnx = await LiveClassifier.open(run.runDir, { cacheDir });
    const expected = await onnx.classify(bytes, 3);
    await onnx.close();
    const bare = path.join(work, 'bare-cache');
    const live = await LiveClassifier.open(run.runDir, { cacheDir: bare });
    try {
      expect(live.frozenBy).toBe('TF.js (wasm)');
      const { answers } = await live.classify(bytes, 3);
      expect(answers.map((a) => a.className)).toEqual(expected.answers.map((a) => a.className));
      answers.forEach((a, k) => expect(a.probability).toBeCloseTo(expected.answers[k]!.probability, 3));
    } finally {
      await live.close();
    }
  });

  it("places a frame on the run's feature map where the map has the same image, once the map is drawn", async () => {
    const live = await LiveClassifier.open(run.runDir, { cacheDir });
    try {
      const dataset = readRun(run.runDir).dataset.root;
      const photo = (rel: string) => fs.readFileSync(path.join(dataset, rel));
      const map = await featureMap(run.runDir, { cacheDir });
      const spread = Math.max(...map.points.map((p) => Math.hypot(p.x, p.y)));
      for (const p of [map.points[0]!, map.points[17]!, map.points.at(-1)!]) {
        const { point } = await live.classify(photo(p.path));
        expect(point).toBeDefined();
        expect(Math.hypot(point!.x - p.x, point!.y - p.y)).toBeLessThan(1e-3 * spread);
      }
    } finally {
      await live.close();
    }
  });

  it('says a picture it cannot read is not one, answers the next, and refuses once closed', async () => {
    const live = await LiveClassifier.open(run.runDir, { cacheDir });
    await expect(live.classify(Buffer.from('not a picture'))).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: /could not be read/ });
    const { answers } = await live.classify(fs.readFileSync(unseen[0]!.file), 1);
    expect(answers).toHaveLength(1);
    await live.close();
    await expect(live.classify(fs.readFileSync(unseen[0]!.file))).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

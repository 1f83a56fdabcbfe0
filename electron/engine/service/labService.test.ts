import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../../shared/contract';
import { newProject } from '../../../shared/project';
import { dispatch, parseEvent } from '../../../shared/rpc';
import { defaultTrainConfig } from '../../../shared/run';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { createLabService, type LabService } from './labService';

/** The app's engine side, request by request, as the renderer drives it. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-svc-'));
const events: { event: EventName; payload: unknown }[] = [];
let service: LabService;
let dataset: string;
const model = pretrainedModelDir('mobilenet_v2');

// every answer is checked against the contract: the engine may not send what it does not promise
const call = async (name: string, input: unknown) => {
  const r = await dispatch(service.handlers, name, input, { checkOutput: true });
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
  return r.result as any;
};

beforeAll(async () => {
  dataset = await fashionMnistCopy({ perClass: 20, classes: ['1_trouser', '8_bag'], dest: path.join(dataDir, 'photos') });
  service = createLabService({
    host: 'web',
    version: 'test',
    backend: 'wasm',
    dataDir,
    configDir: path.join(dataDir, 'config'),
    emit: <E extends EventName>(event: E, payload: EventPayload<E>) => events.push({ event, payload }),
  });
});
afterAll(() => service.close());

const finished = () =>
  new Promise<any>((resolve) => {
    const t = setInterval(() => {
      const f = events.find((e) => e.event === 'job.finished');
      if (f) {
        clearInterval(t);
        resolve(f.payload);
      }
    }, 50);
  });

const finishedFor = (jobId: string) =>
  new Promise<any>((resolve) => {
    const t = setInterval(() => {
      const f = events.find((e) => e.event === 'job.finished' && (e.payload as { jobId: string }).jobId === jobId);
      if (f) {
        clearInterval(t);
        resolve(f.payload);
      }
    }, 50);
  });

describe('lab service', () => {
  it('inspects a model: its layers and the default cut', async () => {
    const m = await call('models.inspect', { source: model });
    expect(m.layers).toHaveLength(162);
    expect(m.defaultCut).toBe('flatten_1');
    const plan = await call('freeze.plan', { source: model, cut: null, classCount: 2, head: { hiddenUnits: 0, dropout: 0.2 }, batchSize: 32 });
    expect(plan).toMatchObject({ cut: 'flatten_1', featureDim: 1280, trainableParams: 1280 * 2 + 2, cacheBytesPerImage: 5120 });
    expect(plan.frozenParams).toBeGreaterThan(2_000_000);
    expect(plan.frozenParams).toBeLessThan(2_300_000);
  });

  it('trains as a job that outlives its caller, streams events, and can be picked up again', async () => {
    // a job id that could name a folder elsewhere is refused before anything starts
    await expect(
      call('train.start', { dataset, split: { val: 0.15, test: 0.25 }, source: model, cut: null, config: defaultTrainConfig, jobId: '../../escape' }),
    ).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    // the caller names the job, so it knows every event of it, the first included, before the answer
    const named = 'window-named-job-1';
    const { jobId } = await call('train.start', {
      dataset,
      split: { val: 0.15, test: 0.25 },
      source: model,
      cut: null,
      config: { ...defaultTrainConfig, epochs: 4, batchSize: 8 },
      jobId: named,
    });
    expect(jobId).toBe(named);
    await expect(
      call('train.start', { dataset, split: { val: 0.15, test: 0.25 }, source: model, cut: null, config: defaultTrainConfig }),
    ).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const done = await finished();
    expect(done).toMatchObject({ jobId: named, status: 'done', runDir: expect.stringMatching(/window-named-job-1$/) });
    expect(events.filter((e) => e.event === 'job.event' && (e.payload as { jobId: string }).jobId !== named)).toEqual([]);
    expect(done.run.evaluation.predictions.length).toBe(done.run.dataset.counts.test);
    const snap = (await call('train.current', {})).job;
    expect(snap.status).toBe('done');
    expect(snap.events.filter((e: any) => e.type === 'epoch')).toHaveLength(4);
    // the planned epochs are known before the first epoch ends: the counter never reads "0 / <the form's>"
    expect(snap.runs[0].epochs).toBe(4);
    const jobEvents = events.filter((e) => e.event === 'job.event');
    expect(jobEvents.length).toBeGreaterThan(10);
    // the catalog now shows the speed measured on this machine: the one the cache keeps, the run's own here
    const cat = await call('models.catalog', {});
    expect(cat.measured[model].flatten_1).toEqual(done.run.extraction.measurement);
    expect(cat.measured[model].flatten_1).toMatchObject({ images: 40, extractor: 'onnx' });
    expect(cat.measured[model].flatten_1.imagesPerSecond).toBeGreaterThan(0);
  });

  it('runs a sweep as one job over one cache; one run can be cancelled without the others', async () => {
    const config = { ...defaultTrainConfig, epochs: 3, batchSize: 8, patience: 0 };
    const { jobId, runs } = await call('sweep.start', {
      dataset,
      split: { val: 0.15, test: 0.25 },
      source: model,
      cut: null,
      config,
      axes: { learningRate: [0.01, 0.1], batchSize: [4, 16] },
    });
    expect(runs.map((r: { label: string }) => r.label)).toEqual(['batch 4 · lr 0.01', 'batch 4 · lr 0.1', 'batch 16 · lr 0.01', 'batch 16 · lr 0.1']);
    expect(runs.map((r: { epochs: number }) => r.epochs)).toEqual([3, 3, 3, 3]);
    expect(await call('sweep.cancelRun', { jobId, index: 2 })).toEqual({ cancelled: true });
    const done = await finishedFor(jobId);
    expect(done.status).toBe('done');
    const perRun = events.filter((e) => e.event === 'job.run' && (e.payload as { jobId: string }).jobId === jobId).map((e) => e.payload as any);
    expect(perRun.map((r) => [r.index, r.status])).toEqual([
      [2, 'cancelled'],
      [0, 'done'],
      [1, 'done'],
      [3, 'done'],
    ]);
    const [first, second] = perRun.filter((r) => r.status === 'done');
    expect(first.run.config).toMatchObject({ learningRate: 0.01, batchSize: 4 });
    expect(second.run.config).toMatchObject({ learningRate: 0.1, batchSize: 4 });
    // the first run filled the cache; the rest read it
    expect(second.run.cache.misses).toBe(0);
    expect((await call('train.current', {})).job.runs.map((r: { status: string }) => r.status)).toEqual(['done', 'done', 'cancelled', 'done']);
    await expect(
      call('sweep.start', {
        dataset,
        split: { val: 0.15, test: 0.25 },
        source: model,
        cut: null,
        config,
        axes: { learningRate: Array.from({ length: 9 }, (_, i) => i + 1), batchSize: [1, 2, 3, 4, 5, 6, 7, 8] },
      }),
    ).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('trains only the runs of a sweep the app does not reuse, numbered from 0, each with its place in the plan', async () => {
    const config = { ...defaultTrainConfig, epochs: 2, batchSize: 8, patience: 0 };
    const sweep = { dataset, split: { val: 0.15, test: 0.25 }, source: model, cut: null, config, axes: { learningRate: [0.01, 0.1], batchSize: [4, 16] } };
    await expect(call('sweep.start', { ...sweep, skip: [0, 1, 2, 3] })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/nothing to train/),
    });
    const { jobId, runs } = await call('sweep.start', { ...sweep, skip: [0, 1, 3] });
    expect(runs).toEqual([{ index: 0, label: 'batch 16 · lr 0.01', epochs: 2, planIndex: 2 }]);
    const done = await finishedFor(jobId);
    expect(done.status).toBe('done');
    expect(done.run.config).toMatchObject({ learningRate: 0.01, batchSize: 16 });
  });

  it('a stopped run can be resumed from its checkpoint and ends with every epoch', async () => {
    const config = { ...defaultTrainConfig, epochs: 1500, batchSize: 8, patience: 0 };
    const { jobId } = await call('train.start', { dataset, split: { val: 0.15, test: 0.25 }, source: model, cut: null, config });
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (
          events.some(
            (e) =>
              e.event === 'job.event' &&
              (e.payload as any).jobId === jobId &&
              (e.payload as any).event.type === 'epoch' &&
              (e.payload as any).event.epoch >= 200,
          )
        ) {
          clearInterval(t);
          resolve();
        }
      }, 20);
    });
    await call('train.stop', { jobId });
    const stopped = await finishedFor(jobId);
    expect(stopped.status).toBe('cancelled');
    expect(stopped.runDir).toBeTruthy();
    expect((await call('train.current', {})).job.runs[0]).toMatchObject({ status: 'cancelled', resumable: true });
    const again = await call('train.resume', { runDir: stopped.runDir });
    const done = await finishedFor(again.jobId);
    expect(done.status).toBe('done');
    expect(done.run.epochs).toHaveLength(1500);
    expect(done.runDir).toBe(stopped.runDir);
  });

  it('saves a project with its run weights beside it and opens it again', async () => {
    const snap = (await call('train.current', {})).job;
    const run = await call('run.read', { runDir: snap.runDir });
    const project = {
      ...newProject('Trousers and bags'),
      dataset: { path: dataset, split: { val: 0.15, test: 0.25 }, classes: run.dataset.classes },
      runs: [{ ...run, weightsDir: snap.runDir }],
    };
    const file = path.join(dataDir, 'projects', 'lab1.tlab');
    fs.mkdirSync(path.dirname(file));
    const saved = await call('project.save', { file, project });
    expect(saved.file).toBe(file);
    expect(saved.project.runs[0].weightsDir.startsWith(`${file}.d${path.sep}`)).toBe(true);
    expect(fs.existsSync(path.join(saved.project.runs[0].weightsDir, 'head', 'model.json'))).toBe(true);
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(path.isAbsolute(onDisk.runs[0].weightsDir)).toBe(false);

    const opened = await call('project.open', { file });
    expect(opened.project.name).toBe('Trousers and bags');
    expect(opened.project.dataset.path).toBe(dataset);
    expect(opened.datasetMissing).toBe(false);
    expect((await call('project.recent', {})).entries[0]).toMatchObject({ file, name: 'Trousers and bags' });

    // the run reopened from the project exports, with parity
    const exp = await call('run.export', { runDir: opened.project.runs[0].weightsDir, dest: path.join(dataDir, 'exported'), parity: true });
    expect(exp.parity.disagreements).toEqual([]);

    // and answers on photos sent as bytes, naming the one that is no photo; nothing is left behind
    const bag = path.join(
      dataset,
      '8_bag',
      fs.readdirSync(path.join(dataset, '8_bag')).find((f) => f.endsWith('.png'))!,
    );
    const asked = await call('run.classify', {
      runDir: opened.project.runs[0].weightsDir,
      photos: [
        { name: 'my bag.png', base64: fs.readFileSync(bag).toString('base64') },
        { name: '../../notes.txt', base64: Buffer.from('not a photo').toString('base64') },
      ],
    });
    expect(asked.answers[0].file).toBe('my bag.png');
    expect(asked.answers[0].top.map((t: { className: string }) => t.className).sort()).toEqual([...run.dataset.classes].sort());
    expect(asked.answers[1]).toEqual({ file: '../../notes.txt', error: expect.stringMatching(/not an image|text/i) });
    expect(fs.readdirSync(path.join(dataDir, 'workspace', 'photos'))).toEqual([]);
    // the same photo as a camera's frame: the same answer, from a run held open
    const frame = await call('run.classifyFrame', { runDir: opened.project.runs[0].weightsDir, base64: fs.readFileSync(bag).toString('base64') });
    expect(frame.answers.map((a: { className: string }) => a.className)).toEqual(
      asked.answers[0].top.slice(0, 3).map((t: { className: string }) => t.className),
    );
    expect(frame.answers[0].probability).toBeCloseTo(asked.answers[0].top[0].probability, 4);
    expect(frame.frozenBy).toMatch(/ONNX Runtime|TF\.js/);
    const junk = await dispatch(service.handlers, 'run.classifyFrame', {
      runDir: opened.project.runs[0].weightsDir,
      base64: Buffer.from('no').toString('base64'),
    });
    expect(junk).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
  });

  it('writes the lab report from a project, HTML and PDF', async () => {
    const snap = (await call('train.current', {})).job;
    const run = await call('run.read', { runDir: snap.runDir });
    const project = {
      ...newProject('Report'),
      runs: [{ ...run, weightsDir: snap.runDir }],
      // the run answers the bottleneck task, whose figures include each run's feature map
      lab: { labId: 'transfer-learning', answers: { 'results-time': 'Quick.' }, runs: { bottleneck: [run.id] }, task: null },
    };
    const htmlFile = path.join(dataDir, 'report', 'lab.html');
    const r = await call('report.export', { project, htmlFile, pdf: true });
    expect(r.htmlFile).toBe(htmlFile);
    const html = fs.readFileSync(htmlFile, 'utf8');
    expect(html).toContain('Quick.');
    const map = await call('run.featureMap', { runDir: snap.runDir });
    expect(map.points).toHaveLength(40);
    // a cut's map extracts first, and says how far it is to the page that named it
    const low = await call('dataset.featureMap', {
      root: dataset,
      split: { val: 0.15, test: 0.25 },
      source: model,
      cut: 'block_13_expand_relu',
      progressId: 'cut:low',
    });
    expect(low.featureDim).toBe(576);
    const progress = events.filter((e) => e.event === 'featureMap.progress').map((e) => e.payload as { progressId: string; done: number; total: number });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.progressId === 'cut:low')).toBe(true);
    expect(progress.at(-1)).toMatchObject({ done: 40, total: 40 });
    expect(html).toMatch(/<figure class="map"><svg[\s\S]*?<\/svg><figcaption><b>1: [^<]*<\/b>: 40 images, 1280 numbers at <code>/);
    if (fs.existsSync('/usr/bin/chromium')) expect(r.pdfFile).toBe(path.join(dataDir, 'report', 'lab.pdf'));
    else expect(r.pdfUnavailable).toMatch(/Chromium/);
  });

  it('a corrupt project file is refused with a clear message and left as it was', async () => {
    const file = path.join(dataDir, 'broken.tlab');
    fs.writeFileSync(file, '{"formatVersion": 1, "name": ');
    await expect(call('project.open', { file })).rejects.toMatchObject({ code: 'PROJECT_INVALID' });
    expect(fs.readFileSync(file, 'utf8')).toBe('{"formatVersion": 1, "name": ');
  });

  it('sent only events the contract allows, each of them parsed as a client parses it', () => {
    // trainings, a sweep, a resume, downloads: every kind of event the service emits above
    expect(new Set(events.map((e) => e.event)).size).toBeGreaterThanOrEqual(3);
    const refused = events.filter((e) => parseEvent(e.event, e.payload) === null).map((e) => `${e.event}: ${JSON.stringify(e.payload).slice(0, 200)}`);
    expect(refused).toEqual([]);
  });
});

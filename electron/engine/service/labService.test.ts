import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../../shared/contract';
import { newProject } from '../../../shared/project';
import { dispatch } from '../../../shared/rpc';
import { defaultTrainConfig } from '../../../shared/run';
import { fashionMnistDataset } from '../../../test/fixtures/fashionMnist';
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
  const source = await fashionMnistDataset({ perClass: 20 });
  dataset = path.join(dataDir, 'photos');
  for (const c of ['1_trouser', '8_bag']) fs.cpSync(path.join(source, c), path.join(dataset, c), { recursive: true });
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
    const { jobId } = await call('train.start', { dataset, split: { val: 0.15, test: 0.25 }, source: model, cut: null, config: { ...defaultTrainConfig, epochs: 4, batchSize: 8 } });
    await expect(call('train.start', { dataset, split: { val: 0.15, test: 0.25 }, source: model, cut: null, config: defaultTrainConfig })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const done = await finished();
    expect(done).toMatchObject({ jobId, status: 'done' });
    expect(done.run.evaluation.predictions.length).toBe(done.run.dataset.counts.test);
    const snap = (await call('train.current', {})).job;
    expect(snap.status).toBe('done');
    expect(snap.events.filter((e: any) => e.type === 'epoch')).toHaveLength(4);
    const jobEvents = events.filter((e) => e.event === 'job.event');
    expect(jobEvents.length).toBeGreaterThan(10);
    // the catalog now shows the speed measured on this machine
    const cat = await call('models.catalog', {});
    expect(cat.measuredImagesPerSecond[model]).toBeGreaterThan(0);
  });

  it('saves a project with its run weights beside it and opens it again', async () => {
    const snap = (await call('train.current', {})).job;
    const run = await call('run.read', { runDir: snap.runDir });
    const project = { ...newProject('Trousers and bags'), dataset: { path: dataset, split: { val: 0.15, test: 0.25 }, classes: run.dataset.classes }, runs: [{ ...run, weightsDir: snap.runDir }] };
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
  });

  it('a corrupt project file is refused with a clear message and left as it was', async () => {
    const file = path.join(dataDir, 'broken.tlab');
    fs.writeFileSync(file, '{"formatVersion": 1, "name": ');
    await expect(call('project.open', { file })).rejects.toMatchObject({ code: 'PROJECT_INVALID' });
    expect(fs.readFileSync(file, 'utf8')).toBe('{"formatVersion": 1, "name": ');
  });
});

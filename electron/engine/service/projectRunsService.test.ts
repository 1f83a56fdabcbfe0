import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../../shared/contract';
import { newProject } from '../../../shared/project';
import { dispatch } from '../../../shared/rpc';
import { defaultTrainConfig } from '../../../shared/run';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { createLabService, type LabService } from './labService';

/**
 * A run that finishes while no window has its project open (the browser was closed during
 * the run) joins the project when it is opened again, through the real service.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-owner-'));
const events: { event: EventName; payload: unknown }[] = [];
let service: LabService;
let dataset: string;
const model = pretrainedModelDir('mobilenet_v2');

const call = async (name: string, input: unknown) => {
  const r = await dispatch(service.handlers, name, input, { checkOutput: true });
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
  return r.result as any;
};
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

beforeAll(async () => {
  dataset = await fashionMnistCopy({ perClass: 10, classes: ['1_trouser', '8_bag'], dest: path.join(dataDir, 'photos') });
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

describe('a run that finishes with no window open', () => {
  const file = path.join(dataDir, 'lab', 'pets.tlab');
  const owner = { draftId: 'tab-before-close', file };
  const form = { ...defaultTrainConfig, epochs: 3, batchSize: 8, learningRate: 0.02 };
  const split = { val: 0.2, test: 0.3 };

  it('joins its project when the project is opened in a new window, and not another project', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const project = { ...newProject('Pets'), dataset: { path: dataset, split, classes: ['1_trouser', '8_bag'] } };
    await call('project.save', { file, project, owner: { draftId: 'tab-before-close', file: null } });

    const { jobId } = await call('train.start', { dataset, split, source: model, cut: null, config: form, owner });
    expect((await call('train.current', {})).job.owner).toEqual(owner);
    // the window is gone: nobody adds the run to the project
    const done = await finishedFor(jobId);
    expect(done.status).toBe('done');

    const opened = await call('project.open', { file });
    expect(opened.project.runs).toEqual([]);
    const reopened = { draftId: 'tab-after-reopen', file };
    const { runs } = await call('project.finishedRuns', { owner: reopened, have: [] });
    expect(runs.map((r: any) => r.record.id)).toEqual([done.run.id]);
    expect(runs[0].runDir).toBe(done.runDir);
    expect(runs[0].form).toMatchObject({ learningRate: 0.02, epochs: 3 });
    expect((await call('project.finishedRuns', { owner: { draftId: 'some-other-tab', file: path.join(dataDir, 'other.tlab') }, have: [] })).runs).toEqual([]);

    // saved with the run in it: it is handed over no more
    const withRun = { ...opened.project, runs: [{ ...runs[0].record, weightsDir: runs[0].runDir }] };
    const saved = await call('project.save', { file, project: withRun, owner: reopened });
    expect(saved.project.runs.map((r: any) => r.id)).toEqual([done.run.id]);
    expect((await call('project.finishedRuns', { owner: { draftId: 'third-tab-xx', file }, have: [] })).runs).toEqual([]);
  });

  it('of an untitled project joins its draft, and each run of a sweep does', async () => {
    const draft = { draftId: 'untitled-draft-1', file: null };
    const { jobId } = await call('sweep.start', {
      dataset,
      split,
      source: model,
      cut: null,
      config: { ...form, epochs: 2 },
      axes: { learningRate: [0.01, 0.1] },
      owner: draft,
    });
    const done = await finishedFor(jobId);
    expect(done.status).toBe('done');
    const { runs } = await call('project.finishedRuns', { owner: draft, have: [] });
    expect(runs.map((r: any) => r.record.config.learningRate)).toEqual([0.01, 0.1]);
    expect((await call('project.finishedRuns', { owner: draft, have: [runs[0].record.id] })).runs).toHaveLength(1);
  });
});

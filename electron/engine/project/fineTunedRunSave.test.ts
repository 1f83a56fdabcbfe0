import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { newProject } from '../../../shared/project';
import type { Handlers } from '../../../shared/rpc';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { exportRun } from '../export/exportModel';
import { checkExportParity } from '../export/parity';
import { trainRun, type TrainRunResult } from '../run/trainRun';
import { runLayout } from '../run/runLayout';
import { projectHandlers } from '../service/projectHandlers';
import { initBackend } from '../tf/backend';

/**
 * A fine-tuned run keeps its top layers through a project: trained, saved into a project,
 * its original folder deleted, the project opened again and the run exported from there.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-finetune-save-'));
const cacheDir = path.join(work, 'cache');
const handlers = projectHandlers(path.join(work, 'config')) as Pick<Handlers, 'project.save' | 'project.open'>;
let run: TrainRunResult;

beforeAll(async () => {
  await initBackend('wasm');
  const dataset = await fashionMnistCopy({ perClass: 10, classes: ['1_trouser', '7_sneaker', '8_bag'], dest: path.join(work, 'photos') });
  run = await trainRun({
    dataset,
    model: pretrainedModelDir('mobilenet_v2'),
    config: { epochs: 1, batchSize: 8, learningRate: 0.01, fineTuneLayers: 1, patience: 0 },
    split: { val: 0.15, test: 0.3 },
    cacheDir,
    outDir: path.join(work, 'engine-runs', 'run'),
  });
});

describe('a fine-tuned run saved into a project', () => {
  it('is exported from the reopened project, after its first folder is gone, and agrees with the engine', async () => {
    expect(run.record.model.fineTune).toBeDefined();
    expect(fs.existsSync(path.join(run.runDir, runLayout.top))).toBe(true);
    const project = { ...newProject('Clothes'), runs: [{ ...run.record, weightsDir: run.runDir }] };
    const file = path.join(work, 'lab', 'clothes.tlab');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await handlers['project.save']({ file, project });
    fs.rmSync(path.join(work, 'engine-runs'), { recursive: true });

    const opened = await handlers['project.open']({ file });
    const stored = opened.project.runs[0]!.weightsDir;
    expect(stored.startsWith(path.join(work, 'lab', 'clothes.tlab.d'))).toBe(true);
    expect(fs.readdirSync(stored).sort()).toEqual([runLayout.head, runLayout.record, runLayout.top].sort());

    const dest = path.join(work, 'export');
    await exportRun(stored, dest);
    const parity = await checkExportParity(stored, dest, { cacheDir });
    expect(parity.formats.map((f) => f.format)).toEqual(['tfjs', 'onnx']);
    expect(parity.disagreements).toEqual([]);
    expect(parity.maxProbabilityDiff).toBeLessThan(1e-3);
  });
});

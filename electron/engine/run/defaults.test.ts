import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTrainConfig } from '../../../shared/run';
import { fashionMnistDataset } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { initBackend } from '../tf/backend';
import { probeRun, type RunProbe } from './probeRun';
import { trainingEnd, trainRun, type TrainRunResult } from './trainRun';

/**
 * Issue 9 item 16: a new user's first run, with no settings touched, must reach what a linear
 * probe on the same features reaches. Real material: 20 Fashion-MNIST photos a class (10
 * classes; 138 train, 22 validation, 40 test images by the default split) through the real
 * pre-trained MobileNetV2. The probe is softmax regression on the same cached training
 * features, trained to convergence with the L2 strength that 5-fold cross-validation chose on
 * these images (scripts/linearProbe.ts, README "Defaults"): 45% here. The old defaults (20
 * epochs, Adam at 0.001, patience 5) stopped at the cap still learning, at 30%; the new
 * ones stop early at 47.5%.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-defaults-'));
let run: TrainRunResult;
let probe: RunProbe;
const logs: string[] = [];

beforeAll(async () => {
  await initBackend('wasm');
  const dataset = await fashionMnistDataset({ perClass: 20 });
  // no config at all: what `transfer-lab train <folder> --model <m>` and a new project get
  run = await trainRun({
    dataset,
    model: pretrainedModelDir('mobilenet_v2'),
    cacheDir: path.join(work, 'cache'),
    outDir: path.join(work, 'run'),
    backend: 'wasm',
    onEvent: (e) => {
      if (e.type === 'log') logs.push(e.message);
    },
  });
  probe = await probeRun(run.record, { l2Grid: [0.01] });
});

describe('the default training settings', () => {
  it('are the ones the run used', () => {
    expect(run.record.config).toEqual(defaultTrainConfig);
  });

  it("reach a linear probe's test accuracy, within 4 of the 40 test images", () => {
    expect(probe.counts.test).toBe(40);
    expect(run.record.evaluation.accuracy).toBeGreaterThanOrEqual(probe.testAccuracy - 0.1);
  });

  it('end by early stopping on the validation loss, well before the epoch cap, with the best epoch restored', () => {
    const r = run.record;
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochs.length).toBeLessThan(r.config.epochs);
    expect(r.epochs.length).toBe(r.bestEpoch + r.config.patience);
    const best = Math.min(...r.epochs.map((e) => e.valLoss!));
    expect(r.epochs[r.bestEpoch - 1]!.valLoss).toBe(best);
    // and the user is told so, not left wondering why "epoch 44/200" was the last
    expect(logs).toContain(
      `stopped early after epoch ${r.epochs.length} of 200: the validation loss had not improved for 20 epochs; keeping epoch ${r.bestEpoch}'s weights, where it was lowest`,
    );
  });
});

describe('the line that says how training ended', () => {
  const epochs = (n: number) => Array.from({ length: n }, (_, i) => ({ epoch: i + 1 }));
  it('says a run that used every epoch was still improving, so more may help', () => {
    expect(trainingEnd({ epochs: epochs(20), bestEpoch: 20, stoppedEarly: false }, { ...defaultTrainConfig, epochs: 20 }, true)).toBe(
      'trained all 20 epochs (still improving: more epochs may help); keeping epoch 20',
    );
  });
  it('names the training loss when there were no validation images to watch', () => {
    expect(trainingEnd({ epochs: epochs(30), bestEpoch: 10, stoppedEarly: true }, defaultTrainConfig, false)).toBe(
      "stopped early after epoch 30 of 200: the training loss (no validation images) had not improved for 20 epochs; keeping epoch 10's weights, where it was lowest",
    );
  });
});

import { describe, expect, it } from 'vitest';
import { requests } from './contract';
import { projectSchema } from './project';
import { runRecordSchema } from './run';
import { sampleRunRecord } from './project.fixtures';
import { defaultTrainConfig, settingProblem, trainConfigSchema, trainSettings } from './trainConfig';

const lrMessage = 'The learning rate must be a number above 0 and at most 10.';

describe('the hyper-parameters schema', () => {
  it('holds the defaults: an empty config is the default one, and a missing setting takes its default', () => {
    expect(trainConfigSchema.parse({})).toEqual(defaultTrainConfig);
    expect(defaultTrainConfig).toMatchObject({
      batchSize: 32,
      learningRate: 0.01,
      epochs: 200,
      patience: 20,
      optimizer: 'adam',
      head: { hiddenUnits: 0, dropout: 0.2 },
      imagesPerClass: null,
    });
    expect(trainConfigSchema.parse({ epochs: 3, head: { hiddenUnits: 8 } })).toEqual({
      ...defaultTrainConfig,
      epochs: 3,
      head: { ...defaultTrainConfig.head, hiddenUnits: 8 },
    });
  });

  it('has one rule for the learning rate: above 0, at most 10, anything else with one message', () => {
    expect(settingProblem(trainSettings.learningRate, 10)).toBeNull();
    expect(settingProblem(trainSettings.learningRate, 1e-6)).toBeNull();
    for (const bad of [0, -1, 10.5, Number.NaN, Number.POSITIVE_INFINITY, '0.1']) expect(settingProblem(trainSettings.learningRate, bad)).toBe(lrMessage);
  });

  it('the engine refuses what the forms refuse, with the same message: a training request, a sweep request', () => {
    const config = { ...defaultTrainConfig, learningRate: 11 };
    const train = requests['train.start'].input.safeParse({ dataset: '/d', split: { val: 0.1, test: 0.2 }, source: 'm', cut: null, config });
    expect(train.error?.issues[0]).toMatchObject({ path: ['config', 'learningRate'], message: lrMessage });
    const sweep = requests['sweep.start'].input.safeParse({
      dataset: '/d',
      split: { val: 0.1, test: 0.2 },
      source: 'm',
      cut: null,
      config: defaultTrainConfig,
      axes: { learningRate: [0.1, 11] },
    });
    expect(sweep.error?.issues[0]).toMatchObject({ path: ['axes', 'learningRate', 1], message: lrMessage });
  });

  it('a run and a project read their settings through the same schema', () => {
    const run = sampleRunRecord();
    expect(runRecordSchema.safeParse({ ...run, config: { ...run.config, learningRate: 11 } }).error?.issues[0]?.message).toBe(lrMessage);
    const { fineTuneLayers: _, ...older } = run.config;
    expect(runRecordSchema.parse({ ...run, config: older }).config.fineTuneLayers).toBe(0);
    expect(projectSchema.shape.training.parse(undefined)).toEqual(defaultTrainConfig);
  });
});

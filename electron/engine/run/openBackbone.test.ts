import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { resolveModel } from '../models/resolveModel';
import { initBackend } from '../tf/backend';
import { planBackbone } from './openBackbone';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-plan-'));
beforeAll(async () => {
  await initBackend('wasm');
  fs.cpSync(pretrainedModelDir('mobilenet_v2'), path.join(dir, 'm'), { recursive: true });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("a backbone's plan", () => {
  it('is made once a process for the same files, cut and pooling; another cut or changed files load the model again', async () => {
    const folder = path.join(dir, 'm');
    const model = await resolveModel(folder);
    const plan = await planBackbone(model, undefined);
    expect(plan).toMatchObject({ cut: 'flatten_1', featureDim: 1280 });
    // the caller's copy is its own
    plan.cutShape.push(99);
    // the weights gone: a plan that loaded the model now would fail
    const shards = fs.readdirSync(folder).filter((f) => f.startsWith('group'));
    expect(shards.length).toBeGreaterThan(0);
    const aside = path.join(dir, 'aside');
    fs.mkdirSync(aside);
    for (const f of shards) fs.renameSync(path.join(folder, f), path.join(aside, f));
    const again = await planBackbone(model, undefined);
    expect(again).toEqual({ ...plan, cutShape: plan.cutShape.slice(0, -1) });
    await expect(planBackbone(model, 'block_16_project')).rejects.toThrow();
    // the files back with one byte changed: another model, whose plan is not the first one's
    const moveBack = () => {
      for (const f of shards) fs.renameSync(path.join(aside, f), path.join(folder, f));
    };
    moveBack();
    const shard = path.join(folder, shards[0]!);
    const bytes = fs.readFileSync(shard);
    bytes[100] = bytes[100]! ^ 1;
    fs.writeFileSync(shard, bytes);
    const changed = await resolveModel(folder);
    expect(changed.key).not.toBe(model.key);
    for (const f of shards) fs.renameSync(path.join(folder, f), path.join(aside, f));
    await expect(planBackbone(changed, undefined)).rejects.toThrow();
    moveBack();
    expect((await planBackbone(changed, undefined)).featureDim).toBe(1280);
  });
});

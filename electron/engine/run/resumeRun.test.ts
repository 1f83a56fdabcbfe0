import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { initBackend } from '../tf/backend';
import { readCheckpoint } from './checkpoint';
import { readRun } from './runFolder';
import { trainRun } from './trainRun';

/** Stop and resume: a stopped or killed run goes on from its last checkpointed epoch. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-resume-'));
const cacheDir = path.join(work, 'cache');
let dataset: string;
const config = { epochs: 30, batchSize: 8, learningRate: 0.01, patience: 0, seed: 5 };
const split = { val: 0.2, test: 0.2 };

beforeAll(async () => {
  await initBackend('wasm');
  dataset = await fashionMnistCopy({ perClass: 10, classes: ['1_trouser', '7_sneaker', '8_bag'], dest: path.join(work, 'photos') });
});

describe('stop and resume', () => {
  it('a stopped run keeps a checkpoint, and resuming it ends where an unstopped run ends', async () => {
    const whole = await trainRun({ dataset, model: pretrainedModelDir('mobilenet_v2'), config, split, cacheDir, outDir: path.join(work, 'whole') });
    const dir = path.join(work, 'stopped');
    const ac = new AbortController();
    await expect(
      trainRun({
        dataset,
        model: pretrainedModelDir('mobilenet_v2'),
        config,
        split,
        cacheDir,
        outDir: dir,
        signal: ac.signal,
        onEvent: (e) => e.type === 'epoch' && e.epoch === 12 && ac.abort(),
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED', message: expect.stringMatching(/kept after epoch \d+/), hint: expect.stringContaining('--resume') });
    const kept = readCheckpoint(dir)!;
    expect(kept.epoch).toBeGreaterThanOrEqual(1);
    expect(kept.epoch).toBeLessThanOrEqual(12);
    expect(fs.existsSync(path.join(dir, 'run.json'))).toBe(false);

    const replayed: number[] = [];
    const resumed = await trainRun({ resume: dir, cacheDir, onEvent: (e) => e.type === 'epoch' && replayed.push(e.epoch) });
    expect(resumed.runDir).toBe(path.resolve(dir));
    // the curves show the epochs from before the stop too
    expect(replayed).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(resumed.record.epochs).toHaveLength(30);
    expect(resumed.record.epochs.slice(0, kept.epoch)).toEqual(kept.epochs);
    // the same seed, the same epochs: resuming changes nothing in the outcome
    for (let i = 0; i < 30; i++) expect(resumed.record.epochs[i]!.loss).toBeCloseTo(whole.record.epochs[i]!.loss, 4);
    expect(resumed.record.evaluation.confusionMatrix).toEqual(whole.record.evaluation.confusionMatrix);
    // a finished run has no checkpoint left, and cannot be resumed again
    expect(readCheckpoint(dir)).toBeNull();
    expect(readRun(dir).id).toBe(resumed.record.id);
    await expect(trainRun({ resume: dir, cacheDir })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('a killed process’s run resumes from the command line', async () => {
    const dir = path.join(work, 'killed');
    const cli = path.join(root, 'bin', 'transfer-lab.cjs');
    const env = { ...process.env, TRANSFER_LAB_CACHE: cacheDir };
    const child = spawn(
      process.execPath,
      [
        cli,
        'train',
        dataset,
        '--model',
        pretrainedModelDir('mobilenet_v2'),
        '--epochs',
        '4000',
        '--patience',
        '0',
        '--backend',
        'wasm',
        '--cache-dir',
        cacheDir,
        '--out',
        dir,
        '--json',
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const cp = fs.existsSync(path.join(dir, 'checkpoint.json')) ? readCheckpoint(dir) : null;
        if (cp && cp.epoch >= 50) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 100);
      child.once('exit', () => {
        clearInterval(timer);
        reject(new Error('training ended before it could be killed'));
      });
    });
    const kept = readCheckpoint(dir)!.epoch;
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(process.execPath, [cli, 'train', '--resume', dir, '--backend', 'wasm', '--cache-dir', cacheDir, '--json'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.once('exit', (code) => resolve({ code, out }));
    });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(result.type).toBe('result');
    expect(result.runDir).toBe(path.resolve(dir));
    expect(readRun(dir).epochs).toHaveLength(4000);
    expect(kept).toBeGreaterThanOrEqual(50);
  }, 240_000);
});

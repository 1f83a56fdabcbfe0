import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainState } from '../train/trainHead';
import { readCheckpoint, removeCheckpoint, writeCheckpoint } from './checkpoint';

const state = (v: number): TrainState => ({
  epochs: [],
  weights: [{ name: 'dense/kernel', shape: [2, 2], data: Float32Array.of(v, v + 1, v + 2, v + 3) }],
  optimizers: [[{ name: 'dense/kernel/m', shape: [2, 2], data: Float32Array.of(v / 10, 0, 0, 0) }]],
  best: { loss: 0.5, epoch: 1, weights: null },
  sinceBest: 0,
});

const bins = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.bin'));

describe('run checkpoints', () => {
  it('keeps one state file, and a write cut short leaves the previous checkpoint whole', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-checkpoint-'));
    await writeCheckpoint(dir, 1, state(1));
    await writeCheckpoint(dir, 2, state(2));
    expect(bins(dir)).toHaveLength(1);
    expect(readCheckpoint(dir)).toMatchObject({ epoch: 2 });
    expect(Array.from(readCheckpoint(dir)!.weights[0]!.data)).toEqual([2, 3, 4, 5]);

    // killed while writing the next one: checkpoint.json still names a whole state at every
    // step of the write (read between each of the writer's steps)
    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-checkpoint-'));
    await writeCheckpoint(dir2, 1, state(1));
    let writing = true;
    const write = writeCheckpoint(dir2, 2, state(2)).finally(() => (writing = false));
    const seen = new Set<number>();
    while (writing) {
      const cp = readCheckpoint(dir2)!;
      seen.add(cp.epoch);
      expect(Array.from(cp.weights[0]!.data)).toEqual(cp.epoch === 1 ? [1, 2, 3, 4] : [2, 3, 4, 5]);
      await new Promise((r) => setImmediate(r));
    }
    await write;
    expect(seen.has(1)).toBe(true);
    expect(readCheckpoint(dir2)).toMatchObject({ epoch: 2 });

    // a state file gone from under its checkpoint.json is damage, said as such
    fs.rmSync(path.join(dir, bins(dir)[0]!));
    expect(() => readCheckpoint(dir)).toThrow(/damaged/);

    await removeCheckpoint(dir2);
    expect(readCheckpoint(dir2)).toBeNull();
    expect(bins(dir2)).toEqual([]);
  });
});

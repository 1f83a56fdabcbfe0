import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RequestName } from '../../../shared/contract';
import { dispatch } from '../../../shared/rpc';
import { createLabService } from './labService';

/**
 * Every request that takes a path, given one that is not there: a user's moved folder, a
 * project file deleted since it was listed as recent, a run folder cleaned away. Each must
 * answer with a typed error that says so (what the app shows as it is), never INTERNAL.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-missing-'));
const gone = path.join(dir, 'gone');
const service = createLabService({ host: 'web', version: 'test', emit: () => undefined, dataDir: dir, configDir: dir, backend: 'cpu' });
afterAll(async () => {
  await service.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const asked: [RequestName, unknown][] = [
  ['fs.list', { path: gone }],
  ['dataset.scan', { path: gone }],
  ['dataset.thumbnail', { root: gone, relPath: 'a/1.png', size: 64 }],
  ['dataset.augmentPreview', { root: gone, relPath: 'a/1.png', contentHash: 'abcdef0123', variants: 2, size: 64 }],
  ['models.inspect', { source: gone }],
  ['run.read', { runDir: gone }],
  ['run.export', { runDir: gone, dest: path.join(dir, 'export'), parity: false }],
  ['run.classify', { runDir: gone, photos: [{ name: 'a.png', base64: 'AAAA' }] }],
  ['run.classifyFrame', { runDir: gone, base64: 'AAAA' }],
  ['run.featureMap', { runDir: gone }],
  ['dataset.featureMap', { root: gone, split: { val: 0.1, test: 0.2 }, source: 'mobilenet_v2', cut: null }],
  ['train.resume', { runDir: gone }],
  ['project.open', { file: path.join(gone, 'lab.tlab') }],
];

describe('a path that is not there', () => {
  it.each(asked)('%s answers with a typed error that names it, not INTERNAL', async (name, input) => {
    const r = await dispatch(service.handlers, name, input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).not.toBe('INTERNAL');
    expect(r.error.message).toContain(gone);
  });
});

/** the same requests on files that are there but damaged: a torn write, a file of something else */
describe('a file that is there but damaged', () => {
  const damaged = path.join(dir, 'damaged');
  fs.mkdirSync(path.join(damaged, 'run'), { recursive: true });
  fs.writeFileSync(path.join(damaged, 'run', 'run.json'), '{"formatVersion": 1, "model"');
  fs.mkdirSync(path.join(damaged, 'model'));
  fs.writeFileSync(path.join(damaged, 'model', 'model.json'), 'not json at all');
  fs.writeFileSync(path.join(damaged, 'lab.tlab'), '\u0000\u0001 binary junk');
  fs.mkdirSync(path.join(damaged, 'photos', 'a'), { recursive: true });
  fs.writeFileSync(path.join(damaged, 'photos', 'a', '1.png'), 'text, not a PNG');
  const cases: [RequestName, unknown, string][] = [
    ['run.read', { runDir: path.join(damaged, 'run') }, 'run.json'],
    ['run.export', { runDir: path.join(damaged, 'run'), dest: path.join(dir, 'export2'), parity: false }, 'run.json'],
    ['run.classify', { runDir: path.join(damaged, 'run'), photos: [{ name: 'a.png', base64: 'AAAA' }] }, 'run.json'],
    ['run.classifyFrame', { runDir: path.join(damaged, 'run'), base64: 'AAAA' }, 'run.json'],
    ['run.featureMap', { runDir: path.join(damaged, 'run') }, 'run.json'],
    ['models.inspect', { source: path.join(damaged, 'model') }, 'model.json'],
    ['project.open', { file: path.join(damaged, 'lab.tlab') }, 'lab.tlab'],
    ['dataset.thumbnail', { root: path.join(damaged, 'photos'), relPath: 'a/1.png', size: 64 }, '1.png'],
  ];
  it.each(cases)('%s answers with a typed error that names the file, not INTERNAL', async (name, input, file) => {
    const r = await dispatch(service.handlers, name, input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).not.toBe('INTERNAL');
    expect(r.error.message).toContain(file);
  });
});

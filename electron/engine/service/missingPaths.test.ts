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

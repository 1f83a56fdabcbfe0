import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { workerEntry } from './workerEntry';
import { probeAdapter } from './adapterFacts';
import { externalImports } from '../../../test/fixtures/bundleImports';

describe('what an extraction worker starts from', () => {
  afterEach(() => {
    delete process.env.TRANSFER_LAB_EXTRACT_WORKER;
  });

  it('from the sources: one esbuild bundle per process, kept under node_modules/.cache by its content; a built app names its own file', async () => {
    const a = await workerEntry();
    expect(a.href).toMatch(/\/node_modules\/\.cache\/transfer-lab\/worker-[0-9a-f]{16}\/extractWorker\.js$/);
    expect(fs.existsSync(fileURLToPath(a))).toBe(true);
    // no TypeScript loader in it: a plain ES module that imports packages by name
    expect(fs.readFileSync(fileURLToPath(a), 'utf8')).not.toMatch(/from "\.\.?\/.*\.ts"/);
    expect((await workerEntry()).href).toBe(a.href);
    process.env.TRANSFER_LAB_EXTRACT_WORKER = '/opt/app/out/main/extractWorker.js';
    expect((await workerEntry()).href).toBe('file:///opt/app/out/main/extractWorker.js');
  });

  it('starts on what ONNX Runtime needs: the thread loads no zod, TF.js or sharp until a path asks for them', async () => {
    const entry = fileURLToPath(await workerEntry());
    const thread = fs.readdirSync(path.dirname(entry)).find((f) => /^extractThread-.*\.js$/.test(f))!;
    const loaded = [...externalImports(path.join(path.dirname(entry), thread))];
    expect(loaded).toContain('node:worker_threads');
    // each is a tenth of a second of a worker's start, and a kept graph's worker needs none of them (zod was 80 ms)
    expect(loaded.filter((d) => /^(zod|sharp|@tensorflow\/)/.test(d))).toEqual([]);
  });
});

describe('the GPU adapter probe', () => {
  const saved = process.env.VK_DRIVER_FILES;
  afterEach(() => {
    if (saved === undefined) delete process.env.VK_DRIVER_FILES;
    else process.env.VK_DRIVER_FILES = saved;
  });

  it('is asked once per Vulkan setting: a second run reuses the answer, another driver file asks again', async () => {
    process.env.VK_DRIVER_FILES = '/nonexistent/a.json';
    const first = probeAdapter();
    expect(probeAdapter()).toBe(first);
    expect(await first).toMatchObject({ adapter: null, noAdapterReason: expect.any(String) });
    process.env.VK_DRIVER_FILES = '/nonexistent/b.json';
    const second = probeAdapter();
    expect(second).not.toBe(first);
    expect(await second).toMatchObject({ adapter: null });
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { mobilenetPoolInit } from '../../../test/fixtures/extractionPool';
import { ExtractorPool } from './extractorPool';
import type * as AdapterFacts from './adapterFacts';

// the pool's GPU adapter probe never answers (a driver that hangs until the probe's own timeout)
vi.mock('./adapterFacts', async (original) => ({ ...(await original<typeof AdapterFacts>()), probeAdapter: () => new Promise(() => undefined) }));

describe("the pool's adapter probe", () => {
  it('a stop while the first worker waits for the probe closes every worker at once, without waiting for the answer', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-poolprobe-'));
    const ac = new AbortController();
    const started = ExtractorPool.start(mobilenetPoolInit(cacheDir), { workers: 2, batchSize: 4, signal: ac.signal });
    // long enough for the first worker to have built its runtimes and be waiting for the answer
    setTimeout(() => ac.abort(), 4000);
    const t0 = performance.now();
    await expect(started).rejects.toMatchObject({ code: 'CANCELLED' });
    // closed within a few seconds of the stop, not after the probe's 20 s timeout (or never)
    expect(performance.now() - t0).toBeLessThan(12_000);
  }, 30_000);
});

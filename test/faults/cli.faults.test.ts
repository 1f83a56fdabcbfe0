import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistCopy } from '../fixtures/fashionMnist';
import { pretrainedModelDir } from '../fixtures/pretrainedModels';
import { errorLines, jsonLines, processesNaming, runCli, type CliOptions, type CliResult } from './cliHarness';
import { fullDiskSupport, onFullDisk } from './fullDisk';

/**
 * Fault injection against the real CLI in a child process, on real photos and a real
 * pre-trained MobileNetV2: Ctrl+C in each phase, a full disk under each folder it writes, bad
 * model servers, a run folder that is already taken. Each case: one line that says what
 * happened, the exit code, no process lost (never 134 or 139), nothing of the user's lost.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-faults-cli-'));
const env = { ...process.env, TRANSFER_LAB_CACHE: path.join(work, 'user-cache') };
const opts = (over: Partial<CliOptions> = {}): CliOptions => ({ env, cwd: work, ...over });
let dataset: string;
let model: string;

beforeAll(async () => {
  dataset = await fashionMnistCopy({ perClass: 20, classes: ['1_trouser', '7_sneaker'], dest: path.join(work, 'photos') });
  model = pretrainedModelDir('mobilenet_v2');
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** what every fault must give: one error line, the expected exit code, no abort, no process left behind */
function expectCleanFailure(r: CliResult, code: number, message: RegExp): void {
  expect(r.stderr).not.toMatch(/terminate called|Napi::Error|Aborted|Segmentation/);
  expect({ code: r.code, errors: errorLines(r.stderr) }).toEqual({ code, errors: [expect.stringMatching(message)] });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(processesNaming(work)).toEqual([]);
}

describe('Ctrl+C', () => {
  it.each(['auto', 'tfjs'])('during extraction (--extractor %s) stops between batches and exits 130 with one line', async (extractor) => {
    const cache = path.join(work, `cache-stop-${extractor}`);
    const out = path.join(work, `run-stop-${extractor}`);
    const r = await runCli(['train', dataset, '--model', model, '--extractor', extractor, '--extract-batch', '2', '--cache-dir', cache, '--out', out, '--json'], opts({ interruptOn: /"phase":"extract","done":/ }));
    expect(r.stoppedAt).not.toBeNull();
    expectCleanFailure(r, 130, /^error: Extraction was stopped\. Features extracted so far are kept in the cache/);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ type: 'error', code: 'CANCELLED' });
    // what was extracted before the stop is whole and stays: the next run extracts only the rest
    const kept = fs.readdirSync(cache, { recursive: true }).filter((f) => String(f).endsWith('.f32'));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(40);
    expect(fs.readdirSync(cache, { recursive: true }).filter((f) => String(f).endsWith('.tmp'))).toEqual([]);
    expect(fs.existsSync(path.join(out, 'run.json'))).toBe(false);
  });
});

const disk = fullDiskSupport();
const skipDisk = disk.how === 'none' ? disk.why : false;

describe.skipIf(skipDisk)('a full disk', () => {
  it('under the bottleneck cache: DISK_FULL naming the cache folder, the workers stopped cleanly', async () => {
    const cache = path.join(work, 'cache-full');
    const r = await runCli(['train', dataset, '--model', model, '--extract-batch', '2', '--cache-dir', cache, '--out', path.join(work, 'run-cache-full'), '--json'], opts({ wrap: onFullDisk({ dir: cache, freeKiB: 40, after: path.join(work, 'cache-full-after') }) }));
    expectCleanFailure(r, 1, new RegExp(`^error: The disk is full: could not write ${cache}/.+\\.f32\\. Free some space on the disk that holds ${cache} \\(the bottleneck cache there is derived data and safe to delete`));
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ type: 'error', code: 'DISK_FULL' });
  });
});

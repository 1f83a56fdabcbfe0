import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistCopy } from '../fixtures/fashionMnist';
import { pretrainedModelDir } from '../fixtures/pretrainedModels';
import { loadProject, saveProject } from '../../electron/engine/project/projectFile';
import { readCheckpoint } from '../../electron/engine/run/checkpoint';
import { newProject } from '../../shared/project';
import { errorLines, jsonLines, processesNaming, runCli, runScript, type CliOptions, type CliResult } from './cliHarness';
import { fullDiskSupport, onFullDisk } from './fullDisk';
import { modelCacheFolder } from '../../electron/engine/models/download';
import {
  makeTinyLayersModel,
  sendPartThenDrop,
  shardNames,
  startModelServer,
  type Override,
  type TestServer,
} from '../../electron/engine/models/testModelServer';

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
/** the cache the finished run filled: later runs on it train at once */
const cache = path.join(work, 'cache');
/** a finished run, which nothing may overwrite */
const finished = path.join(work, 'finished');

beforeAll(async () => {
  dataset = await fashionMnistCopy({ perClass: 20, classes: ['1_trouser', '7_sneaker'], dest: path.join(work, 'photos') });
  model = pretrainedModelDir('mobilenet_v2');
  const r = await runCli(['train', dataset, '--model', model, '--epochs', '3', '--cache-dir', cache, '--out', finished, '--json'], opts());
  if (r.code !== 0) throw new Error(`the finished run the faults start from failed: ${r.stderr}`);
});

/** an earlier export of the finished run (made once), which a failed or stopped export must leave whole */
let earlier: Promise<string> | undefined;
function earlierExport(): Promise<string> {
  earlier ??= runCli(['export', finished, path.join(work, 'earlier-export', 'model'), '--no-parity'], opts()).then((r) => {
    if (r.code !== 0) throw new Error(`the earlier export failed: ${r.stderr}`);
    return path.join(work, 'earlier-export');
  });
  return earlier;
}

/** every file of a folder with its bytes' hash: equal before and after means nothing was touched */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out[f] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  }
  return out;
}

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

describe('a run folder that is taken', () => {
  it('train --out onto a finished run refuses with one line and leaves the run as it was', async () => {
    const before = contents(finished);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['run.json', 'head/model.json', 'head/weights.bin']));
    const r = await runCli(['train', dataset, '--model', model, '--epochs', '2', '--cache-dir', cache, '--out', finished], opts());
    expectCleanFailure(
      r,
      2,
      new RegExp(
        `^error: ${finished} already holds a finished run; training into it would overwrite its weights and record\\. Choose a new or empty folder for --out`,
      ),
    );
    expect(contents(finished)).toEqual(before);
  });

  it('train --out onto a folder of other files refuses too', async () => {
    const mine = path.join(work, 'notes');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'run.txt'), 'mine');
    const r = await runCli(['train', dataset, '--model', model, '--cache-dir', cache, '--out', mine], opts());
    expectCleanFailure(r, 2, /is not empty and is not a run folder\. Choose a new or empty folder for --out, so nothing of yours is overwritten/);
    expect(fs.readdirSync(mine)).toEqual(['run.txt']);
  });
});

describe('Ctrl+C', () => {
  it.each(['auto', 'tfjs'])('during extraction (--extractor %s) stops between batches and exits 130 with one line', async (extractor) => {
    const fresh = path.join(work, `cache-stop-${extractor}`);
    const out = path.join(work, `run-stop-${extractor}`);
    const r = await runCli(
      ['train', dataset, '--model', model, '--extractor', extractor, '--extract-batch', '2', '--cache-dir', fresh, '--out', out, '--json'],
      opts({ interruptOn: /"phase":"extract","done":/ }),
    );
    expect(r.stoppedAt).not.toBeNull();
    expectCleanFailure(
      r,
      130,
      new RegExp(
        `^error: Extraction was stopped; features extracted so far are kept in the cache\\. Resume it with \`transfer-lab train --resume ${out}\`.* It extracts only the rest\\.$`,
      ),
    );
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ type: 'error', code: 'CANCELLED' });
    // what was extracted before the stop is whole and stays: the next run extracts only the rest
    const kept = fs.readdirSync(fresh, { recursive: true }).filter((f) => String(f).endsWith('.f32'));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(40);
    expect(fs.readdirSync(fresh, { recursive: true }).filter((f) => String(f).endsWith('.tmp'))).toEqual([]);
    expect(fs.existsSync(path.join(out, 'run.json'))).toBe(false);
    if (extractor !== 'tfjs') return;
    // the stopped run resumes where and how it ran (its cache, its extractor) without being told again
    const resumed = await runCli(['train', '--resume', out, '--json'], opts());
    expect(resumed.code).toBe(0);
    expect(jsonLines(resumed.stdout).at(-1)).toMatchObject({
      type: 'result',
      runDir: out,
      cache: { hits: kept.length, misses: 40 - kept.length },
      extractor: { runtime: 'fused' },
    });
  });

  it.each([
    ['scan', /^error: Stopped while scanning the dataset; nothing was trained yet\. Start the run again/],
    ['load-model', /^error: Stopped while loading the model; nothing was trained yet\. Start the run again/],
  ])('while in phase %s (held there until the stop): exits 130, nothing written', async (phase, message) => {
    const out = path.join(work, `run-stop-${phase}`);
    const r = await runCli(
      ['train', dataset, '--model', model, '--cache-dir', cache, '--out', out, '--json'],
      opts({ env: { ...env, TRANSFER_LAB_FAULT_HOLD: phase }, interruptOn: new RegExp(`"type":"phase","phase":"${phase}"`) }),
    );
    expectCleanFailure(r, 130, message);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('during training writes a checkpoint at the stop; the stopped run is resumed, not trained over', async () => {
    const out = path.join(work, 'run-stop-train');
    const r = await runCli(
      ['train', dataset, '--model', model, '--epochs', '300', '--patience', '0', '--cache-dir', cache, '--out', out, '--json'],
      opts({ interruptOn: /"type":"epoch","epoch":5,/ }),
    );
    expectCleanFailure(
      r,
      130,
      new RegExp(`^error: Training was stopped; the run is kept after epoch \\d+.* in ${out}\\. Resume it with \`transfer-lab train --resume ${out}\``),
    );
    // nothing lost: the checkpoint holds the last epoch the run reported, not one up to a second older
    const seen = jsonLines(r.stdout)
      .filter((l) => l.type === 'epoch')
      .map((l) => l.epoch as number);
    const kept = readCheckpoint(out)!;
    expect(kept.epoch).toBe(seen.at(-1));
    const over = await runCli(['train', dataset, '--model', model, '--cache-dir', cache, '--out', out], opts());
    expectCleanFailure(over, 2, new RegExp(`^error: ${out} holds a stopped run\\. Resume it with \`transfer-lab train --resume ${out}\``));
    const resumed = await runCli(['train', '--resume', out, '--json'], opts());
    expect(resumed.code).toBe(0);
    const lines = jsonLines(resumed.stdout);
    expect(lines.find((l) => l.type === 'log' && String(l.message).startsWith('resuming'))?.message).toMatch(new RegExp(`after epoch ${kept.epoch} of 300$`));
    // its own cache again, without --cache-dir: nothing extracted twice
    expect(lines.at(-1)).toMatchObject({ type: 'result', runDir: out, cache: { misses: 0 } });
    expect((lines.at(-1)!.epochs as unknown[]).length).toBe(300);
  });

  it('during evaluation keeps the trained run; --resume only evaluates and writes it', async () => {
    const out = path.join(work, 'run-stop-evaluate');
    const r = await runCli(
      ['train', dataset, '--model', model, '--epochs', '3', '--cache-dir', cache, '--out', out, '--json'],
      opts({ env: { ...env, TRANSFER_LAB_FAULT_HOLD: 'evaluate' }, interruptOn: /"type":"phase","phase":"evaluate"/ }),
    );
    expectCleanFailure(r, 130, new RegExp(`^error: Stopped while evaluating; the run is kept after epoch 3 in ${out}\\.`));
    expect(fs.existsSync(path.join(out, 'run.json'))).toBe(false);
    const resumed = await runCli(['train', '--resume', out, '--json'], opts());
    expect(resumed.code).toBe(0);
    expect(jsonLines(resumed.stdout).find((l) => l.type === 'log' && String(l.message).startsWith('resuming'))?.message).toMatch(/after epoch 3 of 3$/);
    expect(fs.existsSync(path.join(out, 'run.json'))).toBe(true);
  });

  it('during export leaves a whole export at the destination (the earlier one, untouched) and no half one', async () => {
    const dest = path.join(work, 'export-stop');
    fs.cpSync(path.join(await earlierExport(), 'model'), dest, { recursive: true });
    const before = contents(dest);
    const r = await runCli(['export', finished, dest], opts({ interruptOn: /» exporting to/ }));
    expectCleanFailure(
      r,
      130,
      /^error: (The export was stopped; .* is as it was\.|Stopped during the parity check; the export in .* is written but not checked\.)/,
    );
    if (/as it was/.test(r.stderr)) expect(contents(dest)).toEqual(before);
    expect(fs.readdirSync(work).filter((f) => f.includes('.exporting-'))).toEqual([]);
    const image = path.join(dataset, '7_sneaker', fs.readdirSync(path.join(dataset, '7_sneaker'))[0]!);
    expect((await runCli(['predict', dest, image, '--json'], opts())).code).toBe(0);
  });
});

const disk = fullDiskSupport();
const skipDisk = disk.how === 'none' ? disk.why : false;

describe.skipIf(skipDisk)('a full disk', () => {
  it('under the bottleneck cache: DISK_FULL naming the cache folder, the workers stopped cleanly', async () => {
    const full = path.join(work, 'cache-full');
    const r = await runCli(
      ['train', dataset, '--model', model, '--extract-batch', '2', '--cache-dir', full, '--out', path.join(work, 'run-cache-full'), '--json'],
      opts({ wrap: onFullDisk({ dir: full, freeKiB: 40, after: path.join(work, 'cache-full-after') }) }),
    );
    expectCleanFailure(
      r,
      1,
      new RegExp(
        `^error: The disk is full: could not write ${full}/.+\\.f32\\. Free some space on the disk that holds ${full} \\(the bottleneck cache there is derived data and safe to delete`,
      ),
    );
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ type: 'error', code: 'DISK_FULL' });
  });

  it('under the run folder: DISK_FULL naming the run folder, not the bottleneck cache', async () => {
    const disk = path.join(work, 'runs-full');
    const out = path.join(disk, 'run');
    const r = await runCli(
      ['train', dataset, '--model', model, '--epochs', '3', '--cache-dir', cache, '--out', out],
      opts({ wrap: onFullDisk({ dir: disk, freeKiB: 12, after: path.join(work, 'runs-full-after') }) }),
    );
    expectCleanFailure(
      r,
      1,
      new RegExp(
        `^error: The disk is full: could not write ${out}/.+\\. Free some space on the disk that holds ${out} \\(run folders you no longer need can go`,
      ),
    );
    expect(errorLines(r.stderr)[0]).not.toMatch(/bottleneck cache/);
  });

  it('under the export folder: DISK_FULL, the earlier export there untouched and no half export left', async () => {
    const seed = await earlierExport();
    const before = contents(seed);
    const disk = path.join(work, 'exports-full');
    const after = path.join(work, 'exports-full-after');
    const r = await runCli(['export', finished, path.join(disk, 'model')], opts({ wrap: onFullDisk({ dir: disk, seed, freeKiB: 256, after }) }));
    expectCleanFailure(r, 1, new RegExp(`^error: The disk is full: could not write ${disk}/model`));
    expect(contents(after)).toEqual(before);
  });

  it('under a project: DISK_FULL, the project file as it was and still loading', async () => {
    const seed = path.join(work, 'project-seed');
    fs.mkdirSync(seed);
    await saveProject(path.join(seed, 'lab.tlab'), { ...newProject('lab'), notes: 'my notes' });
    const before = fs.readFileSync(path.join(seed, 'lab.tlab'));
    const disk = path.join(work, 'project-full');
    const after = path.join(work, 'project-full-after');
    const r = await runScript(
      'test/faults/saveProjectScript.ts',
      [path.join(disk, 'lab.tlab'), finished, path.join(work, 'config')],
      opts({ wrap: onFullDisk({ dir: disk, seed, freeKiB: 4, after }) }),
    );
    expectCleanFailure(r, 1, /^error: The disk is full: could not write/);
    expect(fs.readFileSync(path.join(after, 'lab.tlab'))).toEqual(before);
    expect((await loadProject(path.join(after, 'lab.tlab'))).project.notes).toBe('my notes');
  });
});

describe('a model server that fails', () => {
  const tiny = makeTinyLayersModel();
  const shard1 = `/model/${shardNames[0]}`;
  // our network timeouts, at 300 ms instead of 30 s
  const netEnv = { ...env, TRANSFER_LAB_NETWORK_TIMEOUT_MS: '300' };
  let server: TestServer | undefined;
  afterAll(async () => server?.close());

  async function trainFrom(override: Override): Promise<{ r: CliResult; host: string; url: string; models: string }> {
    await server?.close();
    server = await startModelServer(tiny.files, override);
    const url = `${server.origin}/model/model.json`;
    const models = path.join(work, 'user-cache', 'models');
    const r = await runCli(
      ['train', dataset, '--model', url, '--cache-dir', cache, '--out', path.join(work, `run-${server.origin.split(':').pop()}`)],
      opts({ env: netEnv }),
    );
    return { r, host: new URL(server.origin).host, url, models };
  }
  /** what the download left of itself in the model cache */
  const left = (url: string, models: string) => ['', '.staging'].filter((end) => fs.existsSync(`${modelCacheFolder(url, { cacheDir: models })}${end}`));

  it('that accepts and never answers: an error within our timeout that says so', async () => {
    const { r, host, url } = await trainFrom(() => true);
    expectCleanFailure(
      r,
      1,
      new RegExp(`^error: ${host} did not answer within 0\\.3 s \\(asked for ${url.replace(/[.?]/g, '\\$&')}\\)\\. The server may be down or overloaded`),
    );
  });

  it('that dies mid-body: every retry says so, then one error; the part received is kept to resume', async () => {
    const body = tiny.shards.get(shardNames[0])!;
    const { r, host, url, models } = await trainFrom((req, res) => {
      if (req.url !== shard1) return undefined;
      sendPartThenDrop(res, body, 700);
      return true;
    });
    expectCleanFailure(
      r,
      1,
      new RegExp(`^error: Downloading ${shardNames[0]} from ${host} failed after 4 attempts \\(it broke off 4 times\\): the connection broke off`),
    );
    expect(r.stderr.split('\n').filter((l) => l.includes('download: retrying'))).toEqual(
      [2, 3, 4].map((n) =>
        expect.stringMatching(new RegExp(`^  ! download: retrying ${shardNames[0]} \\(attempt ${n} of 4\\) in \\d\\.\\d s: the connection broke off`)),
      ),
    );
    expect(left(url, models)).toEqual(['.staging']);
  });

  it('that truncates a shard: the damage named, nothing of it kept', async () => {
    const short = tiny.shards.get(shardNames[0])!.subarray(0, 4000);
    const { r, url, models } = await trainFrom((req, res) => {
      if (req.url !== shard1) return undefined;
      res.writeHead(200, { 'content-length': short.length }).end(short);
      return true;
    });
    expectCleanFailure(r, 1, /^error: The weight files .* hold 6368 bytes, but the model's weights manifest needs 6464: the download is damaged/);
    expect(left(url, models)).toEqual([]);
  });

  it('that answers an HTML page: not a model, nothing kept', async () => {
    const { r, url, models } = await trainFrom((req, res) => {
      if (!req.url?.endsWith('model.json')) return undefined;
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Sign in</body></html>');
      return true;
    });
    expectCleanFailure(
      r,
      1,
      new RegExp(`^error: The address ${url.replace(/[.?]/g, '\\$&')} did not return a TensorFlow\\.js model: it returned an HTML page`),
    );
    expect(left(url, models)).toEqual([]);
  });
});

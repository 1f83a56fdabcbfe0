import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelCatalog } from '../../shared/catalog';
import { defaultSplit } from '../../shared/dataset';
import { defaultTrainConfig } from '../../shared/run';
import { fashionMnistDataset } from '../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../test/fixtures/pretrainedModels';

/** The CLI as a user runs it: a child process, its exit code, its stdout and stderr. */
const cli = path.resolve('bin/transfer-lab.cjs');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cli-'));
const env = { ...process.env, TRANSFER_LAB_CACHE: path.join(work, 'cache'), FORCE_COLOR: '0' };

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, ...args], { env, cwd: work });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let dataset: string;
let model: string;

beforeAll(async () => {
  const source = await fashionMnistDataset({ perClass: 20 });
  dataset = path.join(work, 'photos');
  for (const c of ['5_sandal', '1_trouser']) fs.cpSync(path.join(source, c), path.join(dataset, c), { recursive: true });
  fs.writeFileSync(
    path.join(dataset, '5_sandal', 'truncated.png'),
    fs.readFileSync(path.join(source, '5_sandal', fs.readdirSync(path.join(source, '5_sandal'))[0]!)).subarray(0, 40),
  );
  model = pretrainedModelDir('mobilenet_v2');
});

describe('transfer-lab CLI', () => {
  it("train's defaults are the one default config the app uses, not literals of its own", async () => {
    const r = await run(['train', '--help']);
    expect(r.code).toBe(0);
    // commander wraps long descriptions: one option a line again
    const help = r.stdout.replace(/\n {20,}/g, ' ');
    const shown = (flag: string) => new RegExp(`${flag} [^\\n]*default: "?([^)"]+)"?\\)`).exec(help)?.[1];
    const c = defaultTrainConfig;
    expect(shown('--epochs')).toBe(String(c.epochs));
    expect(shown('--batch-size')).toBe(String(c.batchSize));
    expect(shown('--lr')).toBe(String(c.learningRate));
    expect(shown('--optimizer')).toBe(c.optimizer);
    expect(shown('--patience')).toBe(String(c.patience));
    expect(shown('--dropout')).toBe(String(c.head.dropout));
    expect(shown('--seed')).toBe(String(c.seed));
    expect(shown('--fine-tune-lr')).toBe(String(c.fineTuneLearningRateFactor));
    expect(shown('--val')).toBe(String(defaultSplit.val));
    expect(shown('--test')).toBe(String(defaultSplit.test));
  });

  it('train --json prints only JSON lines, ending with the result', async () => {
    const r = await run(['train', dataset, '--model', model, '--epochs', '3', '--batch-size', '8', '--out', path.join(work, 'run'), '--json']);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const result = lines.at(-1)!;
    expect(result.type).toBe('result');
    for (const key of ['backend', 'classes', 'counts', 'skipped', 'testAccuracy', 'confusionMatrix', 'perClass', 'timings', 'cache', 'peakRssMiB', 'runDir'])
      expect(result).toHaveProperty(key);
    expect(result.classes).toEqual(['1_trouser', '5_sandal']);
    expect(result.skipped).toEqual([expect.objectContaining({ path: '5_sandal/truncated.png' })]);
    expect(result.cache).toEqual({ hits: 0, misses: 40 });
    expect((result.timings as Record<string, number>).extractSeconds).toBeGreaterThan(0);
    expect(lines.some((l) => l.type === 'epoch')).toBe(true);
    expect(lines.some((l) => l.type === 'progress' && l.phase === 'extract')).toBe(true);
  });

  it('the second train reuses the cache; evaluate, export and predict work on the run', async () => {
    const again = jsonLines((await run(['train', dataset, '--model', model, '--epochs', '2', '--out', path.join(work, 'run2'), '--json'])).stdout).at(-1)!;
    expect(again.cache).toEqual({ hits: 40, misses: 0 });
    // it extracted nothing, and says when the features were extracted and how fast: the first run's measurement
    const first = JSON.parse(fs.readFileSync(path.join(work, 'run', 'run.json'), 'utf8')) as { extraction: { measurement: { imagesPerSecond: number } } };
    expect(first.extraction.measurement.imagesPerSecond).toBeGreaterThan(0);
    expect(again.extraction).toEqual({ source: 'cache', extracted: 0, cached: 40, measurement: first.extraction.measurement });
    const text = await run(['train', dataset, '--model', model, '--epochs', '1', '--out', path.join(work, 'run3')]);
    // what ran each part, each fact once, as the Evaluate step says it: the cached run's frozen part names the
    // extraction its features came from, and why no GPU ran that on a line under it (the summary said both twice)
    expect(text.stdout).toMatch(
      /^frozen part: not run: every feature from the cache, extracted once by ONNX Runtime \(CPU\): [\d.]+ s for 40 images, [\d.]+ images\/s \([\d.]+ ms an image\)\n {2}CPU because .*GPU.*\nhead: CPU by .+$/m,
    );
    expect(text.stdout.match(/extracted once by ONNX Runtime/g)).toHaveLength(1);
    // where each part ran: said in the summary on stdout only (the engine's log said it again before)
    expect(`${text.stdout}${text.stderr}`.match(/^frozen part: /gm)).toEqual(['frozen part: ']);
    const ev = await run(['evaluate', path.join(work, 'run2'), '--json']);
    expect(ev.code).toBe(0);
    expect(jsonLines(ev.stdout).at(-1)!.testAccuracy).toBe(again.testAccuracy);
    const ex = await run(['export', path.join(work, 'run2'), path.join(work, 'exported')]);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toMatch(/agrees with the engine on all \d+ test images/);
    // and how to run it on its own, a command that can be pasted
    expect(ex.stdout).toContain('python3 exported/classify.py <photos or folders>');
    const sandal = path.join(
      dataset,
      '5_sandal',
      fs.readdirSync(path.join(dataset, '5_sandal')).find((f) => f.endsWith('.png'))!,
    );
    const pr = await run(['predict', path.join(work, 'exported'), sandal, '--json', '--top', '2']);
    expect(pr.code).toBe(0);
    const [p] = jsonLines(pr.stdout);
    expect(p).toMatchObject({ type: 'prediction', file: sandal });
    expect((p!.top as unknown[]).length).toBe(2);
    // the run itself answers the same, through the engine's cache and extractor
    const byRun = await run(['predict', path.join(work, 'run2'), sandal, '--json', '--top', '2']);
    expect(byRun.code).toBe(0);
    // its events come first, as JSON lines too (the frozen part's phase and facts)
    const [q] = jsonLines(byRun.stdout).filter((l) => l.type === 'prediction');
    expect(q).toMatchObject({ type: 'prediction', file: sandal });
    const top = (x: typeof p) => (x!.top as { className: string; probability: number }[]).map((t) => [t.className, t.probability.toFixed(3)]);
    expect(top(q)).toEqual(top(p));
    // a folder is every image in it, as classify.py reads one (it was refused: "is a folder, not a file"),
    // and photos in a folder named after a class are counted right or wrong
    const folder = await run(['predict', path.join(work, 'exported'), path.join(dataset, '5_sandal'), '--json']);
    // the truncated PNG the folder holds is named, and the exit code says one failed; the rest are answered
    expect(folder.code).toBe(1);
    const lines = jsonLines(folder.stdout);
    const images = fs.readdirSync(path.join(dataset, '5_sandal')).filter((f) => f.endsWith('.png') && f !== 'truncated.png');
    const said = (l: (typeof lines)[number]) => path.basename(l.file as string);
    expect(lines.filter((l) => l.type === 'prediction' && l.top).map(said)).toEqual(images.sort());
    expect(lines.filter((l) => l.type === 'prediction' && l.error).map(said)).toEqual(['truncated.png']);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', of: images.length });
  });

  it('scan --json reports classes, counts and the broken file', async () => {
    const r = await run(['scan', dataset, '--json']);
    expect(r.code).toBe(0);
    const res = jsonLines(r.stdout).at(-1)!;
    expect((res.classes as { name: string; count: number }[]).map((c) => [c.name, c.count])).toEqual([
      ['1_trouser', 20],
      ['5_sandal', 20],
    ]);
    expect(res.skipped).toEqual([expect.objectContaining({ path: '5_sandal/truncated.png' })]);
  });

  it('models lists the catalog; layers lists a model with its default cut', async () => {
    const m = jsonLines((await run(['models', '--json'])).stdout);
    expect(m.length).toBeGreaterThanOrEqual(8);
    expect(m.map((x) => x.id)).toContain('inception_v3_tfhub');
    // a fresh cache: every entry needs its download, and says how big
    expect(m.find((x) => x.id === 'inception_v3_tfhub')).toMatchObject({ cached: false, downloadMB: 87 });
    const table = await run(['models']);
    expect(table.stdout + table.stderr).toMatch(/inception_v3_tfhub .*download ≈ 87 MB/);
    const l = await run(['layers', model, '--json']);
    const lines = jsonLines(l.stdout);
    expect(lines.find((x) => x.defaultCut)?.name).toBe('flatten_1');
    expect(lines.at(-1)).toMatchObject({ type: 'result', defaultCut: 'flatten_1', layerCount: 162 });
  });

  it.each([
    [['train', '/no/such/folder', '--model', 'x'], 1, /not found/],
    [['train', 'DATASET', '--model', '/no/such/model'], 1, /neither a catalog id/],
    // the options are checked by the settings' rules in shared/trainConfig.ts, with their messages
    [
      ['train', 'DATASET', '--model', 'MODEL', '--lr', 'fast'],
      2,
      /'--lr <rate>' argument 'fast' is invalid\. The learning rate must be a number above 0 and at most 10\./,
    ],
    [
      ['train', 'DATASET', '--model', 'MODEL', '--lr', '11'],
      2,
      /'--lr <rate>' argument '11' is invalid\. The learning rate must be a number above 0 and at most 10\./,
    ],
    [['train', 'DATASET', '--model', 'MODEL', '--epochs', '10001'], 2, /Epochs must be a whole number from 1 to 10000\./],
    [['train', 'DATASET', '--model', 'MODEL', '--val', '1'], 2, /The validation fraction must be a number from 0 up to \(not including\) 1\./],
    [['train', 'DATASET', '--model', 'MODEL', '--backend', 'tensorflow'], 1, /Available here: .*wasm/],
    [['train', 'DATASET', '--model', 'MODEL', '--cut', 'nope'], 1, /no layer named "nope"/],
    // it spun a core for ever after the model loaded (Node's recursive mkdir under /proc), and Ctrl+C could not end it
    [
      ['train', 'DATASET', '--model', 'MODEL', '--out', '/proc/transfer-lab-run'],
      1,
      /Cannot create the folder \/proc\/transfer-lab-run: \/proc takes no new folders/,
    ],
    [['evaluate', '/tmp'], 1, /not a run folder/],
    // it was Node's own "options.port should be >= 0 and < 65536", as an unexpected failure
    [['serve', '--port', '99999'], 2, /'--port <n>' argument '99999' is invalid\. A port is a whole number from 0 to 65535/],
    [['predict', '/tmp', 'x.png'], 1, /neither an exported Transfer Lab model \(no transfer-lab.json\) nor a run folder \(no run.json\)/],
  ])('bad input %j exits %i with one clear line and no stack trace', async (args, code, message) => {
    const real = args.map((a) => (a === 'DATASET' ? dataset : a === 'MODEL' ? model : a));
    if (real.includes('tensorflow') && fs.existsSync(path.resolve('node_modules/@tensorflow/tfjs-node/lib'))) return;
    const r = await run(real);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('error:')),
    ).toHaveLength(1);
  });

  it('train without --model gives an example whose model is a catalog id', async () => {
    const r = await run(['train', dataset]);
    expect(r.code).toBe(2);
    const example = /e\.g\. transfer-lab train photos --model (\S+)/.exec(r.stderr);
    // it said "--model mobilenet_v2", which the same command refuses as no catalog id
    expect(modelCatalog.map((e) => e.id)).toContain(example?.[1]);
  });

  it('sweep runs the grid over one cache and lists the runs side by side; images per class reach the runs', async () => {
    const out = path.join(work, 'sweep');
    const r = await run(['sweep', dataset, '--model', model, '--lr', '0.01,0.1', '--per-class', '3,all', '--epochs', '2', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const runs = lines.filter((l) => l.type === 'run');
    expect(runs.map((l) => l.label)).toEqual(['3/class · lr 0.01', '3/class · lr 0.1', 'all images · lr 0.01', 'all images · lr 0.1']);
    // a run extracts only what earlier ones did not: the same images again, nothing
    expect((runs[1]!.cache as { misses: number }).misses).toBe(0);
    expect((runs[3]!.cache as { misses: number }).misses).toBe(0);
    // and every run of the sweep names the one measured speed of its features, not "0.0 s"
    const speeds = runs.map((l) => (l.extraction as { measurement: { imagesPerSecond: number } | null }).measurement?.imagesPerSecond);
    expect(speeds[0]).toBeGreaterThan(0);
    expect(new Set(speeds).size).toBe(1);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ type: 'result', planned: 4, finished: 4 });
    const run3 = JSON.parse(fs.readFileSync(path.join(runs[0]!.runDir as string, 'run.json'), 'utf8'));
    expect(run3.dataset.counts.train).toBe(6);
    const human = await run(['sweep', dataset, '--model', model, '--batch-size', '4,16', '--epochs', '1', '--out', path.join(work, 'sweep2')]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/2 of 2 runs\nrun +what differed +accuracy/);
    expect(human.stdout).toMatch(/features extracted once by ONNX Runtime \(CPU\): [\d.]+ s for \d+ images, [\d.]+ images\/s/);
    const bad = await run(['sweep', dataset, '--model', model, '--lr', '0.1,fast']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/The learning rate must be a number above 0 and at most 10; "fast" is not\./);
    const tooHigh = await run(['sweep', dataset, '--model', model, '--lr', '0.1,11']);
    expect(tooHigh.code).toBe(2);
    expect(tooHigh.stderr).toMatch(/The learning rate must be a number above 0 and at most 10; "11" is not\./);
  });

  it('a dataset that is not a dataset says what layout is expected', async () => {
    const flat = path.join(work, 'flat');
    fs.mkdirSync(flat);
    fs.copyFileSync(path.join(dataset, '5_sandal', 'truncated.png'), path.join(flat, 'a.png'));
    const r = await run(['train', flat, '--model', model]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/class/i);
  });
});

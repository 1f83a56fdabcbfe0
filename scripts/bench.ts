// `npm run bench`: our engine against the PyTorch peer on the same images and architecture.
// Progress goes to stderr; the table and one closing JSON line go to stdout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { fashionMnistDataset } from '../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../test/fixtures/pretrainedModels';
import { BUSY_CORES, cpuCount, machineInfo, othersCores, sampleCpu, waitForQuiet, type StepLoad } from './bench/machine';
import { oursExtraction, oursMemory, oursSweep, sweepEpochs, sweepPoints, type OursExtraction, type OursMemory, type OursSweep } from './bench/ours';
import { checkPeer, guessPeerModel, peerInstallHint, runPeer, type PeerModel } from './bench/peer';
import { killChildren } from './bench/proc';
import { ratio, renderTable, round, type BenchLine } from './bench/report';
import { peerSweep, type PeerSweep } from './bench/peerSweep';
import { gpuBench, renderGpuTable } from './bench/gpu';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const peerExtractBatches = [4, 8, 16, 32];

const intIn = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

const program = new Command()
  .name('bench')
  .description(
    'Times our engine and the PyTorch peer on the same images and architecture: extraction speed, a six-run lab sweep, and peak memory at 1× and 10× the images.',
  )
  .option('--data <dir>', 'dataset folder, one sub-folder per class (default: Fashion-MNIST, --per-class images per class)')
  .option(
    '--per-class <n>',
    'images per class of the default Fashion-MNIST dataset, and of the memory runs (which use 10× that too)',
    intIn('--per-class', 1, 600),
    40,
  )
  .option('--model <dir>', 'our model folder (default: the pre-trained MobileNetV2 test fixture)')
  .addOption(
    new Option('--peer-model <name>', "the peer's torchvision twin of --model (default: guessed from the folder name)").choices([
      'mobilenet_v2',
      'inception_v3',
    ] as const),
  )
  .option(
    '--peer-tutorial-runs <k>',
    'tutorial-mode peer runs to time (each backbone pass per epoch is slow); fewer than 6 extrapolates by their mean',
    intIn('--peer-tutorial-runs', 0, 6),
    6,
  )
  .option(
    '--second-model <dir>',
    'a second model whose extraction speed is compared too (default: the pre-trained Inception v3 test fixture, when --model is left as it is)',
  )
  .option('--no-second-model', 'compare extraction on the main model only')
  .option('--second-per-class <n>', 'images per class of the Fashion-MNIST images for the second model', intIn('--second-per-class', 1, 600), 20)
  .option('--skip-peer', 'run ours only; ratios are null')
  .option('--skip-memory', 'skip the two peak-memory runs')
  .option('--repeats <n>', "times our extraction is measured (its best counts, as the peer's best batch size does)", intIn('--repeats', 1, 10), 3)
  .option('--max-wait <s>', 'longest wait, before each step, for other processes to go quiet', intIn('--max-wait', 0, 3600), 180)
  .option('--attempts <n>', 'times a step is measured again when other processes used the machine during it', intIn('--attempts', 1, 10), 3)
  .option('--out <file>', 'also write the JSON line to this file')
  .option(
    '--gpu',
    'GPU mode: our WebGPU path against PyTorch on CUDA (MobileNetV2 and Inception v3 extraction on the same images, and fine-tuning); needs a hardware GPU adapter and CUDA PyTorch',
  )
  .option('--gpu-batch <n>', 'GPU mode: our extraction batch', intIn('--gpu-batch', 1, 1024), 32)
  .option(
    '--peer-batches <list>',
    "GPU mode: the peer's batch sizes on CUDA (its best counts)",
    (v: string) => v.split(',').map((x) => intIn('--peer-batches', 1, 4096)(x.trim())),
    [8, 32, 64, 128],
  )
  .option('--fine-tune-layers <n>', 'GPU mode: top layers to fine-tune (0: skip fine-tuning)', intIn('--fine-tune-layers', 0, 50), 4)
  .option('--fine-tune-epochs <n>', 'GPU mode: epochs of fine-tuning; the last one is timed', intIn('--fine-tune-epochs', 1, 100), 2)
  .option('--peer-script <file>', 'the PyTorch peer script (default: ../shared/bench/peer_pytorch.py beside the repository)');
program.parse();
const opts = program.opts();
const peerScript = path.resolve(opts.peerScript ?? path.join(repoRoot, '..', 'shared', 'bench', 'peer_pytorch.py'));

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-bench-'));
// anything the engine would put in the per-user cache lands in the scratch folder instead
process.env.TRANSFER_LAB_CACHE = path.join(workDir, 'user-cache');
const cleanUp = () => fs.rmSync(workDir, { recursive: true, force: true });
process.once('SIGINT', () => {
  killChildren();
  cleanUp();
  process.exit(130);
});

const loads: StepLoad[] = [];
const notes: string[] = [];
let stepNo = 0;

/**
 * Runs one measurement when the machine is quiet, and again (up to --attempts) when other
 * processes took more than BUSY_CORES while it ran: a shared figure is not a fair one.
 */
async function step<T>(label: string, work: () => Promise<T>): Promise<T | null> {
  stepNo++;
  let waitedSeconds = 0;
  for (let attempt = 1; ; attempt++) {
    waitedSeconds += await waitForQuiet(label, opts.maxWait, log);
    log(`${stepNo}. ${label}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    const before = sampleCpu();
    const t0 = performance.now();
    let result: T;
    try {
      result = await work();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log(`   FAILED: ${msg}`);
      notes.push(`${label} failed: ${msg.split('\n')[0]}`);
      return null;
    }
    const others = othersCores(before, sampleCpu());
    log(`   done in ${((performance.now() - t0) / 1000).toFixed(1)} s${others === null ? '' : `; other processes used ${others.toFixed(2)} cores meanwhile`}`);
    const disturbed = others !== null && others > BUSY_CORES;
    if (disturbed && attempt < opts.attempts) {
      log('   that is more than a fair measurement allows: measuring again');
      continue;
    }
    const load = { step: label, waitedSeconds, othersCoresDuring: others === null ? null : Math.round(others * 100) / 100, attempts: attempt };
    if (disturbed || attempt > 1 || waitedSeconds > 0) loads.push(load);
    if (disturbed)
      notes.push(`"${label}" shared the machine with other processes (${others.toFixed(2)} cores) in all ${attempt} attempts: its figure may be off`);
    return result;
  }
}

/**
 * Our extraction, measured --repeats times on a fresh cache each: the best counts, as the
 * peer's best batch size does (a 2-core VM's figures wander by ±15 % from run to run).
 */
async function bestExtraction(label: string, data: string, model: string): Promise<OursExtraction | null> {
  const all: OursExtraction[] = [];
  for (let i = 1; i <= opts.repeats; i++) {
    const r = await step(`${label}${opts.repeats > 1 ? `, ${i} of ${opts.repeats}` : ''}`, () => oursExtraction({ dataset: data, model, workDir }));
    if (r) all.push(r);
  }
  if (!all.length) return null;
  if (all.length > 1) notes.push(`${label}: ${all.map((r) => r.imagesPerSecond.toFixed(1)).join(', ')} images/s; the best counts`);
  return all.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
}

async function main(): Promise<void> {
  const data = path.resolve(opts.data ?? (await fashionMnistDataset({ perClass: opts.perClass })));
  const model = path.resolve(opts.model ?? pretrainedModelDir('mobilenet_v2'));
  for (const [flag, dir] of [
    ['--data', data],
    ['--model', model],
  ] as const) {
    if (!fs.existsSync(dir)) throw new InvalidArgumentError(`${flag}: ${dir} does not exist`);
  }
  if (opts.gpu) return gpuMain(data, model);
  const peerModel: PeerModel = opts.peerModel ?? guessPeerModel(model);
  const threads = cpuCount();
  // before any step: the load average later would mostly be this bench's own work
  const machine = machineInfo();
  log(`dataset ${data}; model ${model}; scratch ${workDir}`);

  const peer = opts.skipPeer ? { ok: false as const, reason: 'skipped with --skip-peer' } : checkPeer(peerScript);
  if (!peer.ok) {
    const msg = opts.skipPeer
      ? 'peer skipped (--skip-peer): ours alone, ratios are null'
      : `the PyTorch peer is missing: ${peer.reason}. Install it (as root) with: ${peerInstallHint}. Reporting ours alone, with null ratios.`;
    log(msg);
    notes.push(msg);
  }

  // the sweep goes first so its cold start (backend and model load) is paid inside it
  const sweep: OursSweep | null = await step(`ours: lab sweep, ${sweepPoints.length} runs × ${sweepEpochs} epochs in one process from a cold cache`, () =>
    oursSweep({ dataset: data, model, workDir, onRun: (i, p) => log(`   run ${i + 1}/${sweepPoints.length}: lr ${p.learningRate}, batch ${p.batchSize}`) }),
  );
  const extract = await bestExtraction('ours: feature extraction on a fresh cache (trainRun, 1 epoch)', data, model);

  const peerByBatch: Record<string, number | null> = {};
  let peerSweepResult: PeerSweep | null = null;
  if (peer.ok) {
    for (const b of peerExtractBatches) {
      const r = await step(`peer: extraction, cached mode, 1 epoch, batch ${b}, ${threads} threads`, () =>
        runPeer(peerScript, data, { model: peerModel, mode: 'cached', epochs: 1, batchSize: b, learningRate: 0.001, threads }),
      );
      peerByBatch[b] = r?.imagesPerSecond ?? null;
    }
    peerSweepResult = await peerSweep({ script: peerScript, data, model: peerModel, threads, tutorialRuns: opts.peerTutorialRuns, step });
  }

  // a second architecture: how far ahead extraction is on a heavier network (Inception v3)
  let second: BenchLine['extractSecond'] = null;
  const secondModel =
    opts.secondModel === false
      ? null
      : typeof opts.secondModel === 'string'
        ? path.resolve(opts.secondModel)
        : opts.model
          ? null
          : pretrainedModelDir('inception_v3');
  if (secondModel) {
    const secondData = await fashionMnistDataset({ perClass: opts.secondPerClass });
    const secondPeer = guessPeerModel(secondModel);
    const o2 = await bestExtraction(`ours: feature extraction with ${path.basename(secondModel)} on a fresh cache`, secondData, secondModel);
    const byBatch: Record<string, number | null> = {};
    if (peer.ok) {
      for (const b of peerExtractBatches) {
        const r = await step(`peer: ${secondPeer} extraction, cached mode, 1 epoch, batch ${b}, ${threads} threads`, () =>
          runPeer(peerScript, secondData, { model: secondPeer, mode: 'cached', epochs: 1, batchSize: b, learningRate: 0.001, threads }),
        );
        byBatch[b] = r?.imagesPerSecond ?? null;
      }
    }
    const best2 = Object.entries(byBatch).reduce<[string, number] | null>((acc, [b, v]) => (v !== null && (acc === null || v > acc[1]) ? [b, v] : acc), null);
    const ours2 = round(o2?.imagesPerSecond ?? null, 1);
    second = {
      model: o2?.modelName ?? path.basename(secondModel),
      peerModel: peer.ok ? secondPeer : null,
      images: o2?.datasetImages ?? countImages(secondData),
      ours: ours2,
      peer: best2 ? best2[1] : null,
      peerBatch: best2 ? Number(best2[0]) : null,
      ratio: ratio(ours2, best2 ? best2[1] : null),
      peerByBatch: peer.ok ? byBatch : null,
    };
    if (o2)
      notes.push(
        `ours extraction, ${second.model}: ${o2.images} images in ${o2.extractSeconds.toFixed(1)} s including worker start and parity check (${(o2.images / o2.extractSeconds).toFixed(1)} images/s)`,
      );
  }

  let mem1: OursMemory | null = null;
  let mem10: OursMemory | null = null;
  if (!opts.skipMemory) {
    const n = opts.perClass;
    const [d1, d10] = [await fashionMnistDataset({ perClass: n }), await fashionMnistDataset({ perClass: 10 * n })];
    mem1 = await step(`ours: peak memory, full train run of ${10 * n} images in a fresh CLI process`, () =>
      oursMemory({ repoRoot, dataset: d1, model, workDir, label: '1x' }),
    );
    mem10 = await step(`ours: peak memory, full train run of ${100 * n} distinct images in a fresh CLI process`, () =>
      oursMemory({ repoRoot, dataset: d10, model, workDir, label: '10x' }),
    );
  }

  const best = Object.entries(peerByBatch).reduce<[string, number] | null>((acc, [b, v]) => (v !== null && (acc === null || v > acc[1]) ? [b, v] : acc), null);
  const oursX = round(extract?.imagesPerSecond ?? null, 1);
  const oursS = round(sweep?.seconds ?? null, 1);
  const line: BenchLine = {
    type: 'bench',
    model: extract?.modelName ?? path.basename(model),
    peerModel: peer.ok ? peerModel : null,
    dataset: data,
    images: extract?.datasetImages ?? countImages(data),
    extract: {
      ours: oursX,
      peer: best ? best[1] : null,
      peerBatch: best ? Number(best[0]) : null,
      ratio: ratio(oursX, best ? best[1] : null),
      peerByBatch: peer.ok ? peerByBatch : null,
    },
    extractSecond: second,
    sweep: {
      runs: sweepPoints.length,
      epochs: sweepEpochs,
      ours: oursS,
      peerCached: round(peerSweepResult?.cachedSeconds ?? null, 1),
      peerTutorial: round(peerSweepResult?.tutorialSeconds ?? null, 1),
      ratioCached: ratio(peerSweepResult?.cachedSeconds ?? null, oursS),
      ratioTutorial: ratio(peerSweepResult?.tutorialSeconds ?? null, oursS),
      peerTutorialExtrapolatedFrom: peerSweepResult?.tutorialExtrapolatedFrom ?? null,
    },
    memory: {
      rss1x: mem1?.peakRssMiB ?? null,
      rss10x: mem10?.peakRssMiB ?? null,
      ratio: ratio(mem10?.peakRssMiB ?? null, mem1?.peakRssMiB ?? null),
      images1x: mem1?.images ?? null,
      images10x: mem10?.images ?? null,
    },
    machine: {
      ...machine,
      backend: extract?.backend ?? null,
      extractor: extract
        ? `${extract.runtime === 'onnx' ? `ONNX Runtime, ${extract.threads} threads` : `TF.js ${extract.runtime}, ${extract.workers} workers`}, batch ${extract.batchSize}`
        : null,
      torch: peer.ok ? peer.torch : null,
      busy: loads,
    },
    notes: [...notes, ...(peerSweepResult?.notes ?? [])],
  };
  const standIn = mem1?.viaStandIn ?? mem10?.viaStandIn;
  if (standIn)
    line.notes.push(
      `memory measured by scripts/bench/trainChild.ts (trainRun with the CLI's defaults, a fresh process each) because transfer-lab train could not start: ${standIn}`,
    );
  if (sweep)
    line.notes.push(
      `ours per sweep run, s: ${sweep.runs.map((r) => `lr ${r.learningRate}/batch ${r.batchSize} ${r.seconds.toFixed(1)}${r.extracted ? ` (extracted ${r.extracted})` : ''}`).join('; ')}`,
    );
  if (extract)
    line.notes.push(
      `ours extraction: ${extract.images} images in ${extract.extractSeconds.toFixed(1)} s including worker start and parity check (${(extract.images / extract.extractSeconds).toFixed(1)} images/s); the figure above counts the extraction itself, as the peer's does`,
    );

  process.stdout.write(`${renderTable(line)}\n\n${JSON.stringify(line)}\n`);
  if (opts.out) {
    fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    fs.writeFileSync(opts.out, `${JSON.stringify(line)}\n`);
  }
}

/** GPU mode: both architectures on the same images, ours on WebGPU and the peer on CUDA (scripts/bench/gpu.ts). */
async function gpuMain(data: string, model: string): Promise<void> {
  const second =
    opts.secondModel === false
      ? null
      : typeof opts.secondModel === 'string'
        ? path.resolve(opts.secondModel)
        : opts.model
          ? null
          : pretrainedModelDir('inception_v3');
  const models = [model, ...(second ? [second] : [])].map((dir) => ({
    dir,
    peer: dir === model && opts.peerModel ? opts.peerModel : guessPeerModel(dir),
    dataset: data,
  }));
  log(`GPU mode: ${models.map((m) => path.basename(m.dir)).join(' and ')} on ${data}; scratch ${workDir}`);
  const line = await gpuBench({
    dataset: data,
    models,
    workDir,
    peerScript,
    skipPeer: Boolean(opts.skipPeer),
    repeats: opts.repeats,
    extractBatch: opts.gpuBatch,
    peerBatches: opts.peerBatches,
    fineTuneLayers: opts.fineTuneLayers,
    fineTuneEpochs: opts.fineTuneEpochs,
    step,
    log,
  });
  line.notes.push(...notes);
  process.stdout.write(`${renderGpuTable(line)}\n\n${JSON.stringify(line)}\n`);
  if (opts.out) {
    fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    fs.writeFileSync(opts.out, `${JSON.stringify(line)}\n`);
  }
}

function countImages(dir: string): number {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .reduce((n, d) => n + fs.readdirSync(path.join(dir, d.name)).filter((f) => !f.startsWith('.')).length, 0);
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  cleanUp();
}

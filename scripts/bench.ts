// `npm run bench`: our engine against the PyTorch peer on the same images and architecture.
// Progress goes to stderr; the table and one closing JSON line go to stdout.
// The options are in bench/cli.ts, the measured steps in bench/steps.ts, CPU mode in
// bench/cpuBench.ts and GPU mode in bench/gpu.ts; this file starts one and prints its line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@commander-js/extra-typings';
import { fashionMnistDataset } from '../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../test/fixtures/pretrainedModels';
import { gpuPerClass, parseBenchOptions, secondModelOf } from './bench/cli';
import { cpuBench } from './bench/cpuBench';
import { gpuBench } from './bench/gpu';
import { renderGpuTable } from './bench/gpuReport';
import { guessPeerModel } from './bench/peer';
import { killChildren } from './bench/proc';
import { renderTable } from './bench/report';
import { benchSteps } from './bench/steps';
import { makeDirsSync } from '../electron/engine/util/makeDirs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opts = parseBenchOptions();
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

const steps = benchSteps({ maxWait: opts.maxWait, attempts: opts.attempts, repeats: opts.repeats, workDir, log });

/** the table for people, then the closing JSON line (also to --out) */
function printLine(table: string, line: object): void {
  process.stdout.write(`${table}\n\n${JSON.stringify(line)}\n`);
  if (opts.out) {
    makeDirsSync(path.dirname(path.resolve(opts.out)));
    fs.writeFileSync(opts.out, `${JSON.stringify(line)}\n`);
  }
}

async function main(): Promise<void> {
  const perClass = opts.gpu ? gpuPerClass(opts).extract : opts.perClass;
  const data = path.resolve(opts.data ?? (await fashionMnistDataset({ perClass })));
  const model = path.resolve(opts.model ?? pretrainedModelDir('mobilenet_v2'));
  for (const [flag, dir] of [
    ['--data', data],
    ['--model', model],
  ] as const) {
    if (!fs.existsSync(dir)) throw new InvalidArgumentError(`${flag}: ${dir} does not exist`);
  }
  if (opts.gpu) return gpuMain(data, model);
  const line = await cpuBench({ opts, data, model, workDir, repoRoot, peerScript, steps, log });
  printLine(renderTable(line), line);
}

/** GPU mode: both architectures on the same images, ours on WebGPU and the peer on CUDA (scripts/bench/gpu.ts). */
async function gpuMain(data: string, model: string): Promise<void> {
  const second = secondModelOf(opts);
  const models = [model, ...(second ? [second] : [])].map((dir) => ({
    dir,
    peer: dir === model && opts.peerModel ? opts.peerModel : guessPeerModel(dir),
    dataset: data,
  }));
  const fineTuneData = opts.data ? data : await fashionMnistDataset({ perClass: gpuPerClass(opts).fineTune });
  log(`GPU mode: ${models.map((m) => path.basename(m.dir)).join(' and ')} on ${data}, fine-tuning on ${fineTuneData}; scratch ${workDir}`);
  const line = await gpuBench({
    dataset: data,
    fineTuneDataset: fineTuneData,
    models,
    workDir,
    peerScript,
    skipPeer: Boolean(opts.skipPeer),
    repeats: opts.repeats,
    extractBatches: opts.gpuBatches,
    peerBatches: opts.peerBatches,
    fineTuneLayers: opts.fineTuneLayers,
    fineTuneEpochs: opts.fineTuneEpochs,
    step: steps.step,
    log,
  });
  line.notes.push(...steps.notes);
  printLine(renderGpuTable(line), line);
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  cleanUp();
}

// `npm run bench -- --gpu`: our GPU path (our WGSL kernels through Dawn, and TF.js's WebGPU backend beside them) against the
// PyTorch peer on CUDA, on the same images and architectures, in one run. Runs on a machine
// with an NVIDIA GPU, Vulkan and CUDA PyTorch; never in CI, and needs no package registry.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { probeAdaptersIsolated, type AdapterFacts } from '../../electron/engine/devices/probeDevices';
import { adapterLabel } from '../../electron/engine/extract/chooseDevice';
import { measureGpuExtraction, type ExtractionBench, type GpuExtract } from './gpuExtract';
import { measureGpuFineTune, type GpuFineTune } from './gpuFineTune';
import type { Step } from './peerSweep';
import { peerPython, type PeerModel } from './peer';

/** For tests only: a software adapter (SwiftShader) stands in for a GPU, as in the engine (gpuRunners.ts). */
const softwareStandIn = () => process.env.TRANSFER_LAB_TEST_SOFTWARE_GPU === '1';

export type GpuCheck = { ok: true; adapter: AdapterFacts } | { ok: false; reason: string };

/** A hardware adapter Dawn can reach, or why not (a software one is refused: it measures nothing). */
export async function checkGpuAdapter(): Promise<GpuCheck> {
  const { adapters, noAdapterReason } = await probeAdaptersIsolated();
  const a = adapters[0];
  if (!a) return { ok: false, reason: noAdapterReason ?? 'Dawn found no adapter' };
  if (a.software && !softwareStandIn()) return { ok: false, reason: `the only adapter is software (${adapterLabel(a)}): it is for tests, never for speed` };
  return { ok: true, adapter: a };
}

export type CudaCheck = { ok: true; torch: string; device: string; on: 'cuda' | 'cpu' } | { ok: false; reason: string };

/** Whether the peer can run on CUDA here: Python imports torch and torchvision, and torch sees a CUDA device. */
export function checkCudaPeer(script: string): CudaCheck {
  if (!fs.existsSync(script)) return { ok: false, reason: `the peer script ${script} is missing` };
  const code =
    'import json, torch, torchvision; c = torch.cuda.is_available(); print(json.dumps({"torch": torch.__version__, "cuda": c, "device": torch.cuda.get_device_name(0) if c else None}))';
  const python = peerPython();
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `${python} cannot be run (${r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: `${python} cannot import torch and torchvision` };
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { torch: string; cuda: boolean; device: string | null };
  // for tests only, as the software adapter stands in for a GPU: the peer's CPU stands in for CUDA
  if (!j.cuda && softwareStandIn()) return { ok: true, torch: j.torch, device: 'the CPU, standing in for CUDA (a test)', on: 'cpu' };
  if (!j.cuda) return { ok: false, reason: `PyTorch ${j.torch} here sees no CUDA device` };
  return { ok: true, torch: j.torch, device: j.device ?? 'cuda', on: 'cuda' };
}

export type { GpuExtract, GpuFineTune };

export interface GpuBenchLine {
  type: 'bench-gpu';
  dataset: string;
  extract: GpuExtract | null;
  extractSecond: GpuExtract | null;
  fineTune: GpuFineTune | null;
  machine: { adapter: string; software: boolean; cuda: string | null; torch: string | null; node: string; cpus: number };
  notes: string[];
}

export interface GpuBenchOptions {
  dataset: string;
  models: { dir: string; peer: PeerModel; dataset: string }[];
  workDir: string;
  peerScript: string;
  skipPeer: boolean;
  repeats: number;
  extractBatches: number[];
  /** the images fine-tuning trains on (fewer than extraction's: an epoch on the CPU path is slow), and the smaller set of the steady-state figures */
  fineTuneDataset: string;
  peerBatches: number[];
  fineTuneLayers: number;
  fineTuneEpochs: number;
  step: Step;
  log: (s: string) => void;
}

/** Checks the machine, then measures: extraction per model (ours on WebGPU, the peer on CUDA at each batch), then fine-tuning. */
export async function gpuBench(o: GpuBenchOptions): Promise<GpuBenchLine> {
  const notes: string[] = [];
  const gpu = await checkGpuAdapter();
  if (!gpu.ok)
    throw new Error(
      `bench --gpu needs a hardware GPU adapter, and ${gpu.reason}. Run it on a machine with an NVIDIA GPU and Vulkan (libvulkan1 and the driver's Vulkan ICD); \`transfer-lab devices\` shows what Dawn finds.`,
    );
  if (gpu.adapter.software)
    notes.push(
      `TEST ONLY: the software adapter ${adapterLabel(gpu.adapter)} stood in for a GPU (TRANSFER_LAB_TEST_SOFTWARE_GPU=1): these figures say the script works, nothing about speed`,
    );
  let cuda: CudaCheck | null = null;
  if (!o.skipPeer) {
    cuda = checkCudaPeer(o.peerScript);
    if (!cuda.ok)
      throw new Error(
        `bench --gpu compares with PyTorch on CUDA, and ${cuda.reason}. Run it where PyTorch has CUDA (python3 -c 'import torch; print(torch.cuda.is_available())'), with TRANSFER_LAB_PYTHON naming that Python if it is not /usr/bin/python3, or pass --skip-peer for ours alone.`,
      );
    if (cuda.on === 'cpu') notes.push('TEST ONLY: the peer ran on the CPU, standing in for CUDA (TRANSFER_LAB_TEST_SOFTWARE_GPU=1)');
  } else notes.push('peer skipped (--skip-peer): ours alone, ratios are null');
  o.log(
    `GPU: ${adapterLabel(gpu.adapter)} (${gpu.adapter.vendor}, ${gpu.adapter.software ? 'software' : 'hardware'}); peer: ${cuda?.ok ? `PyTorch ${cuda.torch} on ${cuda.device}` : 'not run'}`,
  );

  const extracts: GpuExtract[] = [];
  const bench: ExtractionBench = {
    step: o.step,
    workDir: o.workDir,
    repeats: o.repeats,
    extractBatches: o.extractBatches,
    peerBatches: o.peerBatches,
    smallDataset: o.fineTuneDataset,
    peerScript: o.peerScript,
    peerOn: cuda?.ok ? cuda.on : null,
    notes,
  };
  for (const m of o.models) extracts.push(await measureGpuExtraction(bench, m));
  const ft = o.models[0];
  const fineTune =
    ft && o.fineTuneLayers > 0
      ? await measureGpuFineTune({
          step: o.step,
          workDir: o.workDir,
          dir: ft.dir,
          dataset: o.fineTuneDataset,
          layers: o.fineTuneLayers,
          epochs: o.fineTuneEpochs,
          extractBatch: o.extractBatches[0],
          notes,
        })
      : null;

  return {
    type: 'bench-gpu',
    dataset: o.dataset,
    extract: extracts[0] ?? null,
    extractSecond: extracts[1] ?? null,
    fineTune,
    machine: {
      adapter: `${adapterLabel(gpu.adapter)} (${gpu.adapter.vendor})`,
      software: gpu.adapter.software,
      cuda: cuda?.ok ? cuda.device : null,
      torch: cuda?.ok ? cuda.torch : null,
      node: process.version,
      cpus: fs.existsSync('/proc/cpuinfo') ? (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 0) : 0,
    },
    notes,
  };
}

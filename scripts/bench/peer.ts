import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { errorLine, lastJsonLine, runProcess, tail } from './proc';

/**
 * The peer's Python: Debian's (python3-torch), or TRANSFER_LAB_PYTHON where PyTorch lives in
 * another one (a GPU machine's CUDA build; the GPU carry's run.sh finds it).
 */
export const peerPython = (): string => process.env.TRANSFER_LAB_PYTHON || '/usr/bin/python3';
export const peerInstallHint = 'apt-get install python3-torch python3-torchvision';
export type PeerModel = 'mobilenet_v2' | 'inception_v3';

export type PeerCheck = { ok: true; torch: string } | { ok: false; reason: string };

/** Whether the peer can run here: the script exists and its Python (peerPython) imports torch and torchvision. */
export function checkPeer(script: string): PeerCheck {
  if (!fs.existsSync(script)) return { ok: false, reason: `the peer script ${script} is missing` };
  const python = peerPython();
  const r = spawnSync(python, ['-c', 'import torch, torchvision; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `${python} cannot be run (${r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: `${python} cannot import torch and torchvision` };
  return { ok: true, torch: r.stdout.trim() };
}

export interface PeerArgs {
  model: PeerModel;
  mode: 'cached' | 'tutorial';
  epochs: number;
  batchSize: number;
  learningRate: number;
  threads: number;
  /** cuda: the backbone and head on an NVIDIA GPU (bench --gpu) */
  device?: 'cpu' | 'cuda';
  /** DataLoader worker processes decoding images (the peer's default, 0, decodes on its main thread) */
  workers?: number;
}

export interface PeerResult {
  imagesPerSecond: number | null;
  extractSeconds: number;
  totalSeconds: number;
  testAccuracy: number;
  peakRssMiB: number;
  images: number;
  peer: string;
  /** what the user waits for: interpreter start and torch import included */
  wallSeconds: number;
}

export async function runPeer(script: string, data: string, a: PeerArgs): Promise<PeerResult> {
  const args = [
    script,
    data,
    '--model',
    a.model,
    '--mode',
    a.mode,
    '--epochs',
    String(a.epochs),
    '--batch-size',
    String(a.batchSize),
    '--lr',
    String(a.learningRate),
    '--threads',
    String(a.threads),
    ...(a.device ? ['--device', a.device] : []),
    ...(a.workers ? ['--workers', String(a.workers)] : []),
  ];
  const python = peerPython();
  const r = await runProcess(python, args);
  const j = lastJsonLine(r.stdout);
  if (r.code !== 0 || !j || typeof j.totalSeconds !== 'number') {
    throw new Error(
      `the peer (${python} ${args.join(' ')}) exited ${r.code} without its result line: ${errorLine(r.stderr || r.stdout)}\n${tail(r.stderr || r.stdout)}`,
    );
  }
  return {
    imagesPerSecond: typeof j.imagesPerSecond === 'number' ? j.imagesPerSecond : null,
    extractSeconds: Number(j.extractSeconds),
    totalSeconds: j.totalSeconds,
    testAccuracy: Number(j.testAccuracy),
    peakRssMiB: Number(j.peakRssMiB),
    images: Number(j.images),
    peer: String(j.peer),
    wallSeconds: r.wallSeconds,
  };
}

/** The torchvision twin of our model, guessed from its folder name; MobileNetV2 unless it says Inception. */
export function guessPeerModel(model: string): PeerModel {
  return /inception/i.test(model) ? 'inception_v3' : 'mobilenet_v2';
}

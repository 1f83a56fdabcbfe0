import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TransferLabError } from '../../../shared/errors';
import { splitSchema, trainConfigSchema } from '../../../shared/schemas';
import type { TrainConfig } from '../../../shared/run';
import type { SplitFractions } from '../../../shared/dataset';
import type { SavedTensor, TrainState } from '../train/trainHead';
import { writeFileAtomic } from '../util/atomicWrite';
import { checkpointBinName, checkpointBinPattern, isInProgressFile, legacyCheckpointBin, runLayout } from './runLayout';

/**
 * A run in progress, on disk in its run folder: what was asked (request.json) and where
 * training got to (checkpoint.json + the checkpoint-<checksum>.bin it names: the weights, the optimizers' state, the
 * best epoch so far). A stopped run, or one whose process was killed, resumes from there;
 * a finished run removes them.
 */
export const requestFileName = runLayout.request;
const checkpointJson = runLayout.checkpoint;
const isCheckpointBin = (name: string) => checkpointBinPattern.test(name);

export interface RunRequest {
  formatVersion: 1;
  id: string;
  createdAt: string;
  dataset: string;
  model: string;
  cut: string | null;
  config: TrainConfig;
  split: SplitFractions;
}

const requestSchema = z.object({
  formatVersion: z.literal(1),
  id: z.string().min(1),
  createdAt: z.string(),
  dataset: z.string().min(1),
  model: z.string().min(1),
  cut: z.string().nullable(),
  config: trainConfigSchema,
  split: splitSchema,
});

const tensorEntry = z.object({ group: z.string(), name: z.string(), shape: z.array(z.number().int().min(0)), offset: z.number().int().min(0), length: z.number().int().min(0) });
const checkpointSchema = z.object({
  formatVersion: z.literal(1),
  epoch: z.number().int().min(1),
  epochs: z.array(z.any()),
  best: z.object({ loss: z.number().nullable(), epoch: z.number().int() }),
  sinceBest: z.number().int(),
  optimizerCount: z.number().int().min(0),
  bytes: z.number().int(),
  sha256: z.string(),
  /** the state's file, named by its checksum */
  file: z.string().regex(checkpointBinPattern).default(legacyCheckpointBin),
  tensors: z.array(tensorEntry),
});

export async function writeRequest(dir: string, request: RunRequest): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, requestFileName), JSON.stringify(request, null, 2));
}

export function readRequest(dir: string): RunRequest {
  const file = path.join(dir, requestFileName);
  if (!fs.existsSync(file)) throw new TransferLabError('RUN_NOT_FOUND', `${dir} holds no run to resume (no ${requestFileName}).`, 'Give the folder of a stopped run.');
  const parsed = requestSchema.safeParse((() => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      return null;
    }
  })());
  if (!parsed.success) throw new TransferLabError('RUN_INVALID', `${file} is damaged.`, 'Start the run again.');
  return parsed.data as RunRequest;
}

/**
 * The state goes to a .bin named by its checksum first, then the .json that names it; the
 * previous .bin goes only after that. A process killed at any moment leaves a .json whose
 * .bin is whole, and a reader never pairs one epoch's .json with another's state.
 */
export async function writeCheckpoint(dir: string, epoch: number, s: TrainState): Promise<void> {
  const entries: z.infer<typeof tensorEntry>[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = (group: string, list: SavedTensor[]) => {
    for (const t of list) {
      entries.push({ group, name: t.name, shape: t.shape, offset, length: t.data.length });
      chunks.push(t.data);
      offset += t.data.length * 4;
    }
  };
  add('weights', s.weights);
  s.optimizers.forEach((o, i) => add(`optimizer${i}`, o));
  if (s.best.weights) add('best', s.best.weights);
  const bin = Buffer.alloc(offset);
  for (const [i, e] of entries.entries()) bin.set(new Uint8Array(chunks[i]!.buffer, chunks[i]!.byteOffset, chunks[i]!.byteLength), e.offset);
  const sha256 = crypto.createHash('sha256').update(bin).digest('hex');
  const file = checkpointBinName(sha256);
  await writeFileAtomic(path.join(dir, file), bin);
  const json = { formatVersion: 1, epoch, epochs: s.epochs, best: { loss: Number.isFinite(s.best.loss) ? s.best.loss : null, epoch: s.best.epoch }, sinceBest: s.sinceBest, optimizerCount: s.optimizers.length, bytes: bin.length, sha256, file, tensors: entries };
  await writeFileAtomic(path.join(dir, checkpointJson), JSON.stringify(json));
  for (const old of await fs.promises.readdir(dir)) if (isCheckpointBin(old) && old !== file) await fs.promises.rm(path.join(dir, old), { force: true });
}

/** the last finished epoch's state, or null where the run never finished an epoch */
export function readCheckpoint(dir: string): (TrainState & { epoch: number }) | null {
  const file = path.join(dir, checkpointJson);
  if (!fs.existsSync(file)) return null;
  const bad = () => new TransferLabError('RUN_INVALID', `The checkpoint in ${dir} is damaged.`, 'Start the run again; the bottleneck cache makes that quick.');
  let meta: z.infer<typeof checkpointSchema> | undefined;
  let bin: Buffer | undefined;
  // a run still writing may replace its state between our two reads: read again then
  for (let attempt = 0; !bin; attempt++) {
    try {
      meta = checkpointSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch {
      throw bad();
    }
    try {
      bin = fs.readFileSync(path.join(dir, meta.file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 2) throw bad();
    }
  }
  const m = meta!;
  if (bin.length !== m.bytes || crypto.createHash('sha256').update(bin).digest('hex') !== m.sha256) throw bad();
  const group = (g: string): SavedTensor[] =>
    m.tensors.filter((e) => e.group === g).map((e) => ({ name: e.name, shape: e.shape, data: new Float32Array(bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + e.length * 4)) }));
  const optimizers = Array.from({ length: m.optimizerCount }, (_, i) => group(`optimizer${i}`));
  const best = group('best');
  return {
    epoch: m.epoch,
    epochs: m.epochs as TrainState['epochs'],
    weights: group('weights'),
    optimizers,
    best: { loss: m.best.loss ?? Number.POSITIVE_INFINITY, epoch: m.best.epoch, weights: best.length ? best : null },
    sinceBest: m.sinceBest,
  };
}

export async function removeCheckpoint(dir: string): Promise<void> {
  // the two .json first: a folder left half-cleaned never names a state it no longer has
  for (const f of [checkpointJson, requestFileName]) await fs.promises.rm(path.join(dir, f), { force: true });
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  for (const f of names) if (isInProgressFile(f)) await fs.promises.rm(path.join(dir, f), { force: true });
}

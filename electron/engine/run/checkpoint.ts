import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TransferLabError } from '../../../shared/errors';
import { trainConfigSchema } from '../../../shared/run';
import { splitSchema } from '../../../shared/dataset';
import { preprocessingSchema } from '../../../shared/preprocessingSchema';
import type { SavedTensor, TrainState } from '../train/trainHead';
import { backendPreferences, type BackendPreference } from '../tf/backend';
import { extractorRuntimes, type ExtractorRuntime } from '../extract/protocol';
import { diskError, inPlace, writeFileAtomic, type DiskPlace } from '../util/atomicWrite';
import { checkpointBinName, checkpointBinPattern, isInProgressFile, legacyCheckpointBin, runLayout } from './runLayout';
import { makeDirs } from '../util/makeDirs';

/**
 * A run in progress, on disk in its run folder: what was asked (request.json) and where
 * training got to (checkpoint.json + the checkpoint-<checksum>.bin it names: the weights, the optimizers' state, the
 * best epoch so far). A stopped run, or one whose process was killed, resumes from there;
 * a finished run removes them.
 */
export const requestFileName = runLayout.request;
const checkpointJson = runLayout.checkpoint;
const isCheckpointBin = (name: string) => checkpointBinPattern.test(name);

/** what a run was asked (`request.json`): a resume reads it back to run the same way */
const requestSchema = z.object({
  formatVersion: z.literal(1),
  id: z.string().min(1),
  createdAt: z.string(),
  dataset: z.string().min(1),
  model: z.string().min(1),
  cut: z.string().nullable(),
  config: trainConfigSchema,
  split: splitSchema,
  /** the model's preprocessing where the run changed it (--input-range): it shapes the features */
  preprocessing: preprocessingSchema.partial().optional(),
  /** where and how it ran (the cache it filled, the extractor it ran): a resume runs the same way unless told otherwise */
  runtime: z
    .object({
      backend: z.enum(backendPreferences as [BackendPreference, ...BackendPreference[]]).optional(),
      extractor: z.enum(extractorRuntimes as [ExtractorRuntime, ...ExtractorRuntime[]]).optional(),
      workers: z.number().int().min(1).optional(),
      extractBatchSize: z.number().int().min(1).optional(),
      /** absolute, so a resume from another folder finds the same cache */
      cacheDir: z.string().optional(),
      modelCacheDir: z.string().optional(),
    })
    .optional(),
});
export type RunRequest = z.infer<typeof requestSchema>;
export type RunRuntime = NonNullable<RunRequest['runtime']>;

/**
 * A run folder's disk is full: the hint names that folder (not the bottleneck cache, which
 * may well be on another disk) and what is safe to remove there.
 */
export function runFolderPlace(dir: string): DiskPlace {
  return { folder: dir, safeToDelete: 'run folders you no longer need can go; this run is kept as far as it got' };
}

/** a write into a run folder, with the run folder's hint if the disk is full */
export async function inRunFolder<T>(dir: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    throw inPlace(diskError(e, dir), runFolderPlace(dir));
  }
}

const tensorEntry = z.object({
  group: z.string(),
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  offset: z.number().int().min(0),
  length: z.number().int().min(0),
});
const checkpointSchema = z.object({
  formatVersion: z.literal(1),
  /** the last finished epoch (0 for a stop inside the first) */
  epoch: z.number().int().min(0),
  epochs: z.array(z.any()),
  best: z.object({ loss: z.number().nullable(), epoch: z.number().int() }),
  sinceBest: z.number().int(),
  optimizerCount: z.number().int().min(0),
  bytes: z.number().int(),
  sha256: z.string(),
  /** the state's file, named by its checksum */
  file: z.string().regex(checkpointBinPattern).default(legacyCheckpointBin),
  tensors: z.array(tensorEntry),
  /** a stop inside an epoch: how far into it training got */
  partial: z.object({ epoch: z.number().int().min(1), batches: z.number().int().min(1), lossSum: z.number(), correct: z.number() }).optional(),
});

export async function writeRequest(dir: string, request: RunRequest): Promise<void> {
  await inRunFolder(dir, async () => {
    await makeDirs(dir);
    await writeFileAtomic(path.join(dir, requestFileName), JSON.stringify(request, null, 2));
  });
}

export function readRequest(dir: string): RunRequest {
  const file = path.join(dir, requestFileName);
  if (!fs.existsSync(file))
    throw new TransferLabError('RUN_NOT_FOUND', `${dir} holds no run to resume (no ${requestFileName}).`, 'Give the folder of a stopped run.');
  const parsed = requestSchema.safeParse(
    (() => {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        return null;
      }
    })(),
  );
  if (!parsed.success) throw new TransferLabError('RUN_INVALID', `${file} is damaged.`, 'Start the run again.');
  return parsed.data;
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
  const place = runFolderPlace(dir);
  await writeFileAtomic(path.join(dir, file), bin, place);
  const json = {
    formatVersion: 1,
    epoch,
    epochs: s.epochs,
    best: { loss: Number.isFinite(s.best.loss) ? s.best.loss : null, epoch: s.best.epoch },
    sinceBest: s.sinceBest,
    optimizerCount: s.optimizers.length,
    bytes: bin.length,
    sha256,
    file,
    tensors: entries,
    ...(s.partial ? { partial: s.partial } : {}),
  };
  await writeFileAtomic(path.join(dir, checkpointJson), JSON.stringify(json), place);
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
    m.tensors
      .filter((e) => e.group === g)
      .map((e) => ({
        name: e.name,
        shape: e.shape,
        data: new Float32Array(bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + e.length * 4)),
      }));
  const optimizers = Array.from({ length: m.optimizerCount }, (_, i) => group(`optimizer${i}`));
  const best = group('best');
  return {
    epoch: m.epoch,
    epochs: m.epochs as TrainState['epochs'],
    weights: group('weights'),
    optimizers,
    best: { loss: m.best.loss ?? Number.POSITIVE_INFINITY, epoch: m.best.epoch, weights: best.length ? best : null },
    sinceBest: m.sinceBest,
    ...(m.partial ? { partial: m.partial } : {}),
  };
}

export async function removeCheckpoint(dir: string): Promise<void> {
  // the two .json first: a folder left half-cleaned never names a state it no longer has
  for (const f of [checkpointJson, requestFileName]) await fs.promises.rm(path.join(dir, f), { force: true });
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  for (const f of names) if (isInProgressFile(f)) await fs.promises.rm(path.join(dir, f), { force: true });
}

import * as tf from '@tensorflow/tfjs-core';
import type { DatasetScan } from '../../../shared/dataset';
import type { TrainConfig } from '../../../shared/run';
import { availableMemoryBytes } from '../extract/memoryBudget';
import { numTensors, rssMiB } from '../memory';
import { ensureConvolutionGradients } from '../tf/backend';
import { startWebgpuBackend } from '../tf/webgpu';
import { fineTuneFootprint, wasmHeapRefusal } from '../train/fineTune';
import { workerEntry } from '../extract/workerEntry';
import { chooseTrainingDevice, trainOnWebgpu, type TrainingDevice } from '../train/gpuTraining';
import { ParallelGradients, shardWorkers } from '../train/parallelGradients';
import { fineTunedNet } from '../train/net';
import { trainHead, type TrainResult } from '../train/trainHead';
import { writeCheckpoint } from './checkpoint';
import { cachedFeatureSource } from './featureSource';
import type { LoadedModel, RunFeatures } from './runPhases';
import { since, type RunContext } from './runRequest';
import { stoppedTraining } from './stopRun';

/** why training ended and which epoch's weights are kept: the cap is a bound, not the plan */
export function trainingEnd(r: { epochs: { epoch: number }[]; bestEpoch: number; stoppedEarly: boolean }, config: TrainConfig, hasVal: boolean): string {
  const watched = hasVal ? 'validation loss' : 'training loss (no validation images)';
  const last = r.epochs.at(-1)?.epoch ?? 0;
  const kept = r.bestEpoch === last ? `keeping epoch ${last}` : `keeping epoch ${r.bestEpoch}'s weights, where it was lowest`;
  if (r.stoppedEarly) return `stopped early after epoch ${last} of ${config.epochs}: the ${watched} had not improved for ${config.patience} epochs; ${kept}`;
  return `trained all ${last} epochs${config.patience > 0 && r.bestEpoch === last ? ' (still improving: more epochs may help)' : ''}; ${kept}`;
}

export interface Trained {
  /** its net is owned by the run's resources */
  result: TrainResult;
  /** where fine-tuning trained; null for a head alone */
  training: TrainingDevice | null;
  /** the backend switched to for convolution gradients, said as a sentence; null when none was */
  gradientsSwitched: string | null;
  /** the threads fine-tuning's batches were shared across at most (1: this one alone) */
  threads: number;
  seconds: number;
}

/** fine-tuning goes to the GPU where the frozen part went (or was sent) there; a head alone is not asked */
async function trainingDevice({ o, emit }: RunContext, loaded: LoadedModel, data: RunFeatures): Promise<TrainingDevice | null> {
  let training: TrainingDevice | null = loaded.fine ? chooseTrainingDevice(o.extractor ?? 'auto', data.features.extractor) : null;
  if (training?.gpu) {
    try {
      const adapter = await startWebgpuBackend();
      emit({ type: 'log', level: 'info', message: `fine-tuning on TF.js's WebGPU backend (${adapter})` });
    } catch (e) {
      training = { gpu: false, why: `WebGPU: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` };
    }
  }
  if (training && !training.gpu) emit({ type: 'log', level: 'info', message: `fine-tuning off the GPU: ${training.why}` });
  return training;
}

/**
 * Trains the new head (and the fine-tuned top layers) on the cached features, checkpointing
 * as it goes. A stop ends the run here with what was kept; the net is the resources' to free.
 */
export async function trainPhase(ctx: RunContext, scan: DatasetScan, loaded: LoadedModel, data: RunFeatures, runDir: string): Promise<Trained> {
  const { o, config, emit, resources, resumeFrom } = ctx;
  const { plan, fine } = loaded;
  emit({
    type: 'phase',
    phase: 'train',
    message: `training a new head${fine ? ` and ${fine.record.layers.length} fine-tuned layers` : ''} on ${data.train.length} images (${data.val.length} for validation)`,
  });
  const t = performance.now();
  let lastCheckpoint = 0;
  // a resumed run's curves start with the epochs it had
  for (const m of resumeFrom?.epochs ?? []) emit({ type: 'epoch', ...m, epochs: config.epochs, rssMiB: rssMiB(), numTensors: numTensors() });
  const training = await trainingDevice(ctx, loaded, data);
  const trainSource = cachedFeatureSource(data.features.cache, data.train, { variants: config.augmentVariants, seed: config.seed });
  // the memory a fine-tuning batch leaves free on wasm, for shard workers; null off wasm
  let spareBytes: number | null = null;
  if (fine && !training?.gpu && tf.getBackend() === 'wasm') {
    const batch = Math.min(config.batchSize, trainSource.size);
    const footprint = fineTuneFootprint(fine.backbone, fine.record.split, plan.cut, fine.record.trainableParams);
    const held = tf.memory().numBytes;
    const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.length ?? held;
    const available = availableMemoryBytes();
    const refusal = wasmHeapRefusal(footprint, batch, { heldBytes: held, heapBytes: heap, availableBytes: available }, fine.record.layers.length);
    if (refusal) throw refusal;
    spareBytes = available - footprint.fixed - batch * footprint.perImage;
  }
  const gradients = fine && !training?.gpu ? await ensureConvolutionGradients() : null;
  if (gradients) resources.onDispose(gradients.restore);
  if (gradients?.switched) emit({ type: 'log', level: 'info', message: gradients.switched });
  // wasm runs its kernels on one core: fine-tuning's batches are shared out to worker threads
  const shards =
    fine && spareBytes !== null && !gradients?.switched
      ? ParallelGradients.start(
          await workerEntry(),
          {
            modelDir: loaded.model.dir,
            split: fine.record.split,
            cut: plan.cut,
            pooling: plan.pooling,
            headInputDim: plan.featureDim,
            classCount: scan.classes.length,
            head: config.head,
            seed: config.seed,
          },
          shardWorkers({
            batchSize: Math.min(config.batchSize, trainSource.size),
            steps: (config.epochs - (resumeFrom?.epochs.length ?? 0)) * Math.ceil(trainSource.size / config.batchSize),
            // each worker holds the network (its weights, read and built: twice) and a wasm runtime; the batch's activations are shared out
            spareBytes,
            workerBytes: 2 * fine.backbone.countParams() * 4 + 128 * 2 ** 20,
          }),
          (why) => emit({ type: 'log', level: 'warn', message: `fine-tuning goes on on one thread: ${why}` }),
        )
      : null;
  if (shards) {
    resources.onDispose(() => shards.dispose());
    emit({ type: 'log', level: 'info', message: `fine-tuning on ${shards.planned} threads: each batch is shared out (wasm runs on one core)` });
  }
  const train = () =>
    trainHead({
      ...(fine
        ? { net: { headInputDim: plan.featureDim, wrap: (head) => fineTunedNet(fine.top, plan.pooling, head, config.fineTuneLearningRateFactor) } }
        : {}),
      classCount: scan.classes.length,
      config,
      train: trainSource,
      val: data.val.length ? cachedFeatureSource(data.features.cache, data.val) : null,
      onEpoch: (m) => emit({ type: 'epoch', ...m, epochs: config.epochs, rssMiB: rssMiB(), numTensors: numTensors() }),
      onBatch: (p) =>
        emit({
          type: 'progress',
          phase: 'train',
          done: (p.epoch - 1) * p.batches + p.batch,
          total: p.epochs * p.batches,
          unit: 'samples',
          perSecond: p.samplesPerSecond,
          etaSeconds: p.etaSeconds,
          detail: `epoch ${p.epoch}/${p.epochs}`,
        }),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(resumeFrom ? { resume: resumeFrom } : {}),
      ...(shards ? { gradients: shards } : {}),
      onCheckpoint: async (epoch, state, stopped) => {
        // a head trains hundreds of epochs a second: write at most once a second, the last, and at a stop
        if (!stopped && epoch < config.epochs && performance.now() - lastCheckpoint < 1000) return;
        lastCheckpoint = performance.now();
        const s = await state();
        if (stopped && epoch === 0 && !s.partial) return;
        await writeCheckpoint(runDir, epoch, s);
      },
    });
  let result: TrainResult;
  try {
    result = training?.gpu ? await trainOnWebgpu(train) : await train();
  } finally {
    // the workers hold a whole network each: they go as soon as training ends
    await shards?.dispose();
  }
  resources.ownNet(result.net);
  const seconds = since(t);
  if (result.cancelled) throw stoppedTraining(runDir);
  emit({ type: 'log', level: 'info', message: trainingEnd(result, config, data.val.length > 0) });
  return { result, training, gradientsSwitched: gradients?.switched ?? null, threads: shards?.mostThreads ?? 1, seconds };
}

import type { TrainConfig } from './run';

/**
 * A sweep: the grid of runs a student queues to see what one knob does — learning rates ×
 * batch sizes × images per class × models. Pure planning; the engine runs the plan.
 */
export interface SweepAxes {
  learningRate?: number[];
  batchSize?: number[];
  /** images per class for training (the test split stays whole); null: all of them */
  perClass?: (number | null)[];
  /** catalog ids, model folders or addresses */
  model?: string[];
  /** top layers fine-tuned with the head (0: the head alone) */
  fineTune?: number[];
}

export interface PlannedRun {
  index: number;
  model: string;
  config: TrainConfig;
  perClass: number | null;
  fineTune: number;
  /** what sets this run apart in its sweep, e.g. "lr 0.01 · batch 32" */
  label: string;
}

export const maxSweepRuns = 64;

export class SweepPlanError extends Error {}

function distinct<T>(values: readonly T[] | undefined, fallback: T): T[] {
  const list = values && values.length ? values : [fallback];
  return [...new Set(list)];
}

const fmt = (x: number) => String(Number(x.toPrecision(6)));

/**
 * The cartesian product of the axes, models outermost (each model's bottleneck cache is
 * filled by its first run and reused by the rest), then images per class, fine-tuning, batch
 * size and learning rate. Every value is checked before anything runs.
 */
export function planSweep(base: { model: string; config: TrainConfig; perClass?: number | null; fineTune?: number }, axes: SweepAxes): PlannedRun[] {
  const models = distinct(axes.model, base.model);
  const perClass = distinct(axes.perClass, base.perClass ?? null);
  const fineTune = distinct(axes.fineTune, base.fineTune ?? 0);
  const batch = distinct(axes.batchSize, base.config.batchSize);
  const lr = distinct(axes.learningRate, base.config.learningRate);
  for (const m of models) if (!m.trim()) throw new SweepPlanError('A model of the sweep is empty.');
  for (const v of lr) if (!(v > 0) || !Number.isFinite(v)) throw new SweepPlanError(`Learning rate ${v} is not a positive number.`);
  for (const v of batch) if (!Number.isInteger(v) || v < 1) throw new SweepPlanError(`Batch size ${v} is not a whole number of at least 1.`);
  for (const v of perClass) if (v !== null && (!Number.isInteger(v) || v < 1)) throw new SweepPlanError(`Images per class ${v} is not a whole number of at least 1.`);
  for (const v of fineTune) if (!Number.isInteger(v) || v < 0) throw new SweepPlanError(`Fine-tuned layers ${v} is not a whole number of at least 0.`);
  const total = models.length * perClass.length * fineTune.length * batch.length * lr.length;
  if (total > maxSweepRuns) throw new SweepPlanError(`The sweep has ${total} runs; at most ${maxSweepRuns} can be queued at once.`);

  const varies = { model: models.length > 1, perClass: perClass.length > 1, fineTune: fineTune.length > 1, batch: batch.length > 1, lr: lr.length > 1 };
  const runs: PlannedRun[] = [];
  for (const model of models)
    for (const k of perClass)
      for (const ft of fineTune)
        for (const b of batch)
          for (const l of lr) {
            const parts = [
              varies.model ? shortModel(model) : null,
              varies.perClass ? (k === null ? 'all images' : `${k}/class`) : null,
              varies.fineTune ? (ft ? `fine-tune ${ft}` : 'head only') : null,
              varies.batch ? `batch ${b}` : null,
              varies.lr ? `lr ${fmt(l)}` : null,
            ].filter((p): p is string => p !== null);
            runs.push({
              index: runs.length,
              model,
              config: { ...base.config, batchSize: b, learningRate: l },
              perClass: k,
              fineTune: ft,
              label: parts.join(' · ') || 'one run',
            });
          }
  return runs;
}

/** the settings a planned run trains with: its grid values written into the config */
export function plannedConfig(p: PlannedRun): TrainConfig {
  return { ...p.config, imagesPerClass: p.perClass, fineTuneLayers: p.fineTune };
}

/** "mobilenet_v2" for a folder or address, the id itself for a catalog id */
export function shortModel(model: string): string {
  const parts = model.replace(/[\\/]+$/, '').split(/[\\/]/);
  const last = parts[parts.length - 1] ?? model;
  return last === 'model.json' && parts.length > 1 ? parts[parts.length - 2]! : last;
}

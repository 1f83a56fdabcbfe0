import { z } from 'zod';
import { firstMessage, numberFromText, trainSettings, type TrainConfig } from './trainConfig';

/**
 * A sweep: the grid of runs a student queues to see what one knob does — learning rates ×
 * batch sizes × images per class × models. Pure planning; the engine runs the plan. Every
 * value of an axis is checked by its setting's rule in shared/trainConfig.ts.
 */
const axis = <T extends z.ZodType>(rule: T, most: number) =>
  z
    .array(rule)
    .max(most, { error: `A sweep takes at most ${most} values of one setting.` })
    .optional();

/** a sweep's axes as they cross a process boundary or sit in a lab file */
export const sweepAxesSchema = z.object({
  learningRate: axis(trainSettings.learningRate, 16),
  batchSize: axis(trainSettings.batchSize, 16),
  /** images per class for training (the test split stays whole); null: all of them */
  perClass: axis(trainSettings.imagesPerClass, 16),
  /** catalog ids, model folders or addresses */
  model: axis(z.string().min(1).max(4096), 8),
  /** top layers fine-tuned with the head (0: the head alone) */
  fineTune: axis(trainSettings.fineTuneLayers, 8),
});
export type SweepAxes = z.infer<typeof sweepAxesSchema>;

/** the axes whose values are numbers a student types as a list */
export type NumberAxis = 'learningRate' | 'batchSize' | 'perClass' | 'fineTune';

/**
 * One axis as typed, "0.001, 0.01 1" or "1, 5, all": the values, or the rule's message naming
 * what was refused. The sweep form and the CLI's options both read lists here. Empty: no values.
 */
export function parseAxisList<N extends NumberAxis>(name: N, text: string): { values: NonNullable<SweepAxes[N]> } | { error: string } {
  const items = text
    .split(/[,;\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  const rule = sweepAxesSchema.shape[name].unwrap().element;
  const values: (number | null)[] = [];
  for (const item of items) {
    const value = name === 'perClass' && /^all$/i.test(item) ? null : numberFromText(item);
    const r = rule.safeParse(value);
    if (!r.success) return { error: `${firstMessage(r.error).replace(/\.$/, '')}; "${item}" is not.` };
    values.push(r.data);
  }
  return { values: values as NonNullable<SweepAxes[N]> };
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

/**
 * What a sweep run trains for where the sweep does not say (the CLI's `sweep`): the same
 * epochs for every run and no early stopping, so the runs differ only in what the sweep varies.
 */
export const sweepDefaults = { epochs: 10, patience: 0 } as const;

export class SweepPlanError extends Error {}

function distinct<T>(values: readonly T[] | undefined, fallback: T): T[] {
  const list = values && values.length ? values : [fallback];
  return [...new Set(list)];
}

const fmt = (x: number) => String(Number(x.toPrecision(6)));

/**
 * The cartesian product of the axes, models outermost (each model's bottleneck cache is
 * filled by its first run and reused by the rest), then images per class, fine-tuning, batch
 * size and learning rate. Every value is checked (by its setting's rule) before anything runs.
 */
export function planSweep(base: { model: string; config: TrainConfig; perClass?: number | null; fineTune?: number }, axes: SweepAxes): PlannedRun[] {
  const models = distinct(axes.model, base.model);
  const perClass = distinct(axes.perClass, base.perClass ?? null);
  const fineTune = distinct(axes.fineTune, base.fineTune ?? 0);
  const batch = distinct(axes.batchSize, base.config.batchSize);
  const lr = distinct(axes.learningRate, base.config.learningRate);
  for (const m of models) if (!m.trim()) throw new SweepPlanError('A model of the sweep is empty.');
  const checked = sweepAxesSchema.safeParse({ learningRate: lr, batchSize: batch, perClass, fineTune });
  if (!checked.success) throw new SweepPlanError(firstMessage(checked.error));
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

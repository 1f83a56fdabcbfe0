import { z } from 'zod';
import { TransferLabError } from './errors';

/**
 * The hyper-parameters of a training run: each one's limits, its default and the message a
 * refused value gets, in one place. The Train form, the sweep form, the CLI's options, the
 * engine's requests and the files that record a run all check through these schemas, so a
 * value is refused (or taken) alike everywhere, with the same words.
 */

/** a number whose every refusal (not a number, a fraction, out of range) says `message` */
function numberSetting(message: string, rule: { int?: true; min?: number; above?: number; max?: number; below?: number }) {
  const e = { error: message };
  let s = z.number(e);
  if (rule.int) s = s.int(e);
  if (rule.min !== undefined) s = s.min(rule.min, e);
  if (rule.above !== undefined) s = s.gt(rule.above, e);
  if (rule.max !== undefined) s = s.max(rule.max, e);
  if (rule.below !== undefined) s = s.lt(rule.below, e);
  return s;
}

/** each setting's rule, without its default: for one value checked on its own (a form field, a sweep list, an option) */
export const trainSettings = {
  epochs: numberSetting('Epochs must be a whole number from 1 to 10000.', { int: true, min: 1, max: 10_000 }),
  batchSize: numberSetting('The batch size must be a whole number from 1 to 65536.', { int: true, min: 1, max: 65_536 }),
  learningRate: numberSetting('The learning rate must be a number above 0 and at most 10.', { above: 0, max: 10 }),
  optimizer: z.enum(['adam', 'sgd'], { error: 'The optimizer must be adam or sgd.' }),
  momentum: numberSetting('The momentum must be a number from 0 up to (not including) 1.', { min: 0, below: 1 }),
  seed: numberSetting('The seed must be a whole number, 0 or more.', { int: true, min: 0 }),
  patience: numberSetting('Patience must be a whole number of epochs, 0 or more (0: never stop early).', { int: true, min: 0 }),
  hiddenUnits: numberSetting('Hidden units must be a whole number from 0 to 65536.', { int: true, min: 0, max: 65_536 }),
  dropout: numberSetting('Dropout must be a number from 0 up to (not including) 1.', { min: 0, below: 1 }),
  fineTuneLayers: numberSetting('Fine-tuned layers must be a whole number from 0 to 1000.', { int: true, min: 0, max: 1000 }),
  fineTuneLearningRateFactor: numberSetting("The fine-tuned layers' learning-rate factor must be a number above 0 and at most 10.", { above: 0, max: 10 }),
  augmentVariants: numberSetting('Augmented copies must be a whole number from 0 to 16.', { int: true, min: 0, max: 16 }),
  imagesPerClass: numberSetting('Images per class must be a whole number, 1 or more (or all of them).', { int: true, min: 1 }).nullable(),
};

const s = trainSettings;

/**
 * What a training run is asked to do. A missing setting takes its default, so a run or project
 * written before a setting existed reads as the default, and adding one needs no migration; a
 * present but wrong one is an error.
 *
 * The defaults are what a new user's first run gets (the CLI's flags and a new project's form).
 * A head on cached features costs milliseconds an epoch, so the run is bounded by early
 * stopping, not by the epoch count: up to 200 epochs, ended 20 epochs after the validation loss
 * last improved, with that best epoch's weights kept. Patience 20, not 10: with 10 images a
 * class the validation split holds 8–15 images and its loss is noisy (at 10 one such run stopped
 * at 26% test accuracy where 20 reached 43%). Adam at 0.01 (not Keras' 0.001) because a single
 * softmax layer on 1,000–2,000 pooled features is a small, well-conditioned problem: at 0.001 it
 * needed 100–170 epochs on 20–40 images a class. Measured against a linear probe in the README
 * ("Defaults"). The fine-tuned layers keep their absolute rate of 1e-4 (0.01 × 0.01); runs
 * recorded before the factor existed fine-tuned nothing, so reading them with 0.01 changes nothing.
 */
export const trainConfigSchema = z.object({
  /** passes over the training images (at most; early stopping may end sooner) */
  epochs: s.epochs.default(200),
  batchSize: s.batchSize.default(32),
  learningRate: s.learningRate.default(0.01),
  optimizer: s.optimizer.default('adam'),
  /** momentum for SGD */
  momentum: s.momentum.default(0.9),
  seed: s.seed.default(42),
  /** stop when validation loss has not improved for this many epochs (0: never) */
  patience: s.patience.default(20),
  head: z
    .object({
      /** units of an optional hidden Dense layer (0: none) */
      hiddenUnits: s.hiddenUnits.default(0),
      /** dropout rate before the output layer (0: none) */
      dropout: s.dropout.default(0.2),
    })
    .prefault({}),
  /**
   * layers with weights just below the bottleneck that train with the head (0: the head
   * alone). The layers under them stay frozen and cached; BatchNorm stays in inference mode.
   */
  fineTuneLayers: s.fineTuneLayers.default(0),
  /** the fine-tuned layers' learning rate, as a fraction of the head's */
  fineTuneLearningRateFactor: s.fineTuneLearningRateFactor.default(0.01),
  /** augmented variants of each training image, extracted once and cached (0: none) */
  augmentVariants: s.augmentVariants.default(0),
  /** train on at most this many images of each class (null: all); validation and test stay whole */
  imagesPerClass: s.imagesPerClass.default(null),
});

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type HeadConfig = TrainConfig['head'];

export const defaultTrainConfig: TrainConfig = trainConfigSchema.parse({});

/** the first message of a refusal: what a form, a list or an option shows */
export function firstMessage(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'Not a valid value.';
}

/** `value` checked against one setting's rule: its message, or null when it is good */
export function settingProblem(rule: z.ZodType, value: unknown): string | null {
  const r = rule.safeParse(value);
  return r.success ? null : firstMessage(r.error);
}

/**
 * A run's settings as given, each missing one at its default: the engine's own check before it
 * trains, for callers that did not come through a parsed request (the CLI, a resumed run, tests).
 */
export function readTrainConfig(given: unknown): TrainConfig {
  const r = trainConfigSchema.safeParse(given ?? {});
  if (!r.success) throw new TransferLabError('BAD_ARGUMENT', firstMessage(r.error), 'Change that setting, or leave it out for its default.');
  return r.data;
}

/** what a student or a command line typed, as a number: blank and words are NaN, which every rule refuses */
export function numberFromText(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

import { z } from 'zod';

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
 */
export const trainConfigSchema = z.object({
  /** passes over the training images (at most; early stopping may end sooner) */
  epochs: s.epochs.default(20),
  batchSize: s.batchSize.default(32),
  learningRate: s.learningRate.default(0.001),
  optimizer: s.optimizer.default('adam'),
  /** momentum for SGD */
  momentum: s.momentum.default(0.9),
  seed: s.seed.default(42),
  /** stop when validation loss has not improved for this many epochs (0: never) */
  patience: s.patience.default(5),
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
  fineTuneLearningRateFactor: s.fineTuneLearningRateFactor.default(0.1),
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

/** what a student or a command line typed, as a number: blank and words are NaN, which every rule refuses */
export function numberFromText(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

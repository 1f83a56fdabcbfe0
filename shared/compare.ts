import { extractionOf, modelSpeed, type ExtractionMeasurement, type RunExtraction } from './extraction';
import type { RunRecord } from './run';

/**
 * Runs side by side: what differed between them (the knobs) and what came out (the
 * outcomes). Pure, so the Experiments view and the lab report say the same thing.
 */
export interface Knob {
  key: string;
  label: string;
  value(r: RunRecord): string;
  /** what a table sorts this knob by, where its printed value would sort wrong ("0.001", "all (20)") */
  sortValue?(r: RunRecord): number;
}

const num = (x: number) => String(Number(x.toPrecision(4)));
/** a knob's value where the knob does not apply to the run (SGD's momentum in an Adam run): a table prints it, a label leaves it out */
const notApplicable = '–';

/** images each class trained on: the asked limit, else the training split's average */
export function imagesPerClassOf(r: RunRecord): number {
  return r.config.imagesPerClass ?? Math.round(r.dataset.counts.train / Math.max(1, r.dataset.classes.length));
}

/**
 * Every setting a run is made with, in the order a label names them: the model and its data
 * first, then what a student varies most. A knob's value is what the tables print; two runs
 * whose values all agree were made with the same settings.
 */
export const knobs: Knob[] = [
  { key: 'model', label: 'model', value: (r) => r.model.name },
  { key: 'dataset', label: 'dataset', value: (r) => r.dataset.root },
  { key: 'split', label: 'validation / test', value: (r) => `${num(r.dataset.split.val)} / ${num(r.dataset.split.test)}` },
  { key: 'cut', label: 'bottleneck', value: (r) => r.model.cut },
  {
    key: 'fineTune',
    label: 'fine-tuned layers',
    value: (r) => String(r.model.fineTune?.layers.length ?? 0),
    sortValue: (r) => r.model.fineTune?.layers.length ?? 0,
  },
  { key: 'learningRate', label: 'learning rate', value: (r) => num(r.config.learningRate), sortValue: (r) => r.config.learningRate },
  { key: 'batchSize', label: 'batch size', value: (r) => String(r.config.batchSize), sortValue: (r) => r.config.batchSize },
  {
    key: 'perClass',
    label: 'images per class',
    value: (r) => (r.config.imagesPerClass === null ? `all (${imagesPerClassOf(r)})` : String(r.config.imagesPerClass)),
    sortValue: imagesPerClassOf,
  },
  { key: 'epochs', label: 'epochs asked', value: (r) => String(r.config.epochs), sortValue: (r) => r.config.epochs },
  { key: 'patience', label: 'early-stopping patience', value: (r) => (r.config.patience > 0 ? String(r.config.patience) : 'off') },
  { key: 'augment', label: 'augmented copies', value: (r) => String(r.config.augmentVariants), sortValue: (r) => r.config.augmentVariants },
  { key: 'optimizer', label: 'optimizer', value: (r) => r.config.optimizer },
  // Adam has no momentum setting: only SGD's is a difference
  { key: 'momentum', label: 'momentum', value: (r) => (r.config.optimizer === 'sgd' ? num(r.config.momentum) : notApplicable) },
  {
    key: 'fineTuneLr',
    label: 'fine-tuning rate',
    value: (r) => (r.model.fineTune?.layers.length ? `${num(r.config.fineTuneLearningRateFactor)}×` : notApplicable),
  },
  { key: 'head', label: 'head', value: (r) => `${r.config.head.hiddenUnits ? `dense ${r.config.head.hiddenUnits} + ` : ''}dropout ${r.config.head.dropout}` },
  { key: 'seed', label: 'seed', value: (r) => String(r.config.seed), sortValue: (r) => r.config.seed },
];

/** the knobs whose values differ among these runs (all of them for a single run) */
export function differingKnobs(runs: readonly RunRecord[]): Knob[] {
  if (runs.length < 2) return knobs.filter((k) => ['model', 'learningRate', 'batchSize', 'perClass'].includes(k.key));
  return knobs.filter((k) => new Set(runs.map((r) => k.value(r))).size > 1);
}

const shortLabel: Record<string, string> = {
  learningRate: 'lr',
  batchSize: 'batch',
  perClass: 'per class',
  fineTune: 'fine-tune',
  augment: 'augment',
  epochs: 'epochs',
  patience: 'patience',
  cut: 'cut',
  split: 'val / test',
  fineTuneLr: 'fine-tune lr',
};

/** a dataset named by its folder: the full path only where two folders share a name */
function datasetName(r: RunRecord, among: readonly RunRecord[]): string {
  const base = (root: string) =>
    root
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() || root;
  const name = base(r.dataset.root);
  return among.some((o) => o.dataset.root !== r.dataset.root && base(o.dataset.root) === name) ? r.dataset.root : name;
}

/** "lr 0.01 · batch 32": every setting that sets a run apart among the runs shown with it */
export function describeRun(r: RunRecord, among: readonly RunRecord[]): string {
  const parts = differingKnobs(among)
    .filter((k) => k.value(r) !== notApplicable)
    .map((k) => `${shortLabel[k.key] ?? k.label} ${k.key === 'dataset' ? datasetName(r, among) : k.value(r)}`);
  return parts.join(' · ') || r.model.name;
}

/**
 * The one label of a run wherever runs are shown together (charts, tables, the report, the
 * run pickers): its number among `numbered` (the project's runs), then every setting that
 * differs among `among`. Runs with the same settings keep apart by their numbers.
 */
export function runLabel(r: RunRecord, among: readonly RunRecord[], numbered: readonly RunRecord[] = among): string {
  const n = numbered.indexOf(r);
  return `${n >= 0 ? n + 1 : '?'}: ${describeRun(r, among)}`;
}

export interface Outcome {
  accuracy: number;
  /** the mean over classes of precision: of the images called X, how many were X */
  macroPrecision: number;
  macroF1: number;
  /** the epochs it ran (early stopping may have cut them short) and the best one */
  epochsRun: number;
  bestEpoch: number;
  trainSeconds: number;
  /** this run's own time in the extract phase (0 when every feature came from the cache) */
  extractSeconds: number;
  /** where the features came from and the measured extraction they were made by */
  extraction: RunExtraction;
  totalSeconds: number;
  peakRssMiB: number;
  /** the engine's memory when the run began (null in runs made before it was kept) */
  rssAtStartMiB: number | null;
  /** frozen-part speed on this machine: this run's, or the extraction its cached features came from */
  imagesPerSecond: number | null;
  trainImages: number;
}

/**
 * A run's peak memory as every table shows it: "830 MiB (800 at its start)". The peak is the
 * engine process's, so beside it stands what the process held before the run: a run after a
 * fine-tuned one starts high, and only the difference is this run's.
 */
export function peakMemoryText(o: Pick<Outcome, 'peakRssMiB' | 'rssAtStartMiB'>): string {
  const { peak, start } = peakMemoryParts(o);
  return start ? `${peak} (${start})` : peak;
}

/** the same in two parts, for a table too narrow for one line: "830 MiB" and "800 at its start" (null in older runs) */
export function peakMemoryParts(o: Pick<Outcome, 'peakRssMiB' | 'rssAtStartMiB'>): { peak: string; start: string | null } {
  return { peak: `${o.peakRssMiB} MiB`, start: o.rssAtStartMiB === null ? null : `${o.rssAtStartMiB} at its start` };
}

export function outcomeOf(r: RunRecord): Outcome {
  return {
    accuracy: r.evaluation.accuracy,
    macroPrecision: r.evaluation.perClass.length ? r.evaluation.perClass.reduce((s, c) => s + c.precision, 0) / r.evaluation.perClass.length : 0,
    macroF1: r.evaluation.macroF1,
    epochsRun: r.epochs.length,
    bestEpoch: r.bestEpoch,
    trainSeconds: r.timings.trainSeconds,
    extractSeconds: r.timings.extractSeconds,
    extraction: extractionOf(r),
    totalSeconds: r.timings.totalSeconds,
    peakRssMiB: r.peakRssMiB,
    rssAtStartMiB: r.rssAtStartMiB ?? null,
    imagesPerSecond: extractionOf(r).measurement?.imagesPerSecond ?? null,
    trainImages: r.dataset.counts.train,
  };
}

/**
 * Accuracy against images per class, one line per model: the lab's "were a few images
 * enough?" Runs that differ in anything but the model and the images per class are not
 * mixed into one line (they would not make a curve): the first run's other knobs decide.
 */
export function perClassCurves(runs: readonly RunRecord[]): { model: string; points: { perClass: number; accuracy: number; runId: string }[] }[] {
  const other = (r: RunRecord) =>
    knobs
      .filter((k) => k.key !== 'perClass' && k.key !== 'model' && k.key !== 'epochs')
      .map((k) => k.value(r))
      .join('|');
  const byModel = new Map<string, RunRecord[]>();
  for (const r of runs) byModel.set(r.model.name, [...(byModel.get(r.model.name) ?? []), r]);
  return [...byModel.entries()].map(([model, list]) => {
    const ref = other(list[0]!);
    const points = list
      .filter((r) => other(r) === ref)
      .map((r) => ({ perClass: imagesPerClassOf(r), accuracy: r.evaluation.accuracy, runId: r.id }))
      .sort((a, b) => a.perClass - b.perClass);
    return { model, points };
  });
}

/** each class's F1 in each run: what got better or worse where */
export function perClassF1(runs: readonly RunRecord[]): { className: string; f1: (number | null)[] }[] {
  const classes = [...new Set(runs.flatMap((r) => r.evaluation.perClass.map((c) => c.className)))];
  return classes.map((className) => ({ className, f1: runs.map((r) => r.evaluation.perClass.find((c) => c.className === className)?.f1 ?? null) }));
}

export interface ModelRow {
  name: string;
  runs: number;
  input: string;
  frozenParams: number | null;
  forwardMflops: number | null;
  /** the frozen part's speed on this machine: the measurement of its largest extraction (see modelSpeed) */
  speed: ExtractionMeasurement | null;
  bestAccuracy: number;
}

/** one row a model: what it costs and what it reached on the student's data */
export function modelRows(runs: readonly RunRecord[]): ModelRow[] {
  const byModel = new Map<string, RunRecord[]>();
  for (const r of runs) byModel.set(r.model.name, [...(byModel.get(r.model.name) ?? []), r]);
  return [...byModel.entries()].map(([name, list]) => {
    const first = list[0]!;
    return {
      name,
      runs: list.length,
      input: `${first.model.preprocessing.width}×${first.model.preprocessing.height}`,
      frozenParams: first.model.frozenParams ?? null,
      forwardMflops: first.model.forwardMflops ?? null,
      speed: modelSpeed(list),
      bestAccuracy: Math.max(...list.map((r) => r.evaluation.accuracy)),
    };
  });
}

export interface CurvePanel {
  id: 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy';
  title: string;
  percent: boolean;
  series: { name: string; points: [number, number][] }[];
}

/**
 * The learning curves a task asks about, one panel per measure (training and validation loss,
 * training and validation accuracy), each run a line: a learning rate that overshoots shows
 * in its loss, not only in its validation accuracy. Panels with no points are left out.
 */
export function learningCurvePanels(runs: readonly RunRecord[], name: (r: RunRecord) => string): CurvePanel[] {
  const measures: [CurvePanel['id'], string, boolean][] = [
    ['loss', 'Training loss', false],
    ['valLoss', 'Validation loss', false],
    ['accuracy', 'Training accuracy', true],
    ['valAccuracy', 'Validation accuracy', true],
  ];
  return measures
    .map(([id, title, percent]) => ({
      id,
      title,
      percent,
      series: runs
        .map((r) => ({
          name: name(r),
          points: r.epochs.flatMap((e) => (e[id] === null || !Number.isFinite(e[id]) ? [] : [[e.epoch, e[id]] as [number, number]])),
        }))
        .filter((s) => s.points.length > 0),
    }))
    .filter((p) => p.series.length > 0);
}

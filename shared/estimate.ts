import { formatMs } from './extraction';
import type { RunRecord, TrainConfig } from './run';

/**
 * How long experiments will take, said before they start, from what this machine measured:
 * a finished run's seconds per image and epoch (training) and the model's measured images per
 * second (extraction, when its cache is not filled yet). Where nothing comparable was measured
 * the estimate says so instead of guessing: a fine-tuning run is not timed by a head-only one.
 */
export interface PlannedWork {
  model: string;
  config: TrainConfig;
}

export interface EstimateContext {
  /** the finished runs to learn from (the project's) */
  history: readonly RunRecord[];
  /** the scanned folder: only its runs have filled the caches these runs will read */
  datasetRoot: string;
  /** training images in the scan, classes, and every image (what an extraction reads) */
  trainImages: number;
  classes: number;
  allImages: number;
  /** images per second the frozen part of a model ran at here, if measured */
  extractSpeed(model: string): number | null;
}

export interface ExperimentsEstimate {
  /** the runs that could be timed, added up; null when none could */
  seconds: number | null;
  /** runs with no comparable measurement, and why */
  unknown: { index: number; reason: string }[];
  /** the longest part: what the figure is mostly made of */
  basis: string | null;
}

const fineTuneOf = (r: RunRecord) => r.model.fineTune?.layers.length ?? r.config.fineTuneLayers;

/** seconds one training image takes in one epoch, in a finished run */
export function secondsPerImageEpoch(r: RunRecord): number | null {
  const seconds = r.epochs.reduce((s, e) => s + e.seconds, 0);
  const work = r.epochs.length * r.dataset.counts.train;
  return work > 0 && seconds > 0 ? seconds / work : null;
}

export function estimateExperiments(plan: readonly PlannedWork[], ctx: EstimateContext): ExperimentsEstimate {
  let seconds = 0;
  let timed = 0;
  let longest = { seconds: 0, basis: null as string | null };
  const unknown: ExperimentsEstimate['unknown'] = [];
  // a model's features are extracted once per cache (head only, or each fine-tuning split)
  const cached = new Set(ctx.history.filter((r) => r.dataset.root === ctx.datasetRoot).map((r) => `${r.model.source}|${fineTuneOf(r)}`));
  plan.forEach((p, index) => {
    const ft = p.config.fineTuneLayers;
    const images = p.config.imagesPerClass === null ? ctx.trainImages : Math.min(ctx.trainImages, p.config.imagesPerClass * ctx.classes);
    const like = [...ctx.history].reverse().find((r) => r.model.source === p.model && fineTuneOf(r) === ft && secondsPerImageEpoch(r) !== null);
    if (!like) {
      unknown.push({
        index,
        reason:
          ft > 0
            ? `fine-tuning ${ft} layers has not been timed on this machine yet: each epoch runs them forward and backward on every image, far slower than the head alone`
            : 'no run of this model has been timed on this machine yet',
      });
      return;
    }
    let s = p.config.epochs * images * secondsPerImageEpoch(like)!;
    let basis = `${p.config.epochs} epochs of ${images} images at ${formatMs(secondsPerImageEpoch(like)! * 1000)} ms an image, as measured`;
    const key = `${p.model}|${ft}`;
    if (!cached.has(key)) {
      const speed = ctx.extractSpeed(p.model);
      if (speed) {
        s += ctx.allImages / speed;
        basis += `, after extracting ${ctx.allImages} images at ${speed.toFixed(0)} a second`;
      }
      cached.add(key);
    }
    seconds += s;
    timed++;
    if (s > longest.seconds) longest = { seconds: s, basis };
  });
  return { seconds: timed ? seconds : null, unknown, basis: longest.basis };
}

import path from 'node:path';
import type { EngineEvent } from '../../../shared/events';
import { evaluateRun } from '../run/evaluateRun';
import { loadClassifier } from './classifier';
import type { BackendPreference } from '../tf/backend';

export interface ParityReport {
  images: number;
  disagreements: { path: string; engine: string; exported: string }[];
  /** largest difference of any class probability between the two */
  maxProbabilityDiff: number;
  exportedAccuracy: number;
  engineAccuracy: number;
}

/**
 * Runs the exported model over the run's test split, from the image files, and compares
 * its predictions with the engine's own (cached features + head). They should agree on
 * every image: the export is the same network, only assembled differently.
 */
export async function checkExportParity(runDir: string, exportDir: string, o: { backend?: BackendPreference; cacheDir?: string; onEvent?: (e: EngineEvent) => void } = {}): Promise<ParityReport> {
  const engine = await evaluateRun(runDir, { ...(o.backend ? { backend: o.backend } : {}), ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
  o.onEvent?.({ type: 'phase', phase: 'parity', message: `checking the exported model on ${engine.testImages.length} test images` });
  const classifier = await loadClassifier(exportDir);
  try {
    const files = engine.testImages.map((i) => path.join(engine.record.dataset.root, i.relPath));
    const { probabilities } = await classifier.classify(files);
    const classes = engine.record.dataset.classes;
    const n = classes.length;
    const disagreements: ParityReport['disagreements'] = [];
    let maxDiff = 0;
    let correct = 0;
    engine.testImages.forEach((img, i) => {
      let best = 0;
      for (let c = 0; c < n; c++) {
        maxDiff = Math.max(maxDiff, Math.abs(probabilities[i * n + c]! - engine.predictions.probabilities[i * n + c]!));
        if (probabilities[i * n + c]! > probabilities[i * n + best]!) best = c;
      }
      if (best === img.label) correct++;
      const mine = engine.predictions.predicted[i]!;
      if (best !== mine) disagreements.push({ path: img.relPath, engine: classes[mine]!, exported: classes[best]! });
      o.onEvent?.({ type: 'progress', phase: 'parity', done: i + 1, total: engine.testImages.length, unit: 'images', perSecond: null, etaSeconds: null });
    });
    return { images: engine.testImages.length, disagreements, maxProbabilityDiff: maxDiff, exportedAccuracy: files.length ? correct / files.length : 0, engineAccuracy: engine.evaluation.accuracy };
  } finally {
    classifier.dispose();
  }
}

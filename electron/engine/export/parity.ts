import path from 'node:path';
import type { EngineEvent } from '../../../shared/events';
import { evaluateRun } from '../run/evaluateRun';
import { loadClassifier, readExportManifest } from './classifier';
import type { ExportFormat, FormatParity, ParityReport } from '../../../shared/contract';
import type { BackendPreference } from '../tf/backend';
import { TransferLabError } from '../../../shared/errors';

/**
 * Runs each exported model (TF.js, ONNX) over the run's test split, from the image files,
 * and compares its predictions with the engine's own (cached features + head). They should
 * agree on every image: the export is the same network, only assembled differently.
 */
export async function checkExportParity(
  runDir: string,
  exportDir: string,
  o: { backend?: BackendPreference; cacheDir?: string; onEvent?: (e: EngineEvent) => void; signal?: AbortSignal } = {},
): Promise<ParityReport> {
  const stopped = () =>
    new TransferLabError(
      'CANCELLED',
      `Stopped during the parity check; the export in ${exportDir} is written but not checked.`,
      'Run the export again to check it.',
    );
  const engine = await evaluateRun(runDir, {
    ...(o.backend ? { backend: o.backend } : {}),
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  }).catch((e: unknown) => {
    throw o.signal?.aborted ? stopped() : e;
  });
  const manifest = readExportManifest(exportDir);
  const present: ExportFormat[] = [...(manifest.layout ? (['tfjs'] as const) : []), ...(manifest.onnx ? (['onnx'] as const) : [])];
  const files = engine.testImages.map((i) => path.join(engine.record.dataset.root, i.relPath));
  const classes = engine.record.dataset.classes;
  const n = classes.length;
  const formats: FormatParity[] = [];
  for (const format of present) {
    if (o.signal?.aborted) throw stopped();
    o.onEvent?.({
      type: 'phase',
      phase: 'parity',
      message: `checking the exported ${format === 'onnx' ? 'ONNX' : 'TF.js'} model on ${engine.testImages.length} test images`,
    });
    const classifier = await loadClassifier(exportDir, format);
    try {
      const { probabilities } = await classifier.classify(files);
      const disagreements: FormatParity['disagreements'] = [];
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
      formats.push({ format, disagreements, maxProbabilityDiff: maxDiff, exportedAccuracy: files.length ? correct / files.length : 0 });
    } finally {
      classifier.dispose();
    }
  }
  return {
    images: engine.testImages.length,
    disagreements: formats.flatMap((f) => f.disagreements.map((d) => ({ ...d, format: f.format }))),
    maxProbabilityDiff: Math.max(0, ...formats.map((f) => f.maxProbabilityDiff)),
    exportedAccuracy: formats[0]?.exportedAccuracy ?? 0,
    engineAccuracy: engine.evaluation.accuracy,
    formats,
  };
}

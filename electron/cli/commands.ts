import { deviceRows } from '../../shared/devices';
import { outcomeOf, peakMemoryText } from '../../shared/compare';
import { extractionOf } from '../../shared/extraction';
import path from 'node:path';
import type { SplitFractions } from '../../shared/dataset';
import type { TrainResultLine } from '../../shared/events';
import type { Evaluation } from '../../shared/run';
import { scanDataset } from '../engine/dataset/scanDataset';
import { checkExportParity } from '../engine/export/parity';
import { classifyScriptName } from '../engine/export/classifyScript';
import { exportRun, type ExportFormat } from '../engine/export/exportModel';
import { listLayers, loadLayersBackbone, defaultCut } from '../engine/models/loadBackbone';
import { resolveModel } from '../engine/models/resolveModel';
import { describeRetry } from '../engine/models/download';
import { evaluateRun } from '../engine/run/evaluateRun';
import { trainRun, type TrainRunOptions } from '../engine/run/trainRun';
import { initBackend, type BackendPreference } from '../engine/tf/backend';
import { pathForCommand, pct, type Output } from './output';

function printEvaluation(out: Output, ev: Evaluation): void {
  out.info(`\ntest accuracy ${pct(ev.accuracy)} on ${ev.testCount} images (macro F1 ${ev.macroF1.toFixed(3)})`);
  const w = Math.max(5, ...ev.classes.map((c) => c.length));
  out.info(`${'class'.padEnd(w)}  precision  recall  f1     support`);
  for (const c of ev.perClass)
    out.info(
      `${c.className.padEnd(w)}  ${c.precision.toFixed(3).padStart(9)}  ${c.recall.toFixed(3).padStart(6)}  ${c.f1.toFixed(3)}  ${String(c.support).padStart(7)}`,
    );
  out.info('\nconfusion matrix (rows: true class, columns: predicted)');
  const cw = Math.max(3, ...ev.confusionMatrix.flat().map((v) => String(v).length));
  ev.confusionMatrix.forEach((row, i) => out.info(`${ev.classes[i]!.padEnd(w)}  ${row.map((v) => String(v).padStart(cw)).join(' ')}`));
  if (ev.misclassified.length) {
    out.info(`\nmisclassified (${ev.misclassified.length}, most confident first):`);
    for (const m of ev.misclassified.slice(0, 10)) out.info(`  ${m.path}: ${m.trueClass} → ${m.predictedClass} (${pct(m.confidence)})`);
  }
}

export async function runScan(out: Output, dataset: string, split: SplitFractions): Promise<void> {
  const scan = await scanDataset(dataset, {
    split,
    onProgress: (done, total) => out.event({ type: 'progress', phase: 'scan', done, total, unit: 'files', perSecond: null, etaSeconds: null }),
  });
  if (out.json) {
    out.result({
      root: scan.root,
      classes: scan.classSummaries,
      images: scan.images.length,
      skipped: scan.skipped,
      hiddenCount: scan.hiddenCount,
      problems: scan.problems,
      split: scan.split,
    });
    return;
  }
  out.info(`${scan.root}: ${scan.images.length} images in ${scan.classes.length} classes (split val ${scan.split.val}, test ${scan.split.test})`);
  const w = Math.max(5, ...scan.classSummaries.map((c) => c.name.length));
  const max = Math.max(1, ...scan.classSummaries.map((c) => c.count));
  out.info(`${'class'.padEnd(w)}  images  train  val  test`);
  for (const c of scan.classSummaries)
    out.info(
      `${c.name.padEnd(w)}  ${String(c.count).padStart(6)}  ${String(c.train).padStart(5)}  ${String(c.val).padStart(3)}  ${String(c.test).padStart(4)}  ${'█'.repeat(Math.max(1, Math.round((c.count / max) * 30)))}`,
    );
  if (scan.hiddenCount) out.info(`(${scan.hiddenCount} hidden or system files ignored)`);
  if (scan.skipped.length) {
    out.info(`\nskipped ${scan.skipped.length} files:`);
    for (const s of scan.skipped) out.info(`  ${s.path}: ${s.reason}`);
  }
  if (scan.problems.length) {
    out.info('\nproblems:');
    for (const p of scan.problems) {
      out.info(`  ${p.severity === 'error' ? '✗' : '!'} ${p.message}`);
      const paths = p.paths ?? [];
      for (const f of paths.slice(0, 5)) out.info(`      ${f}`);
      if (paths.length > 5) out.info(`      … and ${paths.length - 5} more (--json lists them all)`);
    }
  }
}

export async function runLayers(out: Output, spec: string): Promise<void> {
  await initBackend('auto');
  const model = await resolveModel(spec, {
    onDownload: (p) =>
      out.event(
        p.retry
          ? { type: 'log', level: 'warn', message: describeRetry(p.file, p.retry) }
          : { type: 'progress', phase: 'download', done: p.bytesDone, total: p.bytesTotal ?? 0, unit: 'bytes', perSecond: null, etaSeconds: null },
      ),
  });
  if (model.format === 'graph') {
    const msg = `${model.name} is a graph model (TF Hub format): a frozen feature extractor as published, with no layers to cut.`;
    if (out.json) out.result({ format: 'graph', name: model.name, layers: [], message: msg });
    else out.info(msg);
    return;
  }
  const m = await loadLayersBackbone(model.dir);
  try {
    const layers = listLayers(m);
    const cut = model.catalog?.defaultCut ?? defaultCut(m);
    if (out.json) {
      for (const l of layers) process.stdout.write(`${JSON.stringify({ type: 'layer', ...l, defaultCut: l.name === cut })}\n`);
      out.result({
        format: 'layers',
        name: model.name,
        layerCount: layers.length,
        params: m.countParams(),
        defaultCut: cut,
        preprocessing: model.preprocessing,
      });
      return;
    }
    const w = Math.max(...layers.map((l) => l.name.length));
    for (const l of layers)
      out.info(
        `${String(l.index).padStart(4)}  ${l.name.padEnd(w)}  ${l.className.padEnd(22)}  ${JSON.stringify(l.outputShape).padEnd(18)}  ${String(l.params).padStart(9)}${l.name === cut ? '  ◀ default cut (bottleneck)' : ''}`,
      );
    out.info(
      `\n${layers.length} layers, ${m.countParams().toLocaleString('en')} parameters; input ${model.preprocessing.height}×${model.preprocessing.width}, values in [${model.preprocessing.range.join(', ')}]`,
    );
  } finally {
    m.dispose();
  }
}

export async function runTrain(out: Output, opts: Omit<TrainRunOptions, 'onEvent'>): Promise<void> {
  return withCtrlC(async (signal) => {
    const { runDir, record } = await trainRun({ ...opts, onEvent: (e) => out.event(e), signal });
    const line: Omit<TrainResultLine, 'type'> = {
      runDir,
      backend: record.backend.provider,
      extractor: record.extractor,
      ...(record.devices ? { devices: record.devices } : {}),
      extraction: extractionOf(record),
      classes: record.dataset.classes,
      counts: record.dataset.counts,
      skipped: record.skipped,
      testAccuracy: record.evaluation.accuracy,
      confusionMatrix: record.evaluation.confusionMatrix,
      perClass: record.evaluation.perClass,
      misclassified: record.evaluation.misclassified,
      epochs: record.epochs,
      bestEpoch: record.bestEpoch,
      timings: record.timings,
      cache: { hits: record.cache.hits, misses: record.cache.misses },
      peakRssMiB: record.peakRssMiB,
      ...(record.rssAtStartMiB !== undefined ? { rssAtStartMiB: record.rssAtStartMiB } : {}),
    };
    out.result(line as unknown as Record<string, unknown>);
    if (!out.json) {
      printEvaluation(out, record.evaluation);
      const t = record.timings;
      out.info(
        `\ntimings: extract ${t.extractSeconds.toFixed(1)}s, train ${t.trainSeconds.toFixed(1)}s, total ${t.totalSeconds.toFixed(1)}s; cache ${record.cache.hits} hits, ${record.cache.misses} misses; peak memory ${peakMemoryText(outcomeOf(record))}; backend ${record.backend.provider}`,
      );
      // what ran each part, each fact once, as the Evaluate step gives them: why no faster device, on a line under it
      for (const row of deviceRows(record)) {
        out.info(`${row.label.toLowerCase()}: ${row.text}`);
        if (row.why) out.info(`  ${row.why}`);
      }
      if (record.skipped.length) out.info(`skipped ${record.skipped.length} files (listed above and in run.json)`);
      out.info(`run written to ${runDir}\nexport it with: transfer-lab export ${pathForCommand(runDir)} <folder>`);
    }
  });
}

export async function runEvaluate(out: Output, runDir: string, o: { backend: BackendPreference; cacheDir?: string }): Promise<void> {
  const r = await evaluateRun(runDir, { backend: o.backend, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}), onEvent: (e) => out.event(e) });
  if (out.json)
    out.result({
      runDir: path.resolve(runDir),
      testAccuracy: r.evaluation.accuracy,
      confusionMatrix: r.evaluation.confusionMatrix,
      perClass: r.evaluation.perClass,
      misclassified: r.evaluation.misclassified,
      classes: r.evaluation.classes,
      testCount: r.evaluation.testCount,
    });
  else printEvaluation(out, r.evaluation);
}

export async function runExport(
  out: Output,
  runDir: string,
  dest: string,
  o: { backend: BackendPreference; parity: boolean; formats: readonly ExportFormat[] },
): Promise<void> {
  await initBackend(o.backend);
  return withCtrlC((signal) => exportAndCheck(out, runDir, dest, o, signal));
}

/** Ctrl+C stops the work at its next safe point (and a second Ctrl+C ends the process as usual) */
async function withCtrlC<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    return await work(ac.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function exportAndCheck(
  out: Output,
  runDir: string,
  dest: string,
  o: { backend: BackendPreference; parity: boolean; formats: readonly ExportFormat[] },
  signal: AbortSignal,
): Promise<void> {
  const { dir, manifest } = await exportRun(runDir, dest, { formats: o.formats, onEvent: (e) => out.event(e), signal });
  const written = [manifest.layout ? `TF.js (${manifest.layout})` : null, manifest.onnx ? `ONNX (${manifest.onnx.file}, opset ${manifest.onnx.opset})` : null]
    .filter(Boolean)
    .join(' and ');
  out.info(`exported ${manifest.name} to ${dir}: ${written}`);
  if (manifest.onnx)
    out.info(
      `on its own, where Python has OpenCV (a Jetson's does): python3 ${pathForCommand(path.join(dir, classifyScriptName))} <photos or folders>  (--camera 0 --show for a camera)`,
    );
  if (manifest.onnxSkipped) out.info(`ONNX not written: ${manifest.onnxSkipped}`);
  let parity = null;
  if (o.parity) {
    parity = await checkExportParity(runDir, dir, { backend: o.backend, onEvent: (e) => out.event(e), signal });
    for (const f of parity.formats) {
      const label = f.format === 'onnx' ? 'ONNX' : 'TF.js';
      out.info(
        f.disagreements.length === 0
          ? `parity (${label}): the exported model agrees with the engine on all ${parity.images} test images (largest probability difference ${f.maxProbabilityDiff.toExponential(1)})`
          : `parity (${label}): ${f.disagreements.length} of ${parity.images} test images classified differently:\n${f.disagreements.map((d) => `  ${d.path}: engine ${d.engine}, export ${d.exported}`).join('\n')}`,
      );
    }
  }
  out.result({ dir, manifest, parity });
  if (parity && parity.disagreements.length) process.exitCode = 3;
}

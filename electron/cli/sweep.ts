import path from 'node:path';
import { describeRun, outcomeOf } from '../../shared/compare';
import { describeExtraction } from '../../shared/extraction';
import { TransferLabError } from '../../shared/errors';
import type { RunRecord, TrainConfig } from '../../shared/run';
import { planSweep, SweepPlanError, type SweepAxes } from '../../shared/sweep';
import type { SplitFractions } from '../../shared/dataset';
import { trainRun } from '../engine/run/trainRun';
import type { BackendPreference } from '../engine/tf/backend';
import type { Output } from './output';

export interface SweepOptions {
  dataset: string;
  model: string;
  cut?: string;
  config: TrainConfig;
  axes: SweepAxes;
  split: SplitFractions;
  backend: BackendPreference;
  cacheDir?: string;
  outDir: string;
}

/**
 * `transfer-lab sweep`: the grid of runs, one after another over one bottleneck cache (the
 * first run of each model extracts, the rest read), then the runs side by side. Ctrl+C stops
 * the run in progress and the ones after it; the finished ones stay.
 */
export async function runSweep(out: Output, o: SweepOptions): Promise<void> {
  let plan;
  try {
    plan = planSweep({ model: o.model, config: o.config, perClass: o.config.imagesPerClass, fineTune: o.config.fineTuneLayers }, o.axes);
  } catch (e) {
    if (e instanceof SweepPlanError) throw new TransferLabError('BAD_ARGUMENT', e.message, 'Give fewer values, or fix the one named.');
    throw e;
  }
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  const done: { index: number; label: string; runDir: string; record: RunRecord }[] = [];
  try {
    for (const p of plan) {
      if (ac.signal.aborted) break;
      out.info(`» run ${p.index + 1}/${plan.length}: ${p.label}`);
      try {
        const { runDir, record } = await trainRun({
          dataset: o.dataset,
          model: p.model,
          ...(o.cut && p.model === o.model ? { cut: o.cut } : {}),
          config: { ...p.config, imagesPerClass: p.perClass, fineTuneLayers: p.fineTune },
          split: o.split,
          backend: o.backend,
          ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
          outDir: path.join(o.outDir, `${String(p.index + 1).padStart(2, '0')}-${p.label.replace(/[^\w.-]+/g, '_')}`),
          signal: ac.signal,
          // one line a run here, not one an epoch; --json streams every event
          onEvent: (e) => (out.json || e.type === 'phase' ? out.event(e) : undefined),
        });
        done.push({ index: p.index, label: p.label, runDir, record });
        const x = outcomeOf(record);
        if (out.json)
          process.stdout.write(
            `${JSON.stringify({ type: 'run', index: p.index, label: p.label, runDir, testAccuracy: x.accuracy, macroF1: x.macroF1, trainSeconds: x.trainSeconds, extractSeconds: x.extractSeconds, extraction: x.extraction, epochs: x.epochsRun, cache: { hits: record.cache.hits, misses: record.cache.misses } })}\n`,
          );
        else
          out.info(
            `  test accuracy ${(x.accuracy * 100).toFixed(1)}%, macro F1 ${x.macroF1.toFixed(3)}, train ${x.trainSeconds.toFixed(1)}s, features ${describeExtraction(x.extraction)}`,
          );
      } catch (e) {
        if (e instanceof TransferLabError && e.code === 'CANCELLED') break;
        throw e;
      }
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const records = done.map((d) => d.record);
  const rows = done.map((d) => ({ index: d.index, label: describeRun(d.record, records), runDir: d.runDir, ...outcomeOf(d.record) }));
  out.result({ runs: rows, planned: plan.length, finished: done.length });
  if (!out.json) {
    out.info(`\n${done.length} of ${plan.length} runs`);
    const w = Math.max('what differed'.length, ...rows.map((r) => r.label.length));
    out.info(`${'run'.padEnd(4)}${'what differed'.padEnd(w + 2)}accuracy  macro F1  train s  extract s`);
    for (const r of rows)
      out.info(
        `${String(r.index + 1).padEnd(4)}${r.label.padEnd(w + 2)}${`${(r.accuracy * 100).toFixed(1)}%`.padStart(8)}  ${r.macroF1.toFixed(3).padStart(8)}  ${r.trainSeconds.toFixed(1).padStart(7)}  ${r.extractSeconds.toFixed(1).padStart(9)}`,
      );
  }
  if (ac.signal.aborted)
    throw new TransferLabError('CANCELLED', `The sweep was stopped after ${done.length} of ${plan.length} runs.`, `The finished runs are in ${o.outDir}.`);
}

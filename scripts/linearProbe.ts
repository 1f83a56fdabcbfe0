// `node bin/run-ts.cjs scripts/linearProbe.ts <run folder>...`: the linear-probe reference for
// runs that `transfer-lab train` wrote. For each run, softmax regression on the same cached
// training features, trained to convergence with an L2 strength chosen by 5-fold
// cross-validation on the training images, is tested on the run's own test images; the run's
// accuracy, epochs and training time are printed beside it. Nothing is extracted again.
import { Command } from '@commander-js/extra-typings';
import { probeRun } from '../electron/engine/run/probeRun';
import { readRun } from '../electron/engine/run/runFolder';
import { initBackend } from '../electron/engine/tf/backend';

const program = new Command()
  .name('linear-probe')
  .description("a linear probe on each run's cached features, tested on the run's test images, beside the run's own figures")
  .argument('<runs...>', 'run folders written by `transfer-lab train`')
  .option('--json', 'one JSON object per run on stdout');
program.parse();
const opts = program.opts();

await initBackend('auto');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
for (const dir of program.args) {
  const run = readRun(dir);
  const t = performance.now();
  const probe = await probeRun(run);
  const seconds = (performance.now() - t) / 1000;
  const row = {
    run: dir,
    model: run.model.name,
    images: run.dataset.counts,
    config: {
      epochs: run.config.epochs,
      learningRate: run.config.learningRate,
      patience: run.config.patience,
      dropout: run.config.head.dropout,
      batchSize: run.config.batchSize,
    },
    runAccuracy: run.evaluation.accuracy,
    epochsRun: run.epochs.length,
    bestEpoch: run.bestEpoch,
    stoppedEarly: run.stoppedEarly,
    trainSeconds: run.timings.trainSeconds,
    probeAccuracy: probe.testAccuracy,
    probeL2: probe.fit.l2,
    probeCv: probe.fit.cvAccuracy,
    probeFinalLoss: probe.fit.finalLoss,
    probeSteps: probe.fit.stepsRun,
    probeLastChange: probe.fit.lastChange,
    probeSeconds: seconds,
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(row)}\n`);
    continue;
  }
  process.stdout.write(
    `${dir}\n` +
      `  ${run.model.name}: ${run.dataset.counts.train} training, ${run.dataset.counts.val} validation, ${run.dataset.counts.test} test images\n` +
      `  run:   ${pct(row.runAccuracy)} test accuracy; ${row.epochsRun} of ${row.config.epochs} epochs (best ${row.bestEpoch}${row.stoppedEarly ? ', stopped early' : ''}), lr ${row.config.learningRate}, patience ${row.config.patience}; trained in ${row.trainSeconds.toFixed(1)} s\n` +
      `  probe: ${pct(row.probeAccuracy)} test accuracy; L2 ${row.probeL2} (5-fold CV: ${row.probeCv.map((c) => `${c.l2}→${pct(c.accuracy)}`).join(', ')}); final loss ${row.probeFinalLoss.toFixed(4)} after ${row.probeSteps} steps (change over the last 50: ${(-row.probeLastChange).toExponential(1)}); ${seconds.toFixed(1)} s\n`,
  );
}

// A stand-in for `transfer-lab train --json` that the bench uses only when the CLI itself
// cannot start: the same trainRun with the CLI's defaults, in a process of its own, so its
// peak RSS is still one full run's and nothing else's.
import { trainRun } from '../../electron/engine/run/trainRun';

const [dataset, model, outDir] = process.argv.slice(2);
if (!dataset || !model || !outDir) {
  console.error('usage: trainChild.ts <dataset> <model> <out dir>');
  process.exit(2);
}
const { record } = await trainRun({ dataset, model, outDir });
process.stdout.write(`${JSON.stringify({ type: 'result', counts: record.dataset.counts, peakRssMiB: record.peakRssMiB })}\n`);

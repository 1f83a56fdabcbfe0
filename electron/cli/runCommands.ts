import { Option, type Command } from '@commander-js/extra-typings';
import { exportFormats } from '../engine/export/exportModel';
import { backendOption, positiveInt } from './cliOptions';
import { runEvaluate, runExport } from './commands';
import { runPredict } from './predict';
import { withOutput } from './output';

/** The commands on a finished run: evaluate it again, export it. */
export function addRunCommands(program: Command): void {
  program
    .command('evaluate')
    .description("evaluate a run's classifier on its test split again (features from the cache)")
    .argument('<run>', 'run folder')
    .option('--cache-dir <dir>', 'bottleneck cache folder')
    .addOption(backendOption())
    .option('--json', 'one JSON object per line on stdout')
    .action((runDir, o) =>
      withOutput(Boolean(o.json), (out) => runEvaluate(out, runDir, { backend: o.backend, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) })),
    );

  program
    .command('export')
    .description(
      'write the trained classifier (frozen part + head) with labels and preprocessing: a TF.js model and model.onnx (for TensorRT and other runtimes), and check them',
    )
    .argument('<run>', 'run folder')
    .argument('<destination>', 'folder to write')
    .addOption(new Option('--format <format>', 'what to write').choices(['tfjs', 'onnx', 'all'] as const).default('all' as const))
    .addOption(backendOption())
    .option('--no-parity', 'skip the check of the exported model against the engine on the test split')
    .option('--json', 'one JSON object per line on stdout')
    .action((runDir, dest, o) =>
      withOutput(Boolean(o.json), (out) =>
        runExport(out, runDir, dest, { backend: o.backend, parity: o.parity, formats: o.format === 'all' ? exportFormats : [o.format] }),
      ),
    );
}

/** Classify images with what `export` wrote. */
export function addPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('classify image files with an exported model, or with a run as it is (its frozen part and head)')
    .argument('<model>', 'exported model folder, or a run folder')
    .argument('<images...>', 'image files or folders (a folder: every image in it and its sub-folders)')
    .option('--top <k>', 'how many classes to show per image', positiveInt('--top'), 3)
    .addOption(new Option('--format <format>', 'which exported model to run (default: TF.js where there is one, else ONNX)').choices(exportFormats))
    .addOption(backendOption())
    .option('--json', 'one JSON object per line on stdout')
    .action((model, images, o) =>
      withOutput(Boolean(o.json), (out) => runPredict(out, model, images, { top: o.top, backend: o.backend, ...(o.format ? { format: o.format } : {}) })),
    );
}

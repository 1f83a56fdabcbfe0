import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { TransferLabError } from '../../shared/errors';
import { modelCatalog } from '../../shared/catalog';
import { cachedCatalogIds } from '../engine/models/resolveModel';
import { backendPreferences, type BackendPreference } from '../engine/tf/backend';
import { extractorRuntimes, type ExtractorRuntime } from '../engine/extract/protocol';
import { exportFormats } from '../engine/export/exportModel';
import { createOutput, reportError, type Output } from './output';
import { runEvaluate, runExport, runLayers, runPredict, runScan, runTrain } from './commands';
import { runServe } from './serve';
import { runSweep } from './sweep';
import { defaultSplit, splitSchema } from '../../shared/dataset';
import { defaultTrainConfig } from '../../shared/run';
import { parseAxisList, sweepDefaults, type NumberAxis } from '../../shared/sweep';
import { firstMessage, numberFromText, trainSettings as rule } from '../../shared/trainConfig';
import { appVersion } from '../../shared/version';
import path from 'node:path';
import type { z } from 'zod';

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1.`);
    return n;
  };
}
function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number, 0 or more.`);
    return n;
  };
}
/** an option checked by its setting's rule in shared/: refused with the rule's own message */
function setting<T>(rule: z.ZodType<T>) {
  return (v: string): T => {
    const r = rule.safeParse(numberFromText(v));
    if (!r.success) throw new InvalidArgumentError(firstMessage(r.error));
    return r.data;
  };
}
function valueRange(v: string): [number, number] {
  const parts = v.split(',').map(Number);
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n)) || parts[0]! >= parts[1]!)
    throw new InvalidArgumentError('--input-range takes two numbers, low,high (e.g. -1,1 or 0,1).');
  return [parts[0]!, parts[1]!];
}

async function run(json: boolean, work: (out: Output) => Promise<void>): Promise<void> {
  const out = createOutput(json);
  try {
    await work(out);
    out.close();
  } catch (e) {
    out.close();
    process.exitCode = reportError(e, json);
  }
}

const program = new Command()
  .name('transfer-lab')
  .description('Transfer learning on images: a folder of photos to a trained, evaluated classifier on a pre-trained network.')
  .version(appVersion)
  .showHelpAfterError('(run with --help for usage)')
  // set before the subcommands are added, which copy it: a usage error exits 2, like other tools
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command('scan')
  .description('list the classes, counts, split and problems of a dataset folder (one sub-folder per class)')
  .argument('<dataset>', 'dataset folder')
  .option('--val <fraction>', 'validation fraction', setting(splitSchema.shape.val), defaultSplit.val)
  .option('--test <fraction>', 'test fraction', setting(splitSchema.shape.test), defaultSplit.test)
  .option('--json', 'one JSON object per line on stdout')
  .action((dataset, o) => run(Boolean(o.json), (out) => runScan(out, dataset, { val: o.val, test: o.test })));

program
  .command('models')
  .description('list the catalog of pre-trained ImageNet backbones')
  .option('--json', 'one JSON object per line on stdout')
  .action((o) =>
    run(Boolean(o.json), async (out) => {
      const cached = new Set(await cachedCatalogIds());
      if (out.json) {
        for (const m of modelCatalog) process.stdout.write(`${JSON.stringify({ type: 'model', ...m, cached: cached.has(m.id) })}\n`);
        return;
      }
      out.info(['id'.padEnd(30), 'format', 'input', 'params', 'MMACs', 'top-1', 'features', 'here'].join('  '));
      for (const m of modelCatalog) {
        const here = cached.has(m.id) ? 'cached' : `download ≈ ${m.downloadMB} MB`;
        out.info(
          [
            m.id.padEnd(30),
            m.format.padEnd(6),
            `${m.preprocessing.height}²`.padEnd(5),
            `${m.paramsM.toFixed(2)}M`.padEnd(6),
            String(m.macsM).padEnd(5),
            `${m.imagenetTop1.toFixed(1)}%`.padEnd(5),
            String(m.featureDim).padEnd(8),
            here,
          ].join('  '),
        );
      }
      out.info('\nTrain on one with: transfer-lab train <dataset> --model <id>  (downloaded once, then cached)');
    }),
  );

program
  .command('devices')
  .description('list what computes here: WebGPU adapters (software or hardware, limits, features) and which runtimes load, and why not')
  .option('--json', 'one JSON object on stdout')
  .action((o) =>
    run(Boolean(o.json), async (out) => {
      const { probeDevices } = await import('../engine/devices/probeDevices');
      const report = await probeDevices();
      if (out.json) {
        process.stdout.write(`${JSON.stringify({ type: 'devices', ...report })}\n`);
        return;
      }
      if (!report.adapters.length) out.info(`WebGPU adapters: none — ${report.noAdapterReason ?? 'none found'}`);
      for (const a of report.adapters) {
        out.info(
          `WebGPU adapter: ${a.name || '(unnamed)'} — vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'}, ${a.software ? 'SOFTWARE (never taken by auto)' : 'hardware'}`,
        );
        out.info(
          `  limits: max buffer ${a.limits.maxBufferSize}, max storage binding ${a.limits.maxStorageBufferBindingSize}, workgroup storage ${a.limits.maxComputeWorkgroupStorageSize}, invocations/workgroup ${a.limits.maxComputeInvocationsPerWorkgroup}`,
        );
        out.info(`  shader-f16: ${a.features.includes('shader-f16') ? 'yes' : 'no'}; features: ${a.features.join(', ')}`);
      }
      out.info('runtimes:');
      for (const r of report.runtimes) out.info(`  ${r.name.padEnd(34)} ${r.loads ? 'loads' : 'does not load'}${r.note ? ` — ${r.note}` : ''}`);
    }),
  );

program
  .command('layers')
  .description("list a model's layers with type, output shape and parameters (the cut candidates)")
  .argument('<model>', 'catalog id, model folder or http(s) address')
  .option('--json', 'one JSON object per line on stdout')
  .action((model, o) => run(Boolean(o.json), (out) => runLayers(out, model)));

program
  .command('train')
  .description('extract bottleneck features (cached), train a new head (and fine-tune the top layers), evaluate it and write a run folder')
  .argument('[dataset]', 'dataset folder (one sub-folder per class)')
  .option('--model <model>', 'catalog id, model folder or http(s) address')
  .option('--resume <run folder>', 'go on with a stopped or killed run from its last checkpoint (with what it was asked)')
  .option('--cut <layer>', 'the bottleneck layer (default: the layer that feeds the original classifier)')
  .option('--epochs <n>', 'most epochs: early stopping (--patience) usually ends the run sooner', setting(rule.epochs), defaultTrainConfig.epochs)
  .option('--batch-size <n>', 'training batch size', setting(rule.batchSize), defaultTrainConfig.batchSize)
  .option('--lr <rate>', 'learning rate', setting(rule.learningRate), defaultTrainConfig.learningRate)
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(rule.optimizer.options).default(defaultTrainConfig.optimizer))
  .option('--momentum <m>', 'SGD momentum', setting(rule.momentum), defaultTrainConfig.momentum)
  .option('--hidden <units>', 'units of a hidden dense layer in the head (0: none)', setting(rule.hiddenUnits), defaultTrainConfig.head.hiddenUnits)
  .option('--dropout <rate>', 'dropout before the output layer', setting(rule.dropout), defaultTrainConfig.head.dropout)
  .option('--patience <epochs>', 'early stopping: epochs without a better validation loss (0: off)', setting(rule.patience), defaultTrainConfig.patience)
  .option('--val <fraction>', 'validation fraction', setting(splitSchema.shape.val), defaultSplit.val)
  .option('--test <fraction>', 'test fraction', setting(splitSchema.shape.test), defaultSplit.test)
  .option('--seed <n>', 'random seed', setting(rule.seed), defaultTrainConfig.seed)
  .option(
    '--fine-tune <layers>',
    'also train this many layers with weights below the bottleneck (0: the head alone)',
    setting(rule.fineTuneLayers),
    defaultTrainConfig.fineTuneLayers,
  )
  .option(
    '--fine-tune-lr <factor>',
    "the fine-tuned layers' learning rate, as a fraction of --lr",
    setting(rule.fineTuneLearningRateFactor),
    defaultTrainConfig.fineTuneLearningRateFactor,
  )
  .option(
    '--augment <variants>',
    'augmented variants of each training image, extracted once and cached (0: none)',
    setting(rule.augmentVariants),
    defaultTrainConfig.augmentVariants,
  )
  .option(
    '--per-class <n>',
    'train on at most n images of each class (a stable, nested sample; validation and test stay whole)',
    setting(rule.imagesPerClass.unwrap()),
  )
  .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(backendPreferences as BackendPreference[]).default('auto' as BackendPreference))
  .addOption(
    new Option(
      '--extractor <runtime>',
      "frozen-part runtime: auto (ONNX Runtime, else TF.js), onnx, tfjs (TF.js's fused graph, else the plain model), fused, layers, webgpu (TF.js WebGPU through Dawn, parity-checked, else the CPU path)",
    )
      .choices(extractorRuntimes)
      .default('auto' as ExtractorRuntime),
  )
  .option('--input-range <low,high>', "the model's pixel value range (default: from the model, else -1,1)", valueRange)
  .option('--workers <n>', 'extraction workers (default: by cores and free memory)', positiveInt('--workers'))
  .option('--extract-batch <n>', 'largest extraction batch (default: by free memory)', positiveInt('--extract-batch'))
  .option('--cache-dir <dir>', 'bottleneck cache folder (default: ~/.cache/transfer-lab/bottlenecks)')
  .option('--out <dir>', 'run folder to write (default: ./runs/<time>-<model>)')
  .option('--json', 'one JSON object per line on stdout, ending with {"type":"result",...}')
  .action((dataset, o, cmd) =>
    run(Boolean(o.json), (out) => {
      // a resumed run runs where and how it ran (its cache, its extractor) unless told otherwise here
      const given = (name: 'backend' | 'extractor') => !o.resume || cmd.getOptionValueSource(name) === 'cli';
      if (!o.resume && (!dataset || !o.model))
        throw new TransferLabError(
          'BAD_ARGUMENT',
          'train needs a dataset folder and --model (or --resume <run folder>).',
          'e.g. transfer-lab train photos --model mobilenet_v2',
        );
      return runTrain(out, {
        ...(o.resume ? { resume: o.resume } : { dataset: dataset!, model: o.model! }),
        ...(o.cut ? { cut: o.cut } : {}),
        config: {
          epochs: o.epochs,
          batchSize: o.batchSize,
          learningRate: o.lr,
          optimizer: o.optimizer,
          momentum: o.momentum,
          seed: o.seed,
          patience: o.patience,
          head: { hiddenUnits: o.hidden, dropout: o.dropout },
          fineTuneLayers: o.fineTune,
          fineTuneLearningRateFactor: o.fineTuneLr,
          augmentVariants: o.augment,
          imagesPerClass: o.perClass ?? null,
        },
        split: { val: o.val, test: o.test },
        ...(given('backend') ? { backend: o.backend } : {}),
        ...(given('extractor') ? { extractor: o.extractor } : {}),
        ...(o.inputRange ? { preprocessing: { range: o.inputRange } } : {}),
        ...(o.workers ? { workers: o.workers } : {}),
        ...(o.extractBatch ? { extractBatchSize: o.extractBatch } : {}),
        ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
        ...(o.out ? { outDir: o.out } : {}),
      });
    }),
  );

/** a sweep option's list, "0.001,0.01,1", read as the sweep form reads it: each value by its setting's rule */
const list =
  <N extends NumberAxis>(name: N) =>
  (v: string) => {
    const r = parseAxisList(name, v);
    if ('error' in r) throw new InvalidArgumentError(r.error);
    return r.values;
  };

program
  .command('sweep')
  .description(
    'train a grid of runs over one cached extraction and put them side by side: learning rates × batch sizes × images per class × fine-tuning × models',
  )
  .argument('<dataset>', 'dataset folder (one sub-folder per class)')
  .requiredOption('--model <models>', 'catalog id, model folder or address; several separated by commas', (v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .option('--cut <layer>', 'the bottleneck layer (of the first model)')
  .option('--lr <rates>', 'learning rates, e.g. 0.001,0.01,1', list('learningRate'))
  .option('--batch-size <sizes>', 'batch sizes, e.g. 4,32', list('batchSize'))
  .option('--per-class <counts>', 'images per class, e.g. 1,2,5,10,all', list('perClass'))
  .option('--fine-tune <layers>', 'fine-tuned layers, e.g. 0,4', list('fineTune'))
  .option('--epochs <n>', 'epochs of each run', setting(rule.epochs), sweepDefaults.epochs)
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(rule.optimizer.options).default(defaultTrainConfig.optimizer))
  .option('--patience <epochs>', 'early stopping (0: off)', setting(rule.patience), sweepDefaults.patience)
  .option('--augment <variants>', 'augmented variants of each training image', setting(rule.augmentVariants), defaultTrainConfig.augmentVariants)
  .option('--val <fraction>', 'validation fraction', setting(splitSchema.shape.val), defaultSplit.val)
  .option('--test <fraction>', 'test fraction', setting(splitSchema.shape.test), defaultSplit.test)
  .option('--seed <n>', 'random seed', setting(rule.seed), defaultTrainConfig.seed)
  .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(backendPreferences as BackendPreference[]).default('auto' as BackendPreference))
  .option('--cache-dir <dir>', 'bottleneck cache folder')
  .option('--out <dir>', 'folder for the run folders (default: ./runs/sweep-<time>)')
  .option('--json', 'one JSON object per line on stdout: every event, a {"type":"run"} line a run, then {"type":"result"}')
  .action((dataset, o) =>
    run(Boolean(o.json), (out) =>
      runSweep(out, {
        dataset,
        model: o.model[0]!,
        ...(o.cut ? { cut: o.cut } : {}),
        config: { ...defaultTrainConfig, epochs: o.epochs, optimizer: o.optimizer, patience: o.patience, augmentVariants: o.augment, seed: o.seed },
        axes: {
          ...(o.lr ? { learningRate: o.lr } : {}),
          ...(o.batchSize ? { batchSize: o.batchSize } : {}),
          ...(o.perClass ? { perClass: o.perClass } : {}),
          ...(o.fineTune ? { fineTune: o.fineTune } : {}),
          ...(o.model.length > 1 ? { model: o.model } : {}),
        },
        split: { val: o.val, test: o.test },
        backend: o.backend,
        ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
        outDir: path.resolve(
          o.out ??
            path.join(
              'runs',
              `sweep-${new Date()
                .toISOString()
                .replace(/[-:]/g, '')
                .replace(/\.\d+Z$/, 'Z')}`,
            ),
        ),
      }),
    ),
  );

program
  .command('evaluate')
  .description("evaluate a run's classifier on its test split again (features from the cache)")
  .argument('<run>', 'run folder')
  .option('--cache-dir <dir>', 'bottleneck cache folder')
  .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(backendPreferences as BackendPreference[]).default('auto' as BackendPreference))
  .option('--json', 'one JSON object per line on stdout')
  .action((runDir, o) => run(Boolean(o.json), (out) => runEvaluate(out, runDir, { backend: o.backend, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) })));

program
  .command('export')
  .description(
    'write the trained classifier (frozen part + head) with labels and preprocessing: a TF.js model and model.onnx (for TensorRT and other runtimes), and check them',
  )
  .argument('<run>', 'run folder')
  .argument('<destination>', 'folder to write')
  .addOption(new Option('--format <format>', 'what to write').choices(['tfjs', 'onnx', 'all'] as const).default('all' as const))
  .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(backendPreferences as BackendPreference[]).default('auto' as BackendPreference))
  .option('--no-parity', 'skip the check of the exported model against the engine on the test split')
  .option('--json', 'one JSON object per line on stdout')
  .action((runDir, dest, o) =>
    run(Boolean(o.json), (out) =>
      runExport(out, runDir, dest, { backend: o.backend, parity: o.parity, formats: o.format === 'all' ? exportFormats : [o.format] }),
    ),
  );

program
  .command('serve')
  .description('serve the app to a browser: the wizard over HTTP and WebSocket (for a headless Jetson through an SSH tunnel)')
  .option('--port <n>', 'port (0: any free port)', nonNegativeInt('--port'), 7860)
  .option('--host <address>', 'address to bind; anything but 127.0.0.1/localhost exposes your files to the network', '127.0.0.1')
  .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(backendPreferences as BackendPreference[]).default('auto' as BackendPreference))
  .option('--new-token', 'replace the kept token (~/.config/transfer-lab/web-token): pages with the old one are shut out')
  .option('--allow-host <name...>', 'a name besides localhost and IP addresses that browsers may reach this server by (e.g. jetson.local)')
  .action((o) => run(false, () => runServe({ port: o.port, host: o.host, backend: o.backend, newToken: Boolean(o.newToken), allowHosts: o.allowHost ?? [] })));

program
  .command('predict')
  .description('classify image files with an exported model')
  .argument('<model>', 'exported model folder')
  .argument('<images...>', 'image files')
  .option('--top <k>', 'how many classes to show per image', positiveInt('--top'), 3)
  .addOption(new Option('--format <format>', 'which exported model to run (default: TF.js where there is one, else ONNX)').choices(exportFormats))
  .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(backendPreferences as BackendPreference[]).default('auto' as BackendPreference))
  .option('--json', 'one JSON object per line on stdout')
  .action((model, images, o) =>
    run(Boolean(o.json), (out) => runPredict(out, model, images, { top: o.top, backend: o.backend, ...(o.format ? { format: o.format } : {}) })),
  );

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof TransferLabError)) throw e;
  process.exitCode = reportError(e, process.argv.includes('--json'));
}

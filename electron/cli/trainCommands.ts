import { Option, type Command } from '@commander-js/extra-typings';
import path from 'node:path';
import { exampleModelId } from '../../shared/catalog';
import { defaultSplit, splitSchema } from '../../shared/dataset';
import { TransferLabError } from '../../shared/errors';
import { defaultTrainConfig } from '../../shared/run';
import { sweepDefaults } from '../../shared/sweep';
import { trainSettings as rule } from '../../shared/trainConfig';
import { extractorRuntimes, type ExtractorRuntime } from '../engine/extract/protocol';
import { backendOption, list, positiveInt, setting, valueRange } from './cliOptions';
import { runTrain } from './commands';
import { withOutput } from './output';
import { runSweep } from './sweep';

/** The commands that train: one run, or a grid of runs over one cached extraction. */
export function addTrainCommands(program: Command): void {
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
    .addOption(backendOption())
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
      withOutput(Boolean(o.json), (out) => {
        // a resumed run runs where and how it ran (its cache, its extractor) unless told otherwise here
        const given = (name: 'backend' | 'extractor') => !o.resume || cmd.getOptionValueSource(name) === 'cli';
        if (!o.resume && (!dataset || !o.model))
          throw new TransferLabError(
            'BAD_ARGUMENT',
            'train needs a dataset folder and --model (or --resume <run folder>).',
            // a catalog id that exists: the example once named "mobilenet_v2", which is none
            `e.g. transfer-lab train photos --model ${exampleModelId} (\`transfer-lab models\` lists the others)`,
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
    .addOption(backendOption())
    .option('--cache-dir <dir>', 'bottleneck cache folder')
    .option('--out <dir>', 'folder for the run folders (default: ./runs/sweep-<time>)')
    .option('--json', 'one JSON object per line on stdout: every event, a {"type":"run"} line a run, then {"type":"result"}')
    .action((dataset, o) =>
      withOutput(Boolean(o.json), (out) =>
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
}

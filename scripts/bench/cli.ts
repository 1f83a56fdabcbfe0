import path from 'node:path';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { pretrainedModelDir } from '../../test/fixtures/pretrainedModels';

/** an option's value as an integer in [min, max], or commander's error naming the option */
const intIn = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

/** `npm run bench`'s options, as --help lists them */
const program = new Command()
  .name('bench')
  .description(
    'Times our engine and the PyTorch peer on the same images and architecture: extraction speed, a six-run lab sweep, and peak memory at 1× and 10× the images.',
  )
  .option('--data <dir>', 'dataset folder, one sub-folder per class (default: Fashion-MNIST, --per-class images per class)')
  .option(
    '--per-class <n>',
    'images per class of the default Fashion-MNIST dataset, and of the memory runs (which use 10× that too); GPU mode: of its extraction, default 200, and of its fine-tuning, default 40',
    intIn('--per-class', 1, 600),
    40,
  )
  .option('--model <dir>', 'our model folder (default: the pre-trained MobileNetV2 test fixture)')
  .addOption(
    new Option('--peer-model <name>', "the peer's torchvision twin of --model (default: guessed from the folder name)").choices([
      'mobilenet_v2',
      'inception_v3',
    ] as const),
  )
  .option(
    '--peer-tutorial-runs <k>',
    'tutorial-mode peer runs to time (each backbone pass per epoch is slow); fewer than 6 extrapolates by their mean',
    intIn('--peer-tutorial-runs', 0, 6),
    6,
  )
  .option(
    '--second-model <dir>',
    'a second model whose extraction speed is compared too (default: the pre-trained Inception v3 test fixture, when --model is left as it is)',
  )
  .option('--no-second-model', 'compare extraction on the main model only')
  .option('--second-per-class <n>', 'images per class of the Fashion-MNIST images for the second model', intIn('--second-per-class', 1, 600), 20)
  .option('--skip-peer', 'run ours only; ratios are null')
  .option('--skip-memory', 'skip the two peak-memory runs')
  .option('--repeats <n>', "times our extraction is measured (its best counts, as the peer's best batch size does)", intIn('--repeats', 1, 10), 3)
  .option('--max-wait <s>', 'longest wait, before each step, for other processes to go quiet', intIn('--max-wait', 0, 3600), 180)
  .option('--attempts <n>', 'times a step is measured again when other processes used the machine during it', intIn('--attempts', 1, 10), 3)
  .option('--out <file>', 'also write the JSON line to this file')
  .option(
    '--gpu',
    'GPU mode: our WebGPU path against PyTorch on CUDA (MobileNetV2 and Inception v3 extraction on the same images, and fine-tuning); needs a hardware GPU adapter and CUDA PyTorch',
  )
  .option(
    '--gpu-batches <list>',
    "GPU mode: our extraction batch sizes (our best counts, as the peer's does)",
    (v: string) => v.split(',').map((x) => intIn('--gpu-batches', 1, 1024)(x.trim())),
    [32, 128],
  )
  .option(
    '--peer-batches <list>',
    "GPU mode: the peer's batch sizes on CUDA (its best counts)",
    (v: string) => v.split(',').map((x) => intIn('--peer-batches', 1, 4096)(x.trim())),
    [8, 32, 64, 128],
  )
  .option('--fine-tune-layers <n>', 'GPU mode: top layers to fine-tune (0: skip fine-tuning)', intIn('--fine-tune-layers', 0, 50), 4)
  .option('--fine-tune-epochs <n>', 'GPU mode: epochs of fine-tuning; the last one is timed', intIn('--fine-tune-epochs', 1, 100), 2)
  .option('--peer-script <file>', 'the PyTorch peer script (default: ../shared/bench/peer_pytorch.py beside the repository)');

export type BenchOptions = ReturnType<typeof program.opts>;

/** the command line read (--help and a bad value print and exit here) */
export function parseBenchOptions(): BenchOptions {
  program.parse();
  return program.opts();
}

/**
 * GPU mode's images per class: extraction on 200 (2000 images: a GPU extracts 400 in a few
 * hundredths of a second, so its first batch's warm-up, on either side, would be most of the
 * figure) and fine-tuning on 40 (an epoch on the CPU path costs minutes past that). A
 * `--per-class` given counts for both.
 */
export function gpuPerClass(opts: BenchOptions): { extract: number; fineTune: number } {
  return program.getOptionValueSource('perClass') === 'cli' ? { extract: opts.perClass, fineTune: opts.perClass } : { extract: 200, fineTune: 40 };
}

/** the second model, if any: the one named, or Inception v3 when --model is left as it is; --no-second-model none */
export function secondModelOf(opts: BenchOptions): string | null {
  return opts.secondModel === false
    ? null
    : typeof opts.secondModel === 'string'
      ? path.resolve(opts.secondModel)
      : opts.model
        ? null
        : pretrainedModelDir('inception_v3');
}

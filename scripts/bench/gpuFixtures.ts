// The images and models `npm run bench -- --gpu` uses by default, made here for the GPU carry
// (scripts/gpu-bundle.sh), whose machine has neither Debian's Fashion-MNIST nor a registry.
// Prints the folders, relative to the repository, one a line.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fashionMnistDataset } from '../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../test/fixtures/pretrainedModels';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// extraction (200 a class), fine-tuning (40), and the CPU bench's second model (20)
const dirs = [
  ...(await Promise.all([200, 40, 20].map((perClass) => fashionMnistDataset({ perClass })))),
  pretrainedModelDir('mobilenet_v2'),
  pretrainedModelDir('inception_v3'),
];
for (const d of dirs) process.stdout.write(`${path.relative(repoRoot, d)}\n`);

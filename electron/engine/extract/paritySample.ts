import type { RgbImage } from '../images/decodeImage';
import { decodeForModel } from '../images/modelPixels';
import { pack } from './batchInference';
import type { WorkerInit } from './protocol';

/** the images a compiled runtime is checked on, as the runtimes take them (plain data: it crosses threads) */
export interface ParitySample {
  pixels: Uint8Array;
  n: number;
  size: [number, number];
  /** how many came from the dataset (0: random pixels stood in) */
  fromDataset: number;
}

/**
 * The dataset's first images (the ones the pool was given to check with), decoded as the
 * extraction decodes them, so a small image's enlargement is checked too: the first two that
 * decode at one size. Pixels of random noise stand in only when none of those images decodes.
 */
export async function paritySample(
  init: Pick<WorkerInit, 'parityImages' | 'preprocessing'>,
  native: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): Promise<ParitySample> {
  const { height, width, resize } = init.preprocessing;
  const samples: RgbImage[] = [];
  for (const file of init.parityImages ?? []) {
    if (samples.length === 2) break;
    try {
      const img = await native(() => decodeForModel(file, { width, height, resize }));
      if (!samples.length || (img.width === samples[0]!.width && img.height === samples[0]!.height)) samples.push(img);
    } catch {
      // a broken image is the extraction's to report; try the next
    }
  }
  const fromDataset = samples.length;
  if (!fromDataset) {
    const data = new Uint8Array(height * width * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    samples.push({ data, width, height });
  }
  return { pixels: pack(samples), n: samples.length, size: [samples[0]!.height, samples[0]!.width], fromDataset };
}

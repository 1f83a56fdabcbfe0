import type sharpType from 'sharp';

let loading: Promise<typeof sharpType> | null = null;

/**
 * sharp (libvips), loaded at its first use. Loading it is some 80 ms of a core, and every
 * extraction worker is a thread of its own that loads its modules again; a dataset of plain
 * small PNGs (MNIST, Fashion-MNIST, CIFAR exports) decodes in JavaScript (modelPixels.ts) and
 * never needs it, so those workers start without it.
 */
export function loadSharp(): Promise<typeof sharpType> {
  loading ??= import('sharp').then((m) => ((m as { default?: typeof sharpType }).default ?? m) as typeof sharpType);
  return loading;
}

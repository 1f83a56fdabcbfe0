import type { Preprocessing } from './preprocessingSchema';

/**
 * How a model wants its pixels: the type and its helpers. The schema the type comes from is
 * preprocessingSchema.ts, kept apart so an extraction worker, which only reads these, loads no
 * schema library.
 */
export type { Preprocessing };

export const defaultPreprocessing: Preprocessing = {
  height: 224,
  width: 224,
  resize: 'stretch',
  range: [-1, 1],
};

/** scale and offset so that value = pixel * scale + offset maps 0..255 onto range */
export function rangeScaleOffset(p: Preprocessing): { scale: number; offset: number } {
  const [lo, hi] = p.range;
  return { scale: (hi - lo) / 255, offset: lo };
}

export function preprocessingKey(p: Preprocessing): string {
  return `${p.height}x${p.width}-${p.resize}-${p.range[0]}_${p.range[1]}`;
}

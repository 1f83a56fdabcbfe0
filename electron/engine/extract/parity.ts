/**
 * Max abs difference allowed between a compiled runtime and the plain TF.js model, relative
 * to the largest feature. Both compute in float32; over MobileNetV2's or Inception's ~50–100
 * layers, reordered sums and folded BatchNorm differ by about 1e-6 relative (measured: 3e-6
 * MobileNetV2, 4e-7 Inception v3). A translation mistake — a transposed kernel, padding on
 * the wrong side, channels in the wrong order — moves features by 1e-2 to 1. 1e-3 sits two
 * orders of magnitude from each.
 */
export const parityTolerance = 1e-3;

export function relativeDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return Number.isFinite(diff) ? diff / scale : Number.POSITIVE_INFINITY;
}

/** why a runtime's features were not trusted, or undefined where they pass */
export function parityFailure(runtime: string, maxDiff: number, n: number, fromDataset: number): string | undefined {
  if (maxDiff <= parityTolerance) return undefined;
  return `${runtime} failed the parity check against TF.js (relative difference ${maxDiff.toExponential(2)} on ${fromDataset ? `${n} of the dataset's images` : 'random pixels'})`;
}

import { writeFileAtomicSync } from '../util/atomicWrite';

/**
 * One image's features as the bottleneck cache keeps them: binary float32, never a torn file
 * that looks whole; not fsynced (a lost entry is only recomputed). Apart from the cache's class,
 * so the extraction workers that write them load nothing the cache reads with.
 */
export function writeFeatureFile(file: string, features: Float32Array): void {
  writeFileAtomicSync(file, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
}

/**
 * The translator's revision (compileOnnx.ts): a compiled graph kept in the feature cache
 * (compiledCache.ts) is reused only by the revision that made it. Bump it with any change to
 * what compileOnnx emits. A module of its own so the cache's reader loads no translator.
 */
export const onnxCompilerRevision = 1;

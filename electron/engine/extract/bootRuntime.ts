import type { CompiledGraph, ParityReference, StartSettings } from './protocol';
import { parityFailure, relativeDiff } from './parity';
import { adapterFacts } from './adapterFacts';
import type { BuiltRunner, Runner } from './runner';
import { compiledRunner, sharedCompiled } from './compiledRunner';
import { readCompiled, removeCompiled, writeCompiled, type CachedCompiled } from './compiledCache';
import { chooseFrozenDevice } from './chooseDevice';
import { RuntimeWeighing } from './weighRuntimes';
import { fatal, type WorkerContext } from './workerContext';

/**
 * A compiled graph the cache folder already holds, checked when it was made: taken as it is
 * where the user asked for ONNX Runtime, or for auto where there is no GPU auto would weigh
 * (no adapter, a software one). Else null: the runtime is built and checked as on a first run.
 * The file is read while the adapter probe (a child process) runs.
 */
async function cachedCompiled({ init }: WorkerContext): Promise<{ cached: CachedCompiled; deviceReason?: string } | null> {
  if (init.compiled || !init.parityCheck || (init.runtime !== 'auto' && init.runtime !== 'onnx')) return null;
  const facts = init.runtime === 'auto' ? adapterFacts() : null;
  const cached = await readCompiled(init.cacheDir);
  if (!cached) return null;
  if (!facts) return { cached };
  const d = chooseFrozenDevice(await facts);
  return 'next' in d ? null : { cached, deviceReason: d.why };
}

/**
 * The runtime as the settings ask. A graph the pool's first worker compiled and checked needs
 * nothing but ONNX Runtime, so TF.js and the translators are imported only on the other paths.
 */
async function build(ctx: WorkerContext): Promise<BuiltRunner> {
  const { init } = ctx;
  if (init.compiled) {
    const compiled = init.compiled;
    return { runner: await ctx.native(() => compiledRunner(init, compiled)), reference: null };
  }
  const { buildRunner } = await import('./runners');
  return ctx.native(() => buildRunner(init));
}

/** a graph that passed its check is kept for the next run; a full disk only costs that run its shortcut */
async function keepCompiled({ init }: WorkerContext, c: CachedCompiled): Promise<void> {
  await writeCompiled(init.cacheDir, c).catch(() => undefined);
}

/** the cached graph as the runtime, or null (and the file removed) where it does not load */
async function bootFromCache(ctx: WorkerContext, hit: { cached: CachedCompiled; deviceReason?: string }): Promise<boolean> {
  try {
    ctx.runner = await ctx.native(() => compiledRunner(ctx.init, hit.cached.compiled));
  } catch {
    await removeCompiled(ctx.init.cacheDir).catch(() => undefined);
    return false;
  }
  if (!ctx.closing) sendCompiledReady(ctx, hit.cached.compiled, { parityMaxDiff: hit.cached.parityMaxDiff, deviceReason: hit.deviceReason, fromCache: true });
  return true;
}

/** 'ready' for a worker that runs a checked ONNX graph on ONNX Runtime alone (no TF.js loaded); the graph goes to the pool for its other workers */
function sendCompiledReady(
  ctx: WorkerContext,
  compiled: CompiledGraph,
  o: { parityMaxDiff: number; deviceReason: string | undefined; fromCache?: boolean },
): void {
  ctx.send({
    type: 'ready',
    backend: 'onnxruntime-node',
    tfBackend: null,
    runtime: 'onnx',
    ...(o.fromCache ? { compiledFromCache: true } : {}),
    ...(o.deviceReason ? { deviceReason: o.deviceReason } : {}),
    parityMaxDiff: o.parityMaxDiff,
    compiled: sharedCompiled(compiled),
  });
}

/**
 * A graph the pool's thread compiled (prepareOnPool.ts): ONNX Runtime readied while the pool
 * runs the plain TF.js model on the parity sample, then checked against its features, run, and
 * kept for the next run. One that fails the check hands the work to the plain TF.js model, as a
 * graph compiled here would; false where there is nothing to check against (the worker then
 * does it all itself).
 */
async function bootChecked(ctx: WorkerContext, compiled: CompiledGraph, referenced: Promise<ParityReference | null>): Promise<boolean> {
  const { init } = ctx;
  const facts = init.runtime === 'auto' ? adapterFacts() : null;
  let runner: Runner;
  try {
    runner = ctx.runner = await ctx.native(() => compiledRunner(init, compiled));
  } catch {
    // ONNX Runtime would not take it: the worker's own way, which says why and falls back
    return false;
  }
  const against = await referenced;
  if (ctx.closing) return true;
  if (!against) {
    await runner.dispose();
    ctx.runner = undefined;
    return false;
  }
  const { sample, features } = against;
  const maxDiff = relativeDiff(features, await ctx.native(() => runner.infer(sample.pixels, sample.n, sample.size)));
  const d = facts ? chooseFrozenDevice(await facts) : null;
  const deviceReason = d && !('next' in d) ? d.why : undefined;
  const fallbackReason = parityFailure(runner.runtime, maxDiff, sample.n, sample.fromDataset);
  if (fallbackReason) {
    await runner.dispose();
    ctx.runner = undefined;
    const backend = await (await import('../tf/backend')).initBackend(init.backend);
    const plain = (ctx.runner = (await build({ ...ctx, init: { ...init, runtime: 'layers', compiled: undefined } })).runner);
    if (ctx.closing) return true;
    ctx.send({
      type: 'ready',
      backend: backend.provider,
      tfBackend: backend.provider,
      runtime: plain.runtime,
      fallbackReason,
      parityMaxDiff: maxDiff,
      ...(deviceReason ? { deviceReason } : {}),
    });
    return true;
  }
  if (ctx.closing) return true;
  sendCompiledReady(ctx, compiled, { parityMaxDiff: maxDiff, deviceReason });
  await keepCompiled(ctx, { compiled, parityMaxDiff: maxDiff, checkedOn: sample.fromDataset });
  return true;
}

/**
 * Boots the worker's runtime (ctx.runner) and answers 'ready', or 'fatal'. A deferred worker
 * first waits for its settings (`started`; null: closed before they came). Between its steps
 * a 'close' that came meanwhile is honoured, so a stop while the graph compiles or the parity
 * check runs waits for that step alone.
 */
export async function bootRuntime(ctx: WorkerContext, started: Promise<StartSettings | null>, referenced: Promise<ParityReference | null>): Promise<void> {
  try {
    if (ctx.init.deferred) {
      const settings = await started;
      if (!settings || ctx.closing) return;
      ctx.init = { ...ctx.init, ...settings, deferred: false };
    }
    if (ctx.init.compiled && ctx.init.referenceFromPool) {
      if (await bootChecked(ctx, ctx.init.compiled, referenced)) return;
      if (ctx.closing) return;
      ctx.init = { ...ctx.init, compiled: undefined, referenceFromPool: false };
    }
    const { init } = ctx;
    const hit = await cachedCompiled(ctx).catch(() => null);
    if (ctx.closing) return;
    if (hit && (await bootFromCache(ctx, hit))) return;
    // a worker that runs a compiled graph on ONNX Runtime needs no TF.js at all: it loads no
    // TensorFlow binding (tfjs-node(-gpu) would take memory, and a GPU context, for nothing)
    const backend = init.compiled ? null : await (await import('../tf/backend')).initBackend(init.backend);
    if (ctx.closing) return;
    const built = await build(ctx);
    let runner = (ctx.runner = built.runner);
    const reference = (ctx.reference = built.reference);
    const weighing = new RuntimeWeighing(ctx);
    // every runtime built and not kept is released once the choice is made
    const candidates = new Set<Runner>([
      built.runner,
      ...(built.reference ? [built.reference] : []),
      ...(built.gpu ? [built.gpu.reference] : []),
      ...(built.gpu?.runner ? [built.gpu.runner] : []),
    ]);
    let { fallbackReason, parityMaxDiff } = built;
    let deviceReason: string | undefined;
    try {
      if (ctx.closing) return;
      if (reference) {
        const parity = await weighing.checkParity(reference, runner);
        parityMaxDiff = parity.maxDiff;
        // the loser of the check goes: the compiled runtime if it failed, else the TF.js model
        if (parity.fallbackReason) {
          fallbackReason = parity.fallbackReason;
          runner = ctx.runner = reference;
        }
      }
      if (built.gpu && !ctx.closing) {
        const choice = await weighing.weighGpu(built.gpu, runner);
        deviceReason = choice.why;
        if (choice.device === 'gpu' && built.gpu.runner) {
          runner = ctx.runner = built.gpu.runner;
          built.gpu.onChosen?.();
          fallbackReason = built.gpu.runner.fallbackReason;
          if (choice.parityMaxDiff !== undefined) parityMaxDiff = choice.parityMaxDiff;
        }
      }
    } finally {
      ctx.reference = null;
      for (const c of candidates) if (c !== runner) await c.dispose();
    }
    if (ctx.closing) return;
    // a graph that passed is handed to the pool, so its other workers need not load the TF.js model
    const compiled = runner.runtime === 'onnx' && built.compiled && !init.compiled ? built.compiled : undefined;
    ctx.send({
      type: 'ready',
      backend: backend?.provider ?? 'onnxruntime-node',
      tfBackend: backend?.provider ?? null,
      runtime: runner.runtime,
      ...(runner.engine ? { engine: runner.engine } : {}),
      ...(fallbackReason ? { fallbackReason } : {}),
      ...(deviceReason ? { deviceReason } : {}),
      ...(parityMaxDiff !== undefined ? { parityMaxDiff } : {}),
      ...(compiled ? { compiled: sharedCompiled(compiled) } : {}),
    });
    // kept once 'ready' is out: the pool hands the graph to its other workers meanwhile, and this
    // worker takes jobs while the file is written (Inception v3's is 95 MB); a close waits for it
    if (compiled && built.reference && parityMaxDiff !== undefined && !fallbackReason)
      await keepCompiled(ctx, { compiled, parityMaxDiff, checkedOn: weighing.checkedOn });
  } catch (e) {
    if (!ctx.closing) ctx.send(fatal(e));
  }
}

import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ParityReference, StartSettings, ToWorker, WorkerData } from './protocol';
import { nativeCounter, type WorkerContext } from './workerContext';
import { JobQueue } from './jobQueue';
import { bootRuntime } from './bootRuntime';
import { useAdapterProbe, type AdapterProbe } from './adapterFacts';

/**
 * One extraction worker: decodes its batch (sharp, on libuv's threads), runs the frozen part
 * (ONNX Runtime with its own threads, or one wasm/TF instance per worker — wasm is
 * single-threaded in Node, so a second core needs a second worker), pools, and writes the
 * features to the cache itself, so only small messages cross threads and nothing big is held
 * anywhere. This is the thread's code (the pool starts extractWorker.ts by path, workerHandle.ts): it
 * boots the runtime (bootRuntime.ts), queues the jobs (jobQueue.ts) and answers the pool.
 */
const { nativeCalls, ...init } = workerData as WorkerData;
const port = parentPort!;
const ctx: WorkerContext = {
  init,
  reference: null,
  closing: false,
  send: (m: FromWorker) => port.postMessage(m),
  native: nativeCounter(nativeCalls),
};
const jobs = new JobQueue(ctx);

let startWith: ((s: StartSettings | null) => void) | null = null;
const started = new Promise<StartSettings | null>((resolve) => (startWith = resolve));
// where the pool probes the GPU adapter itself, its answer comes in an 'adapter' message
let adapterWith: ((p: AdapterProbe) => void) | null = null;
if (init.adapterFromPool) useAdapterProbe(new Promise<AdapterProbe>((resolve) => (adapterWith = resolve)));
// where the pool computes the parity check's reference itself, it comes in a 'reference' message
let referenceWith: ((r: ParityReference | null) => void) | null = null;
const referenced = new Promise<ParityReference | null>((resolve) => (referenceWith = resolve));

/** a 'close' ends the worker on its own: nothing of it is in native code when the thread ends */
async function close(booting: Promise<void>): Promise<void> {
  ctx.closing = true;
  startWith?.(null);
  referenceWith?.(null);
  // a boot waiting for the pool's adapter probe goes on at once to its end
  adapterWith?.({ adapter: null, noAdapterReason: 'the extraction was closed' });
  await booting;
  await jobs.stop();
  ctx.reference?.dispose();
  ctx.reference = null;
  await ctx.runner?.dispose();
  ctx.runner = undefined;
  ctx.send({ type: 'closed' });
  port.close();
}

/**
 * Fault injection for tests of the pool's last resort: TRANSFER_LAB_FAULT_IGNORE_CLOSE=1 makes
 * a worker ignore 'close' and stay alive in plain JavaScript, as a worker stuck in a loop of
 * ours would. Unset in normal use.
 */
const ignoreClose = process.env.TRANSFER_LAB_FAULT_IGNORE_CLOSE === '1';
/**
 * Fault injection for tests of workers that join late: TRANSFER_LAB_FAULT_DEFERRED=stall makes
 * a deferred worker ignore its 'start' (it stays starting until closed), =fail makes it fail
 * to start. Unset in normal use.
 */
const deferredFault = init.deferred === true ? process.env.TRANSFER_LAB_FAULT_DEFERRED : undefined;

const booting = bootRuntime(ctx, started, referenced);
// listening from the first moment, so a 'close' during boot is heard
port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'start':
      if (deferredFault === 'fail') ctx.send({ type: 'fatal', error: { code: 'INTERNAL', message: 'a worker failed to start (fault injection)' } });
      else if (deferredFault !== 'stall') startWith?.(m.settings);
      break;
    case 'adapter':
      adapterWith?.(m.probe);
      break;
    case 'reference':
      referenceWith?.(m.reference);
      break;
    case 'job':
      if (!ctx.closing) jobs.add(m.id, m.items);
      break;
    case 'stop':
      void jobs.stop().then((dropped) => ctx.send({ type: 'stopped', dropped }));
      break;
    case 'close':
      if (ignoreClose) setInterval(() => undefined, 1000);
      else void close(booting);
      break;
  }
});

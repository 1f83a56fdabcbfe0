import type { AdapterFacts } from '../devices/probeDevices';
import type { DeviceFacts } from './chooseDevice';

/**
 * For tests only (SwiftShader in CI, the bench's dry run): TRANSFER_LAB_TEST_SOFTWARE_GPU=1
 * lets `auto` weigh a software adapter as if it were hardware, so the start, parity check and
 * timing run end to end without a GPU; TRANSFER_LAB_FAULT_CPU_RATE=x multiplies the CPU path's
 * measured speed by x (0: the GPU wins). Unset in normal use. Read at each call: the pool's own
 * thread asks too (prepareOnPool.ts), in a process whose tests change it.
 */
export const softwareAsHardware = (): boolean => process.env.TRANSFER_LAB_TEST_SOFTWARE_GPU === '1';

/** what the adapter probe found: Dawn's first adapter, or why there is none (plain data: it crosses threads) */
export interface AdapterProbe {
  adapter: AdapterFacts | null;
  noAdapterReason?: string;
}

/** the Vulkan loader's settings: the only things of the environment the probe's answer depends on */
const probeKey = () => JSON.stringify(['VK_DRIVER_FILES', 'VK_ICD_FILENAMES', 'VK_ADD_DRIVER_FILES'].map((k) => process.env[k] ?? null));

let probed: { key: string; probe: Promise<AdapterProbe> } | null = null;

/**
 * Dawn's adapter, probed in a short-lived child process (probeAdaptersIsolated: about 0.3 s
 * here) once per thread and Vulkan setting. The pool asks in the engine's own thread as its
 * workers start, so the answer is there by the time the first worker needs it, and a later
 * run in the same process (the app, the web host, a sweep) asks no more. It never rejects.
 */
export function probeAdapter(): Promise<AdapterProbe> {
  const key = probeKey();
  if (probed?.key !== key) {
    const probe: Promise<AdapterProbe> = import('../devices/probeDevices')
      .then(({ probeAdaptersIsolated }) => probeAdaptersIsolated())
      .then((p) => ({ adapter: p.adapters[0] ?? null, ...(p.noAdapterReason ? { noAdapterReason: p.noAdapterReason } : {}) }))
      .catch((e: unknown) => {
        // a probe that failed is not kept (the next run asks again), and is an answer: no adapter, and why
        if (probed?.probe === probe) probed = null;
        return { adapter: null, noAdapterReason: `the WebGPU adapter probe failed: ${e instanceof Error ? e.message : String(e)}` };
      });
    probed = { key, probe };
  }
  return probed.probe;
}

let fromPool: Promise<AdapterProbe> | null = null;

/** a worker takes the pool's probe instead of probing again */
export function useAdapterProbe(p: Promise<AdapterProbe>): void {
  fromPool = p;
}

/**
 * What `auto` knows of the GPU before checking it: the adapter Dawn finds (none, or a
 * software one, ends it there: no model goes to the GPU), else the WebGPU runtime started.
 */
export async function adapterFacts(): Promise<DeviceFacts> {
  const { adapter: found, noAdapterReason } = await (fromPool ?? probeAdapter());
  const adapter = found && softwareAsHardware() ? { ...found, software: false } : found;
  return { adapter, ...(noAdapterReason ? { noAdapterReason } : {}) };
}

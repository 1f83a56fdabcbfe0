import { coreCount, decodeThreads, fineTuneThreads } from '../util/cores';
import { dawnBlockedReason } from './dawnInElectron';
import { quietWayland } from './quietWayland';
import { noVulkanAdapterReason } from './vulkanHint';

/**
 * What compute is here: WebGPU adapters (through Dawn for Node, the `webgpu` package) and which
 * runtimes load, each with the reason when it does not. Nothing here switches the engine's backend.
 */

export interface AdapterFacts {
  name: string;
  vendor: string;
  architecture: string;
  /** a software rasteriser (SwiftShader, lavapipe, a fallback adapter): never taken by `auto` */
  software: boolean;
  features: string[];
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number; maxComputeInvocationsPerWorkgroup: number };
}

export interface RuntimeFacts {
  name: string;
  loads: boolean;
  /** why it does not load, or what it runs on */
  note?: string;
}

export interface DevicesReport {
  /** the cores, the threads that decode images (libuv's pool, sized to the cores by the entries), and the most threads fine-tuning on wasm shares a batch across */
  cpu: { cores: number; decodeThreads: number; fineTuneThreads: number };
  adapters: AdapterFacts[];
  /** why no adapter was found, when none was */
  noAdapterReason?: string;
  runtimes: RuntimeFacts[];
}

const firstLine = (e: unknown) => ((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '').slice(0, 200);
const why = (e: unknown) => (/Cannot find (module|package)/i.test(firstLine(e)) ? 'not installed' : firstLine(e));

/** Software adapters: SwiftShader, Mesa's lavapipe/llvmpipe, or an adapter flagged as a fallback. */
export function isSoftwareAdapter(
  info: { vendor?: string; architecture?: string; device?: string; description?: string },
  isFallback: boolean | undefined,
): boolean {
  if (isFallback) return true;
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ').toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/.test(text);
}

interface GpuLike {
  requestAdapter(o?: { powerPreference?: string }): Promise<AdapterLike | null>;
}
interface AdapterLike {
  info: { vendor?: string; architecture?: string; device?: string; description?: string };
  features: Iterable<string>;
  limits: Record<string, number>;
  isFallbackAdapter?: boolean;
}

let gpuPromise: Promise<GpuLike> | null = null;

/**
 * navigator.gpu for Node through Dawn (`webgpu`); rejects with the reason when it cannot load,
 * and without trying inside Electron (dawnInElectron.ts).
 */
export function nodeGpu(versions: NodeJS.ProcessVersions = process.versions): Promise<GpuLike> {
  const blocked = dawnBlockedReason(versions);
  if (blocked) return Promise.reject(new Error(blocked));
  gpuPromise ??= dawnModule(versions).then((m) => {
    Object.assign(globalThis, m.globals);
    return m.create([]);
  });
  return gpuPromise;
}

interface DawnModule {
  create: (o: string[]) => GpuLike;
  globals: Record<string, unknown>;
}

/** Dawn for Node's module, loaded (it asks for no adapter); rejects with the reason, and inside Electron without trying */
export function dawnModule(versions: NodeJS.ProcessVersions = process.versions): Promise<DawnModule> {
  const blocked = dawnBlockedReason(versions);
  if (blocked) return Promise.reject(new Error(blocked));
  quietWayland();
  return import('webgpu' as string) as Promise<DawnModule>;
}

/** the first adapter of a navigator.gpu as plain facts, or why there is none */
export async function probeAdapters(g: GpuLike): Promise<{ adapters: AdapterFacts[]; noAdapterReason?: string }> {
  const adapter = await g.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return { adapters: [], noAdapterReason: noVulkanAdapterReason() };
  const i = adapter.info;
  const l = adapter.limits;
  return {
    adapters: [
      {
        name: i.device || i.description || '(unnamed)',
        vendor: i.vendor ?? '',
        architecture: i.architecture ?? '',
        software: isSoftwareAdapter(i, adapter.isFallbackAdapter),
        features: [...adapter.features].sort(),
        limits: {
          maxBufferSize: l.maxBufferSize ?? 0,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize ?? 0,
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize ?? 0,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup ?? 0,
        },
      },
    ],
  };
}

/**
 * The child's side of probeAdaptersIsolated: Dawn's adapter as plain data (its limits are
 * getters on a prototype, so they are read by name).
 */
const childProbe = `
const { create, globals } = await import(process.argv[1]);
Object.assign(globalThis, globals);
const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const keys = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup'];
const info = a && { vendor: a.info.vendor, architecture: a.info.architecture, device: a.info.device, description: a.info.description };
process.stdout.write(JSON.stringify(a ? { info, features: [...a.features], limits: Object.fromEntries(keys.map((k) => [k, a.limits[k]])), isFallbackAdapter: a.isFallbackAdapter } : null) + '\\n');
process.exit(0);
`;

/**
 * The adapter probe in a short-lived child process. Dawn and the Vulkan loader print their
 * warnings straight to the process's stderr (no driver found, lavapipe refused) and a broken
 * driver can crash whatever loads it; `auto` asks on every extraction, so it asks this way:
 * the noise stays in the child and a crash is a reason. Only a worker that then takes a
 * hardware adapter loads Dawn itself. About 0.1 s here without a GPU.
 */
export async function probeAdaptersIsolated(timeoutMs = 20_000): Promise<{ adapters: AdapterFacts[]; noAdapterReason?: string }> {
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  const { execFile } = await import('node:child_process');
  let entry: string;
  try {
    entry = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch (e) {
    return { adapters: [], noAdapterReason: `webgpu (Dawn for Node): ${why(e)}` };
  }
  // Electron's binary runs as plain Node with ELECTRON_RUN_AS_NODE; Node ignores it
  const out = await new Promise<{ stdout: string; error?: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', childProbe, entry],
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: timeoutMs, maxBuffer: 1 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) resolve({ stdout });
        else {
          const last = stderr
            .split('\n')
            .map((l) => l.trim())
            .filter((l) => l && !l.startsWith('at '))
            .at(-1);
          const how = err.killed ? `did not answer in ${timeoutMs / 1000} s` : `failed (${err.signal ?? `exit code ${String(err.code)}`})`;
          resolve({ stdout, error: `the WebGPU adapter probe ${how}${last ? `: ${last.slice(0, 200)}` : ''}` });
        }
      },
    );
  });
  if (out.error) return { adapters: [], noAdapterReason: out.error };
  const raw = JSON.parse(out.stdout.trim().split('\n').at(-1) || 'null') as AdapterLike | null;
  return probeAdapters({ requestAdapter: () => Promise.resolve(raw) });
}

/** Whether a package loads, in this process; tfjs-node(-gpu) are only loaded when asked (they are heavy). */
async function loads(name: string, load: () => Promise<string | undefined>): Promise<RuntimeFacts> {
  try {
    const note = await load();
    return { name, loads: true, ...(note ? { note } : {}) };
  } catch (e) {
    return { name, loads: false, note: why(e) };
  }
}

/**
 * What `transfer-lab devices` lists. The adapters come from the child process `auto` asks too
 * (probeAdaptersIsolated): asked here, Dawn printed its refusal of Mesa's lavapipe ("Warning:
 * Vulkan shaderUniform*ArrayDynamicIndexing required", with a path of its build machine's)
 * above the command's own lines, and a driver that crashes would have taken the command that
 * is there to diagnose it. Dawn loads in this process only to run our kernels' self-test on an
 * adapter the child found.
 */
export async function probeDevices(): Promise<DevicesReport> {
  const { adapters, noAdapterReason } = await probeAdaptersIsolated();
  const runtimes: RuntimeFacts[] = [];
  runtimes.push(
    await loads('onnxruntime-node', async () => {
      await import('onnxruntime-node');
      return 'CPU provider';
    }),
  );
  runtimes.push(
    await loads('webgpu', async () => {
      await dawnModule();
      return adapters.length ? `${adapters[0]!.software ? 'software' : 'hardware'} adapter ${adapters[0]!.name || adapters[0]!.architecture}` : noAdapterReason;
    }),
  );
  runtimes.push(
    await loads("Transfer Lab's WGSL kernels", async () => {
      if (!adapters.length) throw new Error(noAdapterReason ?? 'no WebGPU adapter');
      const { wgslSelfTest } = await import('../frozen/wgsl/wgslSelfTest');
      return wgslSelfTest((await nodeGpu()) as unknown as GPU);
    }),
  );
  runtimes.push(
    await loads('@tensorflow/tfjs-backend-webgpu', async () => {
      await import('@tensorflow/tfjs-backend-webgpu' as string);
      return undefined;
    }),
  );
  // tfjs-node and tfjs-node-gpu: resolving tells whether they are installed without loading libtensorflow here
  for (const name of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    runtimes.push(
      await loads(name, async () => {
        const { createRequire } = await import('node:module');
        createRequire(import.meta.url).resolve(name);
        return name.endsWith('gpu') ? 'installed; it counts as a GPU only when TensorFlow finds a CUDA 11.2 device at run time' : 'installed';
      }),
    );
  }
  return {
    cpu: { cores: coreCount(), decodeThreads: decodeThreads(), fineTuneThreads: fineTuneThreads() },
    adapters,
    ...(noAdapterReason ? { noAdapterReason } : {}),
    runtimes,
  };
}

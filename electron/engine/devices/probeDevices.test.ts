import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter, nodeGpu, probeAdapters, probeAdaptersIsolated } from './probeDevices';
import { dawnBlockedReason } from './dawnInElectron';
import { noVulkanAdapterReason } from './vulkanHint';
import { swiftShaderIcd as swiftshader, swiftShaderOr } from '../../../test/fixtures/swiftShader';

const canSwiftShader = swiftShaderOr('Dawn adapter tests');

describe('transfer-lab devices', () => {
  it('marks SwiftShader, lavapipe and fallback adapters as software, a real GPU as hardware', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' }, false)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, false)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper' }, true)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200' }, false)).toBe(false);
  });

  it('says why when Dawn finds no adapter', async () => {
    const r = await probeAdapters({ requestAdapter: async () => null });
    expect(r.adapters).toEqual([]);
    // what this machine lacks (vulkanHint.test.ts plays each case)
    expect(r.noAdapterReason).toBe(noVulkanAdapterReason());
    expect(r.noAdapterReason).toMatch(/^Dawn found no Vulkan adapter: /);
  });

  // Mesa's lavapipe (mesa-vulkan-drivers, which Debian's chromium brings): a Vulkan driver Dawn refuses
  const lavapipe = ['/usr/share/vulkan/icd.d/lvp_icd.x86_64.json', '/usr/share/vulkan/icd.d/lvp_icd.aarch64.json'].find((f) => fs.existsSync(f));
  it.skipIf(!lavapipe || !canSwiftShader)("prints nothing of Dawn's own: a driver it refuses is a reason in the list, not a warning above it", () => {
    const cli = path.resolve(__dirname, '../../../bin/transfer-lab.cjs');
    const r = spawnSync(process.execPath, [cli, 'devices'], { env: { ...process.env, VK_DRIVER_FILES: lavapipe }, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    // asked in the command's own process, Dawn printed "Warning: Vulkan shaderUniform*ArrayDynamicIndexing required." and a source path
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^WebGPU adapters: none — /m);
    expect(r.stdout).toMatch(/^ {2}webgpu {2,}loads — /m);
    expect(r.stdout).toMatch(/^ {2}Transfer Lab's WGSL kernels {2,}does not load — /m);
  });
  if (!lavapipe) console.log("lavapipe test skipped: Mesa's lvp_icd JSON is absent (apt-get install mesa-vulkan-drivers)");

  it.skipIf(!canSwiftShader)('finds the SwiftShader adapter, marked software, with its limits, and lists the runtimes', () => {
    const cli = path.resolve(__dirname, '../../../bin/transfer-lab.cjs');
    const env: NodeJS.ProcessEnv = { ...process.env, VK_DRIVER_FILES: swiftshader, TRANSFER_LAB_FAULT_CORES: '16' };
    delete env.UV_THREADPOOL_SIZE;
    // a headless machine or an SSH session without a login session's runtime folder
    delete env.XDG_RUNTIME_DIR;
    const r = spawnSync(process.execPath, [cli, 'devices', '--json'], { env, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    const stdout = r.stdout;
    // libwayland, loaded with the Vulkan loader, printed "error: XDG_RUNTIME_DIR is invalid or not set" twice
    expect(r.stderr).not.toMatch(/error|XDG_RUNTIME_DIR/i);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      cpu: { cores: number; decodeThreads: number; fineTuneThreads: number };
      adapters: { architecture: string; software: boolean; limits: { maxBufferSize: number } }[];
      runtimes: { name: string; loads: boolean; note?: string }[];
    };
    // the cores, and the decoding threads the command's entry gave the pool (on a stand-in for 16 cores)
    expect(report.cpu).toEqual({ cores: os.availableParallelism(), decodeThreads: 16, fineTuneThreads: Math.min(4, os.availableParallelism()) });
    expect(report.adapters[0]).toMatchObject({ architecture: 'swiftshader', software: true });
    expect(report.adapters[0]!.limits.maxBufferSize).toBeGreaterThan(0);
    const byName = Object.fromEntries(report.runtimes.map((r) => [r.name, r]));
    expect(byName['webgpu']).toMatchObject({ loads: true, note: expect.stringMatching(/^software adapter/) });
    expect(byName['onnxruntime-node']!.loads).toBe(true);
    // our kernels compiled and ran a graph whose answer is known, on that adapter
    expect(byName["Transfer Lab's WGSL kernels"]).toMatchObject({ loads: true, note: expect.stringMatching(/^compiled and ran a test graph on swiftshader/i) });
    // what does not load says why
    for (const r of report.runtimes) if (!r.loads) expect(r.note).toBeTruthy();
  });

  it.skipIf(!canSwiftShader)(
    "auto's probe runs in a child: SwiftShader found and marked software, no adapter said why, and Dawn's noise stays there",
    async () => {
      const env = { ...process.env };
      try {
        process.env.VK_DRIVER_FILES = swiftshader;
        expect((await probeAdaptersIsolated()).adapters[0]).toMatchObject({ architecture: 'swiftshader', software: true });
        process.env.VK_DRIVER_FILES = '/nonexistent/icd.json';
        expect(await probeAdaptersIsolated()).toEqual({ adapters: [], noAdapterReason: expect.stringMatching(/no Vulkan adapter/) });
      } finally {
        process.env.VK_DRIVER_FILES = env.VK_DRIVER_FILES;
        if (env.VK_DRIVER_FILES === undefined) delete process.env.VK_DRIVER_FILES;
      }
      // the same probe from a process of its own: nothing of the Vulkan loader's warnings on its stderr
      const script = `import { probeAdaptersIsolated } from ${JSON.stringify(path.resolve(__dirname, 'probeDevices.ts'))}; console.log(JSON.stringify(await probeAdaptersIsolated()));`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, VK_DRIVER_FILES: '/nonexistent/icd.json' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(JSON.parse(r.stdout.trim()).adapters).toEqual([]);
      expect(r.stderr).not.toMatch(/vkCreateInstance|Found no drivers/);
    },
  );
});
if (!canSwiftShader) console.log(`SwiftShader test skipped: ${swiftshader} or libvulkan.so.1 is absent (apt-get install chromium libvulkan1)`);

describe('Dawn for Node inside Electron', () => {
  const inElectron = { ...process.versions, electron: '45.2.0' } as NodeJS.ProcessVersions;

  it('is not loaded in an Electron process, and the reason names the memory cage and the window route', async () => {
    expect(dawnBlockedReason(process.versions)).toBeNull();
    expect(dawnBlockedReason(inElectron)).toMatch(/inside Electron 45\.2\.0 .*memory cage.*external buffers.*desktop app runs the GPU path in its GPU window/);
    await expect(nodeGpu(inElectron)).rejects.toThrow(/not loaded inside Electron/);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { noVulkanAdapterReason } from './vulkanHint';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-vulkan-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** a machine's Vulkan places, made up: the loader there or not, and these ICD files */
function machine(o: { loader: boolean; icds: string[] }) {
  const dir = fs.mkdtempSync(path.join(root, 'm-'));
  const loader = path.join(dir, 'libvulkan.so.1');
  if (o.loader) fs.writeFileSync(loader, '');
  const icdDir = path.join(dir, 'icd.d');
  fs.mkdirSync(icdDir);
  for (const f of o.icds) fs.writeFileSync(path.join(icdDir, f), '{}');
  return { loaders: [loader], icdDirs: [icdDir, path.join(dir, 'no-such-dir')] };
}

describe('why Dawn found no Vulkan adapter', () => {
  // it said "install libvulkan1 and the GPU driver's Vulkan ICD" on every machine, those that had both too
  it('names the missing loader', () => {
    expect(noVulkanAdapterReason(machine({ loader: false, icds: [] }), {})).toMatch(/no Vulkan adapter: the Vulkan loader is missing \(install libvulkan1\)/);
  });
  it('names a missing GPU driver where the loader is here', () => {
    expect(noVulkanAdapterReason(machine({ loader: true, icds: [] }), {})).toMatch(
      /the Vulkan loader is here, but no GPU driver's Vulkan ICD .*nvidia_icd\.json/,
    );
  });
  it('says lavapipe alone is refused', () => {
    expect(noVulkanAdapterReason(machine({ loader: true, icds: ['lvp_icd.x86_64.json'] }), {})).toMatch(
      /only Vulkan driver here is Mesa's software one \(lavapipe\), which Dawn refuses/,
    );
  });
  it('names the drivers that did not answer', () => {
    const m = machine({ loader: true, icds: ['intel_icd.x86_64.json', 'radeon_icd.x86_64.json', 'lvp_icd.x86_64.json', 'nvidia_icd.json'] });
    expect(noVulkanAdapterReason(m, {})).toMatch(/none of the Vulkan drivers here answered \(intel, lvp, nvidia, radeon\): no GPU they drive is here/);
  });
  it('names the drivers it was pointed at', () => {
    expect(noVulkanAdapterReason(machine({ loader: true, icds: [] }), { VK_DRIVER_FILES: '/x/nvidia_icd.json' })).toMatch(
      /no driver answered from VK_DRIVER_FILES=\/x\/nvidia_icd\.json/,
    );
  });
});

import fs from 'node:fs';

/** Where the Vulkan loader (libvulkan1) and the drivers' ICD files live on Debian, Ubuntu and JetPack. */
export const vulkanPlaces = {
  loaders: ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'],
  icdDirs: ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'],
};

/**
 * Why Dawn found no adapter, as far as the machine tells: no Vulkan loader; no GPU driver's
 * Vulkan ICD at all; only Mesa's software one (lavapipe, which Dawn refuses); or drivers that did
 * not answer (no such GPU here, or the driver not loaded). It said "install libvulkan1 and the
 * GPU driver's Vulkan ICD" whatever was missing, on machines that had both.
 */
export function noVulkanAdapterReason(places = vulkanPlaces, env: NodeJS.ProcessEnv = process.env): string {
  const head = 'Dawn found no Vulkan adapter';
  if (!places.loaders.some((p) => fs.existsSync(p)))
    return `${head}: the Vulkan loader is missing (install libvulkan1), and a GPU driver's Vulkan ICD is needed too`;
  const forced = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES;
  if (forced) return `${head}: no driver answered from VK_DRIVER_FILES=${forced}`;
  const icds = places.icdDirs.flatMap((d) => {
    try {
      return fs.readdirSync(d).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
  });
  const names = icds.map((f) => f.replace(/(_icd)?(\.[^.]+)?\.json$/, ''));
  if (icds.length === 0)
    return `${head}: the Vulkan loader is here, but no GPU driver's Vulkan ICD (${places.icdDirs.join(' and ')} hold none; NVIDIA's driver installs nvidia_icd.json)`;
  if (names.every((n) => n === 'lvp'))
    return `${head}: the only Vulkan driver here is Mesa's software one (lavapipe), which Dawn refuses; a GPU driver's Vulkan ICD is needed`;
  return `${head}: none of the Vulkan drivers here answered (${[...new Set(names)].sort().join(', ')}): no GPU they drive is here, or its kernel driver is not loaded`;
}

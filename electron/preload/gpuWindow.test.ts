import { describe, expect, it, vi } from 'vitest';
import { gpuPortChannel } from '../../shared/gpuWindow';

const listeners = new Map<string, (event: { ports: unknown[] }) => void>();
vi.mock('electron', () => ({ ipcRenderer: { on: (channel: string, l: (event: { ports: unknown[] }) => void) => void listeners.set(channel, l) } }));

describe("the GPU window's preload", () => {
  it("hands the port main sends on to the page's own world, addressed to the page's own origin, and exposes nothing", async () => {
    const g = globalThis as unknown as { location?: unknown; postMessage?: unknown; transferLab?: unknown };
    const posted: unknown[][] = [];
    g.location = { origin: 'app://transfer-lab' };
    g.postMessage = (...args: unknown[]) => void posted.push(args);
    try {
      await import('./gpuWindow');
      const port = { name: 'the engine port' };
      listeners.get(gpuPortChannel)!({ ports: [port] });
      expect(posted).toEqual([[gpuPortChannel, 'app://transfer-lab', [port]]]);
      expect(g.transferLab).toBeUndefined();
    } finally {
      delete g.location;
      delete g.postMessage;
    }
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { availableBackends, backendUsesGpu, initBackend, noGpuReasonFor } from './backend';

describe('backend selection', () => {
  it('lists the backends that load here: wasm and cpu at least', async () => {
    const names = await availableBackends();
    expect(names).toContain('wasm');
    expect(names).toContain('cpu');
  });

  it('refuses a forced backend that cannot load with a message naming what is available', async () => {
    const native = (await availableBackends()).includes('tensorflow');
    if (native) return; // on a machine with libtensorflow this case cannot arise
    const err = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/tfjs-node/);
    expect((err as { hint: string }).hint).toMatch(/Available here: .*wasm/);
  });

  it('picks the fastest that loads and says why', async () => {
    const choice = await initBackend('auto');
    expect(['tensorflow', 'wasm']).toContain(choice.name);
    expect(tf.getBackend()).toBe(choice.name);
    expect(choice.reason).toContain(choice.provider);
    if (choice.name === 'wasm') {
      expect(choice.attempts.filter((a) => !a.ok).map((a) => a.candidate)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
      expect(choice.reason).toMatch(/skipped .*tfjs-node/);
    }
  });

  it("on wasm, every training gets the fast backward kernels, not only fine-tuning (a head's weight gradient is a product with a transposed operand)", async () => {
    const choice = await initBackend('auto');
    if (choice.name !== 'wasm') return; // tfjs-node has its own kernels
    // registered by initBackend itself, before anything fine-tunes
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const dy = tf.tensor2d([1, 0, 2, 1, 0, 3], [3, 2]);
    expect(Array.from(tf.matMul(x, dy, true, false).dataSync())).toEqual([7, 18, 10, 22]);
    tf.dispose([x, dy]);
  });

  it('computes correctly on the chosen backend and leaves no foreign process handlers', async () => {
    await initBackend('auto');
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
    expect(y).toBe(11);
    // the wasm runtime's rethrowing handlers would turn any stray error into a crash
    const rethrowers = process.listeners('unhandledRejection').filter((l) => /throw reason/.test(String(l)));
    expect(rethrowers).toHaveLength(0);
  });

  it('counts tfjs-node-gpu as a GPU only when its binding says it runs on a GPU device', () => {
    // tfjs-node 4's NodeJSKernelBackend: isUsingGpuDevice is a boolean read from the binding
    expect(backendUsesGpu({ isUsingGpuDevice: true })).toBe(true);
    expect(backendUsesGpu({ isUsingGpuDevice: false })).toBe(false);
    expect(backendUsesGpu({ binding: { isUsingGpuDevice: () => true } })).toBe(true);
    expect(backendUsesGpu({ binding: { isUsingGpuDevice: () => false } })).toBe(false);
    // a backend that says nothing (wasm, cpu) is no GPU
    expect(backendUsesGpu({})).toBe(false);
    expect(backendUsesGpu(null)).toBe(false);
  });

  it('says why no GPU runs the work', () => {
    expect(noGpuReasonFor('@tensorflow/tfjs-node-gpu', true, [])).toMatch(/tfjs-node-gpu loaded but TensorFlow found no GPU device.*CPU/);
    expect(noGpuReasonFor('@tensorflow/tfjs-backend-wasm', false, [{ candidate: '@tensorflow/tfjs-node-gpu', ok: false, error: 'not installed' }])).toBe(
      '@tensorflow/tfjs-node-gpu: not installed',
    );
    // a backend asked for by name: what was asked, not that wasm runs on the CPU
    expect(noGpuReasonFor('@tensorflow/tfjs-backend-wasm', false, [{ candidate: '@tensorflow/tfjs-backend-wasm', ok: true }], 'wasm')).toBe(
      'the backend was set to wasm (@tensorflow/tfjs-backend-wasm), so no GPU backend was tried',
    );
  });

  it('records on the chosen backend whether it is a GPU and, when not, why', async () => {
    const choice = await initBackend('auto');
    expect(choice.gpu).toBe(backendUsesGpu(tf.backend()));
    if (!choice.gpu) expect(choice.noGpuReason).toBeTruthy();
  });
});

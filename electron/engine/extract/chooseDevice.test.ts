import { describe, expect, it } from 'vitest';
import { adapterLabel, chooseFrozenDevice, type DeviceFacts } from './chooseDevice';

const nvidia = { name: 'NVIDIA H200', vendor: 'nvidia', architecture: 'hopper', software: false };
const swiftshader = { name: 'SwiftShader Device (Subzero)', vendor: 'google', architecture: 'swiftshader', software: true };
const passed = { passed: true, maxDiff: 3e-6 };
const hardware: DeviceFacts = { adapter: nvidia, gpuStart: { ok: true }, parity: passed };

describe("auto's choice of device for the frozen part", () => {
  it('no adapter: the CPU, with the reason Dawn gave', () => {
    expect(chooseFrozenDevice({ adapter: null, noAdapterReason: 'webgpu (Dawn for Node): not installed' })).toEqual({
      device: 'cpu',
      why: 'no GPU adapter: webgpu (Dawn for Node): not installed',
    });
  });

  it('a software adapter: the CPU at once, named, whatever else is known', () => {
    const d = chooseFrozenDevice({ adapter: swiftshader, gpuStart: { ok: true }, parity: passed, timing: { gpuImagesPerSecond: 1000, cpuImagesPerSecond: 1 } });
    expect(d).toEqual({ device: 'cpu', why: 'the only GPU adapter is software (SwiftShader): it is for tests, never for speed' });
    expect(chooseFrozenDevice({ adapter: { name: 'llvmpipe (LLVM 15.0.6, 256 bits)', vendor: 'mesa', architecture: '', software: true } })).toMatchObject({
      device: 'cpu',
      why: expect.stringContaining('(lavapipe)'),
    });
  });

  it('a hardware adapter: start the runtime, then check parity, then time both, in that order', () => {
    expect(chooseFrozenDevice({ adapter: nvidia })).toEqual({ next: 'start' });
    expect(chooseFrozenDevice({ adapter: nvidia, gpuStart: { ok: true } })).toEqual({ next: 'parity' });
    expect(chooseFrozenDevice(hardware)).toEqual({ next: 'timing' });
  });

  it('a hardware adapter whose runtime does not start: the CPU, with the error', () => {
    expect(chooseFrozenDevice({ adapter: nvidia, gpuStart: { ok: false, error: 'External buffers are not allowed' } })).toEqual({
      device: 'cpu',
      why: 'WebGPU on NVIDIA H200 did not start: External buffers are not allowed',
    });
  });

  it('a hardware adapter that fails parity: the CPU, with the difference, never timed', () => {
    expect(
      chooseFrozenDevice({
        adapter: nvidia,
        gpuStart: { ok: true },
        parity: { passed: false, maxDiff: 0.25 },
        timing: { gpuImagesPerSecond: 1000, cpuImagesPerSecond: 1 },
      }),
    ).toEqual({ device: 'cpu', why: 'WebGPU on NVIDIA H200 failed the parity check against TF.js (relative difference 2.50e-1)' });
  });

  it('a hardware adapter, parity passed, slower (or only as fast): the CPU, with both speeds', () => {
    expect(chooseFrozenDevice({ ...hardware, timing: { gpuImagesPerSecond: 81, cpuImagesPerSecond: 489 } })).toEqual({
      device: 'cpu',
      why: 'WebGPU on NVIDIA H200 was slower than the CPU path on the first images (81.0 against 489 images/s)',
    });
    expect(chooseFrozenDevice({ ...hardware, timing: { gpuImagesPerSecond: 200, cpuImagesPerSecond: 200 } })).toMatchObject({ device: 'cpu' });
    expect(chooseFrozenDevice({ ...hardware, timing: { gpuImagesPerSecond: Number.NaN, cpuImagesPerSecond: 200 } })).toMatchObject({ device: 'cpu' });
  });

  it('a hardware adapter, parity passed, faster: the GPU, with both speeds', () => {
    expect(chooseFrozenDevice({ ...hardware, timing: { gpuImagesPerSecond: 2234, cpuImagesPerSecond: 966 } })).toEqual({
      device: 'gpu',
      why: 'WebGPU on NVIDIA H200 was faster than the CPU path on the first images (2234 against 966 images/s) and passed the parity check',
    });
  });

  it('names adapters as people know them', () => {
    expect(adapterLabel(swiftshader)).toBe('SwiftShader');
    expect(adapterLabel(nvidia)).toBe('NVIDIA H200');
    expect(adapterLabel({ name: '', vendor: 'nvidia', architecture: 'ampere' })).toBe('ampere');
  });
});

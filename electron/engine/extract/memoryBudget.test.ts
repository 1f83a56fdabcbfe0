import { describe, expect, it } from 'vitest';
import { availableMemoryBytes, isOutOfMemory, planExtraction } from './memoryBudget';

const MiB = 1024 * 1024;
// MobileNetV2 at 224: 3.5 M weights, a 112×112×96 activation at its widest
const mobilenet = { weightsBytes: 14 * MiB, peakActivationFloats: 112 * 112 * 96, inputFloats: 224 * 224 * 3 };

describe('sizing extraction by free memory', () => {
  it('reads the memory available now', () => {
    expect(availableMemoryBytes()).toBeGreaterThan(16 * MiB);
  });

  it('uses big batches and every core when memory is plentiful', () => {
    const plan = planExtraction({ ...mobilenet, items: 1000, available: 16_000 * MiB, maxWorkers: 2 });
    expect(plan.workers).toBe(2);
    expect(plan.batchSize).toBe(16);
  });

  it('shrinks batches, then workers, as memory runs short (a Jetson with 4 GB shared)', () => {
    const roomy = planExtraction({ ...mobilenet, items: 1000, available: 16_000 * MiB, maxWorkers: 2 });
    const tight = planExtraction({ ...mobilenet, items: 1000, available: 500 * MiB, maxWorkers: 2 });
    const starved = planExtraction({ ...mobilenet, items: 1000, available: 150 * MiB, maxWorkers: 2 });
    expect(tight.batchSize).toBeLessThan(roomy.batchSize);
    expect(starved.workers).toBe(1);
    expect(starved.batchSize).toBe(1);
    // what it plans fits in half of what is available, when anything fits at all
    expect(tight.workers * (mobilenet.weightsBytes * 2 + 96 * MiB + tight.batchSize * tight.bytesPerImage)).toBeLessThanOrEqual(250 * MiB);
  });

  it('does not start workers for a handful of images', () => {
    expect(planExtraction({ ...mobilenet, items: 5, available: 16_000 * MiB, maxWorkers: 4 }).workers).toBe(1);
  });

  it('recognises allocation failures of wasm, V8 and native TensorFlow', () => {
    expect(isOutOfMemory(new RangeError('Array buffer allocation failed'))).toBe(true);
    expect(isOutOfMemory(new Error('Aborted(OOM). Build with -sASSERTIONS for more info.'))).toBe(true);
    expect(isOutOfMemory(new Error('OOM when allocating tensor with shape[32,112,112,96]'))).toBe(true);
    expect(isOutOfMemory(new Error('layer flatten_1 not found'))).toBe(false);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeldClassifier, type LiveClassifier } from './liveClassifier';

/** a stand-in for a run held open: it answers with its own folder's name and counts its closing */
function fakeLive(runDir: string, log: string[]): LiveClassifier {
  return {
    runDir,
    frozenBy: 'ONNX Runtime (CPU)',
    classify: async () => ({ answers: [{ className: runDir, probability: 1 }], ms: { decode: 1, frozen: 2, head: 0.1, total: 3.1 } }),
    close: async () => void log.push(`closed ${runDir}`),
  } as unknown as LiveClassifier;
}

describe('the run held open for frames', () => {
  afterEach(() => vi.useRealTimers());

  it('opens a run once for its frames, and closes it when another run is asked', async () => {
    const log: string[] = [];
    const open = vi.fn(async (runDir: string) => (log.push(`opened ${runDir}`), fakeLive(runDir, log)));
    const held = new HeldClassifier(open);
    // frames that come while it opens wait for the same opening
    const answers = await Promise.all([held.classify('/runs/a', new Uint8Array(1)), held.classify('/runs/a', new Uint8Array(1))]);
    expect(answers.map((a) => a.answers[0]!.className)).toEqual(['/runs/a', '/runs/a']);
    expect(answers[0]!.frozenBy).toBe('ONNX Runtime (CPU)');
    await held.classify('/runs/b', new Uint8Array(1));
    await held.release();
    expect(log).toEqual(['opened /runs/a', 'opened /runs/b', 'closed /runs/a', 'closed /runs/b']);
  });

  it('lets the run go after a minute without a frame', async () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const held = new HeldClassifier(async (runDir) => fakeLive(runDir, log), 60_000);
    await held.classify('/runs/a', new Uint8Array(1));
    await vi.advanceTimersByTimeAsync(59_000);
    await held.classify('/runs/a', new Uint8Array(1));
    await vi.advanceTimersByTimeAsync(59_000);
    expect(log).toEqual([]);
    expect(held.runDir).toBe('/runs/a');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(log).toEqual(['closed /runs/a']);
    expect(held.runDir).toBeNull();
  });

  it('tries a run that would not open afresh at the next frame', async () => {
    let fail = true;
    const held = new HeldClassifier(async (runDir) => {
      if (fail) throw new Error(`${runDir}/run.json is damaged`);
      return fakeLive(runDir, []);
    });
    await expect(held.classify('/runs/a', new Uint8Array(1))).rejects.toThrow(/damaged/);
    fail = false;
    await expect(held.classify('/runs/a', new Uint8Array(1))).resolves.toMatchObject({ answers: [{ className: '/runs/a' }] });
    await held.release();
  });
});

import { describe, expect, it } from 'vitest';
import { cameraProblem, frameRate, liveFramesPerSecond, runFrames, type FrameAnswer, type ShownAnswer } from './liveCamera';

const answer = (className: string): FrameAnswer => ({
  answers: [{ className, probability: 0.9 }],
  ms: { decode: 1, frozen: 8, head: 0.2, total: 9.2 },
  frozenBy: 'ONNX Runtime (CPU)',
});

describe('the live camera', () => {
  it('says why a camera did not start, in words a user can act on', () => {
    expect(cameraProblem(null, false)).toMatch(/secure page.*127\.0\.0\.1/);
    expect(cameraProblem({ name: 'NotAllowedError' }, true)).toMatch(/refused.*Allow it/);
    expect(cameraProblem({ name: 'NotFoundError' }, true)).toMatch(/No camera was found/);
    expect(cameraProblem({ name: 'NotReadableError' }, true)).toMatch(/in use by another program/);
    expect(cameraProblem(new Error('odd'), true)).toBe('The camera did not start: odd');
  });

  it('counts frames a second over the last few answers', () => {
    expect(frameRate([])).toBe(0);
    expect(frameRate([100])).toBe(0);
    expect(frameRate([0, 100, 200, 300, 400])).toBeCloseTo(10);
    // only the last 3: a slow start does not drag the figure
    expect(frameRate([0, 1000, 1050, 1100], 3)).toBeCloseTo(20);
  });

  it('sends one frame at a time, waits for a picture, and shows nothing after a stop', async () => {
    const ac = new AbortController();
    let clock = 0;
    let inFlight = 0;
    let most = 0;
    const grabs = [null, 'f1', 'f2', 'f3'];
    const shown: ShownAnswer[] = [];
    const asked: string[] = [];
    await runFrames({
      grab: async () => (grabs.length ? grabs.shift()! : 'f4'),
      ask: async (b) => {
        inFlight++;
        most = Math.max(most, inFlight);
        asked.push(b);
        clock += 50;
        await Promise.resolve();
        inFlight--;
        // the answer to the fourth frame comes after the stop
        if (b === 'f4') ac.abort();
        return answer(b);
      },
      show: (a) => shown.push(a),
      signal: ac.signal,
      now: () => clock,
      wait: async (ms) => void (clock += ms),
    });
    expect(asked).toEqual(['f1', 'f2', 'f3', 'f4']);
    expect(most).toBe(1);
    expect(shown.map((s) => s.answers[0]!.className)).toEqual(['f1', 'f2', 'f3']);
    expect(shown[0]!.roundTripMs).toBe(50);
    // 50 ms a frame, then a wait to the 100 ms a frame the live view keeps to
    expect(shown[2]!.fps).toBeCloseTo(liveFramesPerSecond);
  });

  it('reads the frames it keeps to, not a faster rate, while the first frames are slow (the run opening)', async () => {
    const ac = new AbortController();
    let clock = 0;
    // the first answer waits 300 ms for the run to open; the next ones take 20 ms
    const roundTrips = [300, 120, 60, ...Array<number>(14).fill(20)];
    const shown: ShownAnswer[] = [];
    await runFrames({
      grab: async () => 'f',
      ask: async () => {
        clock += roundTrips.shift() ?? 20;
        if (!roundTrips.length) ac.abort();
        return answer('f');
      },
      show: (a) => shown.push(a),
      signal: ac.signal,
      now: () => clock,
      wait: async (ms) => void (clock += ms),
    });
    // frames start every 100 ms once the slow ones are past: the figure never says more than
    // that (the answers' own times said 11.5 here, and about 15 in the app), and says it once
    // the slow ones have left its window
    for (const a of shown) expect(a.fps).toBeLessThanOrEqual(liveFramesPerSecond + 1e-9);
    expect(shown.at(-1)!.fps).toBeCloseTo(liveFramesPerSecond);
  });

  it('ends on an error the run gives, and says it to the caller', async () => {
    await expect(
      runFrames({
        grab: async () => 'f',
        ask: async () => Promise.reject(new Error('The run folder /runs/a is gone.')),
        show: () => undefined,
        signal: new AbortController().signal,
        wait: async () => undefined,
      }),
    ).rejects.toThrow(/is gone/);
  });
});

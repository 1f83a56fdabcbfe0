import type { RequestOutput } from '../../../../shared/contract';

/**
 * The live camera's parts that are not a video element: what a refused camera means, the loop
 * that sends one frame at a time (the next only once the last is answered, so a slow machine
 * drops frames rather than queueing them), and the frame rate shown.
 */

/** a sentence for why the camera did not start, from getUserMedia's error */
export function cameraProblem(e: unknown, secure: boolean): string {
  if (!secure)
    return 'Browsers give a camera only to a secure page: open the app at http://127.0.0.1 or http://localhost (an SSH tunnel for a Jetson), or use the desktop app.';
  const name = (e as { name?: string } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'The camera was refused. Allow it for this page (the camera icon in the address bar), then start again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Plug in a USB webcam, then start again (a Jetson’s CSI camera module gives raw sensor data, not a webcam’s, which browsers cannot read).';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is in use by another program, or its driver did not answer. Close the other program, then start again.';
    default:
      return `The camera did not start: ${(e as Error | null)?.message ?? String(e)}`;
  }
}

/** the engine's answer to one frame, as the contract has it */
export type FrameAnswer = RequestOutput<'run.classifyFrame'>;

export interface ShownAnswer extends FrameAnswer {
  /** from the frame's grab to its answer, on the page's clock: what the user waits */
  roundTripMs: number;
  /** frames answered a second, over the last few */
  fps: number;
}

/** frames a second over answers that came at these times (ms), the last `window` of them */
export function frameRate(times: readonly number[], window = 10): number {
  const recent = times.slice(-window);
  if (recent.length < 2) return 0;
  const span = recent[recent.length - 1]! - recent[0]!;
  return span > 0 ? ((recent.length - 1) * 1000) / span : 0;
}

/**
 * A live view needs no more frames than this a second: the rest of the machine (a training run,
 * a Jetson's few cores) stays free, and a page that draws without pause starves its own
 * compositor on a small machine.
 */
export const liveFramesPerSecond = 10;

/**
 * Grabs a frame, asks for its answer, shows it, and goes on until stopped: one frame in flight
 * at a time, at most `liveFramesPerSecond` of them. `grab` gives null while the video has no
 * picture yet (it is tried again shortly).
 * An error ends the loop and is thrown to the caller; a stop ends it quietly, and an answer
 * that comes after the stop is not shown.
 */
export async function runFrames(o: {
  grab(): Promise<string | null>;
  ask(base64: string): Promise<FrameAnswer>;
  show(a: ShownAnswer): void;
  signal: AbortSignal;
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
}): Promise<void> {
  const now = o.now ?? (() => performance.now());
  const wait = o.wait ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // when each answered frame was grabbed: the frames' own pace. The answers' times would read
  // fast while the first, slow frames (the run opening) fall out of the window.
  const grabbedAt: number[] = [];
  while (!o.signal.aborted) {
    const t0 = now();
    const frame = await o.grab();
    if (o.signal.aborted) return;
    if (frame === null) {
      await wait(100);
      continue;
    }
    const answer = await o.ask(frame);
    if (o.signal.aborted) return;
    const t1 = now();
    grabbedAt.push(t0);
    if (grabbedAt.length > 30) grabbedAt.shift();
    o.show({ ...answer, roundTripMs: t1 - t0, fps: frameRate(grabbedAt) });
    // the next frame when its turn comes, and always a breath for the page between two
    await wait(Math.max(10, 1000 / liveFramesPerSecond - (t1 - t0)));
  }
}

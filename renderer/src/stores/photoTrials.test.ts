// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { base64Length, photoRequestBytes, photosPerRequest } from '../../../shared/contract';
import { fail, handle, resetApi, sent } from '../testing/mockApi';
import { useNoticeStore } from './notices';
import { packRequests, usePhotoTrialStore } from './photoTrials';

vi.mock('../api/client', () => import('../testing/mockApi'));

const runA = { runDir: '/runs/a', id: 'run-a' };
const runB = { runDir: '/runs/b', id: 'run-b' };
const photo = (name: string, text = name) => new File([text], name, { type: 'image/png' });
const decoded = (b64: string) => atob(b64);

/** answers each photo with its own bytes as the class, so a test sees which run said what */
function answerBy(run: string) {
  handle('run.classify', ({ runDir, photos }) => {
    expect(runDir).toBe(run);
    return {
      answers: photos.map((p) =>
        decoded(p.base64) === 'broken'
          ? { file: p.name, error: 'not an image (it looks like a text file)' }
          : {
              file: p.name,
              top: [
                { className: `${decoded(p.base64)}@${run}`, probability: 0.9 },
                { className: 'other', probability: 0.1 },
              ],
            },
      ),
    };
  });
}

describe('usePhotoTrialStore', () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });

  it('sends the photos as their bytes in one request and shows each answer, or why there is none', async () => {
    answerBy('/runs/a');
    const store = usePhotoTrialStore();
    await store.add([photo('bag.png', 'bag'), photo('notes.png', 'broken')], runA);
    expect(sent('run.classify')).toHaveLength(1);
    expect(sent('run.classify')[0]!.photos.map((p) => [p.name, decoded(p.base64)])).toEqual([
      ['bag.png', 'bag'],
      ['notes.png', 'broken'],
    ]);
    expect(store.trials.map((t) => [t.name, t.status, t.top[0]?.className ?? t.error])).toEqual([
      ['bag.png', 'answered', 'bag@/runs/a'],
      ['notes.png', 'failed', 'not an image (it looks like a text file)'],
    ]);
    expect(store.trials.every((t) => t.url.startsWith('blob:'))).toBe(true);
  });

  it('asks another run about the same photos', async () => {
    answerBy('/runs/a');
    const store = usePhotoTrialStore();
    await store.add([photo('bag.png', 'bag')], runA);
    answerBy('/runs/b');
    await store.askRun(runB);
    expect(store.trials.map((t) => [t.runId, t.top[0]?.className])).toEqual([['run-b', 'bag@/runs/b']]);
    // asked of the run that already answered, nothing is sent
    await store.askRun(runB);
    expect(sent('run.classify')).toHaveLength(2);
  });

  it("keeps the newest run's answer when an older one arrives last", async () => {
    let releaseA: () => void = () => undefined;
    handle('run.classify', async ({ runDir, photos }) => {
      if (runDir === '/runs/a') await new Promise<void>((r) => (releaseA = r));
      return { answers: photos.map((p) => ({ file: p.name, top: [{ className: runDir, probability: 1 }] })) };
    });
    const store = usePhotoTrialStore();
    const first = store.add([photo('bag.png')], runA);
    await vi.waitFor(() => expect(sent('run.classify')).toHaveLength(1));
    await store.askRun(runB);
    releaseA();
    await first;
    expect(store.trials.map((t) => [t.runId, t.status, t.top[0]?.className])).toEqual([['run-b', 'answered', '/runs/b']]);
  });

  it('a request that fails marks its photos and says why once', async () => {
    fail('run.classify', { code: 'RUN_NOT_FOUND', message: '/runs/a is not a run folder (no run.json).' });
    const store = usePhotoTrialStore();
    await store.add([photo('a.png'), photo('b.png')], runA);
    expect(store.trials.map((t) => t.status)).toEqual(['failed', 'failed']);
    expect(useNoticeStore().notices.map((n) => n.message)).toEqual([expect.stringContaining('is not a run folder')]);
  });

  it('a photo over what a request carries, where no smaller copy can be made, says so and sends nothing', async () => {
    answerBy('/runs/a');
    const store = usePhotoTrialStore();
    await store.add([new File([new Uint8Array(photoRequestBytes + 1)], 'huge.png')], runA);
    expect(store.trials[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^too large to send \(10\.0 MiB\)/) });
    expect(sent('run.classify')).toHaveLength(0);
  });

  it('removes a photo, and clears them all', async () => {
    answerBy('/runs/a');
    const store = usePhotoTrialStore();
    await store.add([photo('a.png'), photo('b.png'), photo('c.png')], runA);
    store.remove(store.trials[1]!.id);
    expect(store.trials.map((t) => t.name)).toEqual(['a.png', 'c.png']);
    store.clear();
    expect(store.trials).toEqual([]);
  });
});

describe('packRequests', () => {
  const p = (bytes: number) => ({ base64: 'x'.repeat(base64Length(bytes)) });
  it('fills a request up to the byte limit, in order, and starts another past it', () => {
    const big = photoRequestBytes / 2;
    const packed = packRequests([p(big), p(big), p(1), p(big)]);
    expect(packed.map((r) => r.length)).toEqual([2, 2]);
  });
  it('never puts more than photosPerRequest photos in one request', () => {
    const packed = packRequests(Array.from({ length: photosPerRequest + 1 }, () => p(10)));
    expect(packed.map((r) => r.length)).toEqual([photosPerRequest, 1]);
  });
});

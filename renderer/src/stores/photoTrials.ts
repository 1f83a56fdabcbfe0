import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import { base64Length, photoCopySide, photoRequestBytes, photosPerRequest } from '../../../shared/contract';
import { api } from '../api/client';
import { base64Of } from '../util/base64';
import { formatBytes } from '../util/format';
import { useNoticeStore } from './notices';

/** a photo the user tried the classifier on, and what the run said */
export interface PhotoTrial {
  id: number;
  name: string;
  /** an object URL of the photo as the user gave it, for the card */
  url: string;
  status: 'asking' | 'answered' | 'failed';
  /** every class, most likely first */
  top: readonly { className: string; probability: number }[];
  error: string | null;
  /** sent as a smaller copy: the photo was over what one request carries */
  shrunk: boolean;
  /** the run that answered (or is asked) */
  runId: string;
  /** a frame the camera made: it is nowhere else, so its card offers to save it */
  captured: boolean;
}

interface Photo {
  name: string;
  base64: string;
  shrunk: boolean;
}

/** a photo too large for one request, as a JPEG copy whose longest side is photoCopySide */
async function smallerCopy(file: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  try {
    const scale = Math.min(1, photoCopySide / Math.max(bitmap.width, bitmap.height));
    const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
  } finally {
    bitmap.close();
  }
}

/** a photo as a request carries it: its bytes, or a smaller copy where they are too many (null: not even that) */
async function photoOf(file: File): Promise<Photo | { error: string }> {
  if (file.size <= photoRequestBytes) return { name: file.name, base64: await base64Of(file), shrunk: false };
  let copy: Blob;
  try {
    copy = await smallerCopy(file);
  } catch {
    return { error: `too large to send (${formatBytes(file.size)}), and not an image this browser can make a smaller copy of` };
  }
  if (copy.size > photoRequestBytes) return { error: `too large to send, even as a ${photoCopySide}-pixel copy` };
  return { name: file.name, base64: await base64Of(copy), shrunk: true };
}

/** photos in the order given, in requests of at most photoRequestBytes and photosPerRequest */
export function packRequests<P extends { base64: string }>(photos: readonly P[], limit = base64Length(photoRequestBytes)): P[][] {
  const requests: P[][] = [];
  let size = 0;
  for (const p of photos) {
    const last = requests.at(-1);
    if (!last || last.length >= photosPerRequest || size + p.base64.length > limit) {
      requests.push([p]);
      size = p.base64.length;
    } else {
      last.push(p);
      size += p.base64.length;
    }
  }
  return requests;
}

/**
 * The Evaluate step's "try it": photos the user drops or chooses, answered by the run shown.
 * The photos stay (as the user's own files) so another run can be asked about the same ones.
 */
export const usePhotoTrialStore = defineStore('photoTrials', () => {
  const trials = ref<PhotoTrial[]>([]);
  const files = new Map<number, File>();
  let nextId = 1;
  /** answers to an earlier ask are dropped once a newer one began for the same photo */
  const asked = new Map<number, number>();
  let askCount = 0;

  function patch(id: number, change: Partial<PhotoTrial>): void {
    trials.value = trials.value.map((t) => (t.id === id ? { ...t, ...change } : t));
  }

  async function ask(ids: number[], run: { runDir: string; id: string }): Promise<void> {
    const ask = ++askCount;
    for (const id of ids) {
      asked.set(id, ask);
      patch(id, { status: 'asking', top: [], error: null, runId: run.id });
    }
    const current = (id: number) => asked.get(id) === ask && files.has(id);
    const ready: (Photo & { id: number })[] = [];
    for (const id of ids) {
      const got = await photoOf(files.get(id)!).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
      if (!current(id)) continue;
      if ('error' in got) patch(id, { status: 'failed', error: got.error });
      else ready.push({ ...got, id });
    }
    for (const batch of packRequests(ready)) {
      try {
        const { answers } = await api.call('run.classify', { runDir: run.runDir, photos: batch.map(({ name, base64 }) => ({ name, base64 })) });
        batch.forEach((p, i) => {
          if (!current(p.id)) return;
          const a = answers[i]!;
          patch(p.id, 'top' in a ? { status: 'answered', top: a.top, shrunk: p.shrunk } : { status: 'failed', error: a.error });
        });
      } catch (e) {
        for (const p of batch) if (current(p.id)) patch(p.id, { status: 'failed', error: 'not answered (see the message above)' });
        useNoticeStore().report(e, 'Trying the classifier on photos');
      }
    }
  }

  /** new photos, asked of the run at once; anything that is not an image file gets its reason too */
  async function add(given: readonly File[], run: { runDir: string; id: string }, o: { captured?: boolean } = {}): Promise<void> {
    const ids: number[] = [];
    for (const file of given) {
      const id = nextId++;
      files.set(id, file);
      ids.push(id);
      trials.value = [
        ...trials.value,
        {
          id,
          name: file.name,
          url: URL.createObjectURL(file),
          status: 'asking',
          top: [],
          error: null,
          shrunk: false,
          runId: run.id,
          captured: o.captured ?? false,
        },
      ];
    }
    await ask(ids, run);
  }

  /** the same photos, asked of another run */
  async function askRun(run: { runDir: string; id: string }): Promise<void> {
    const ids = trials.value.filter((t) => t.runId !== run.id).map((t) => t.id);
    if (ids.length) await ask(ids, run);
  }

  function remove(id: number): void {
    const t = trials.value.find((x) => x.id === id);
    if (t) URL.revokeObjectURL(t.url);
    files.delete(id);
    trials.value = trials.value.filter((x) => x.id !== id);
  }

  function clear(): void {
    for (const t of trials.value) remove(t.id);
  }

  return { trials: readonly(trials), add, askRun, remove, clear };
});

import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import { defaultSplit, type DatasetImage, type DatasetScan, type SplitFractions } from '../../../shared/dataset';
import { api } from '../api/client';
import { useNoticeStore } from './notices';

/**
 * The dataset step: which folder, how it is split, what the scan found. The split is by a
 * hash of each file's path in the engine, so rescanning with the same fractions gives the same
 * split, and changing them only moves the images it must.
 */
export const useDatasetStore = defineStore('dataset', () => {
  /** what the path field holds */
  const path = ref('');
  /** the folder the project refers to: scanned, or restored from a project and about to be */
  const root = ref<string | null>(null);
  const split = ref<SplitFractions>({ ...defaultSplit });
  const scan = ref<DatasetScan | null>(null);
  const scanning = ref(false);
  const progress = ref<{ done: number; total: number } | null>(null);
  /** the folder a scan in flight was asked for: progress events for others are not ours */
  let scanningPath: string | null = null;

  api.on('scan.progress', (p) => {
    if (scanning.value && p.path === scanningPath) progress.value = { done: p.done, total: p.total };
  });

  const classCount = computed(() => scan.value?.classes.length ?? 0);
  const imageCount = computed(() => scan.value?.images.length ?? 0);
  const errorCount = computed(() => scan.value?.problems.filter((p) => p.severity === 'error').length ?? 0);
  const warningCount = computed(() => scan.value?.problems.filter((p) => p.severity === 'warning').length ?? 0);
  const maxClassCount = computed(() => Math.max(1, ...(scan.value?.classSummaries.map((c) => c.count) ?? [])));
  /** Has the split been edited since the last scan? Then the counts shown are stale. */
  const splitChanged = computed(() => scan.value !== null && (scan.value.split.val !== split.value.val || scan.value.split.test !== split.value.test));
  /** enough to train on; problems marked as errors are shown loudly but the engine trains anyway */
  const ready = computed(() => scan.value !== null && classCount.value >= 2);

  function setPath(p: string): void {
    path.value = p;
  }

  function setSplit(s: Partial<SplitFractions>): void {
    split.value = { ...split.value, ...s };
  }

  async function scanFolder(folder: string = path.value): Promise<boolean> {
    const target = folder.trim();
    if (!target) {
      useNoticeStore().report(new Error('Type or choose the folder that holds one sub-folder per class.'), 'Scanning the dataset');
      return false;
    }
    path.value = target;
    scanning.value = true;
    scanningPath = target;
    progress.value = null;
    try {
      scan.value = await api.call('dataset.scan', { path: target, split: split.value });
      split.value = { ...scan.value.split };
      root.value = scan.value.root;
      return true;
    } catch (e) {
      useNoticeStore().report(e, 'Scanning the dataset');
      return false;
    } finally {
      scanning.value = false;
      scanningPath = null;
      progress.value = null;
    }
  }

  /** the first few images of a class in one split, for thumbnails */
  function examples(classIndex: number, n: number, which?: DatasetImage['split']): DatasetImage[] {
    const out: DatasetImage[] = [];
    for (const img of scan.value?.images ?? []) {
      if (img.label === classIndex && (!which || img.split === which)) out.push(img);
      if (out.length >= n) break;
    }
    return out;
  }

  function reset(): void {
    path.value = '';
    root.value = null;
    split.value = { ...defaultSplit };
    scan.value = null;
  }

  /** restore what a project file or draft recorded; the caller rescans */
  function restore(p: { root: string; split: SplitFractions }): void {
    path.value = p.root;
    root.value = p.root;
    split.value = { ...p.split };
    scan.value = null;
  }

  return {
    path: readonly(path),
    root: readonly(root),
    split: readonly(split),
    scan: readonly(scan),
    scanning: readonly(scanning),
    progress: readonly(progress),
    classCount,
    imageCount,
    errorCount,
    warningCount,
    maxClassCount,
    splitChanged,
    ready,
    setPath,
    setSplit,
    scanFolder,
    examples,
    reset,
    restore,
  };
});

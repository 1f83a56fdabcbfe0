import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { TransferLabErrorData } from '../../../shared/errors';
import type { RunExtraction } from '../../../shared/extraction';
import { describeFrozenPart, frozenPartWhy, type BackendFacts, type ExtractorFacts } from '../../../shared/runFacts';
import type { EpochEvent, JobEvent, LogEvent, PhaseEvent, ProgressEvent } from '../api/types';

/** the log lines a run keeps: the newest, so a long run does not grow without end */
export const LOG_LIMIT = 200;

/**
 * The epochs with `event` in its place, one per epoch number, in order: replaying a snapshot
 * may repeat an epoch already drawn, and the later word on it wins.
 */
export function withEpoch(list: readonly EpochEvent[], event: EpochEvent): EpochEvent[] {
  return [...list.filter((e) => e.epoch !== event.epoch), event].sort((a, b) => a.epoch - b.epoch);
}

/** the last `limit` log lines, the newest last */
export function withLog(logs: readonly LogEvent[], event: LogEvent, limit = LOG_LIMIT): LogEvent[] {
  return [...logs.slice(-(limit - 1)), event];
}

/**
 * What the UI shows of the run in hand: its curves, phase, progress and log, what the engine
 * reported about how it runs, and how it ended. Drawn from the job's events; the training store
 * holds one and clears it when a sweep's next run starts. Plain Vue refs: made inside the
 * store's setup, they belong to the store.
 */
export function createRunView() {
  const epochs = shallowRef<EpochEvent[]>([]);
  const phase = ref<PhaseEvent | null>(null);
  const progress = ref<ProgressEvent | null>(null);
  const logs = ref<LogEvent[]>([]);
  /** what the engine reported about how this run runs: typed facts, not log text */
  const backend = ref<BackendFacts | null>(null);
  const extractor = ref<ExtractorFacts | null>(null);
  const extraction = ref<RunExtraction | null>(null);
  const error = ref<TransferLabErrorData | null>(null);
  const runDir = ref<string | null>(null);
  /** the finished run's id: its folder moves when the project is saved, the id does not */
  const runId = ref<string | null>(null);

  const lastEpoch = computed(() => epochs.value[epochs.value.length - 1] ?? null);
  const lastLog = computed(() => logs.value[logs.value.length - 1] ?? null);
  /** the backend the engine reported for this run, and why (its `facts` event) */
  const backendNote = computed(() => backend.value?.reason ?? null);
  /** what runs the frozen part (a later `facts` event, a fallback, wins) */
  const extractorNote = computed(() => describeFrozenPart(extractor.value, extraction.value));
  /** why it runs there (on a line of its own under the note) */
  const extractorWhy = computed(() => frozenPartWhy(extractor.value, extraction.value));

  function apply(event: JobEvent): void {
    switch (event.type) {
      case 'epoch': {
        // the usual case, the next epoch, appends in place: a long run is thousands of events
        const list = epochs.value;
        const last = list[list.length - 1];
        if (!last || event.epoch > last.epoch) {
          list.push(event);
          triggerRef(epochs);
        } else {
          epochs.value = withEpoch(list, event);
        }
        break;
      }
      case 'phase':
        // a new phase starts its own progress
        phase.value = event;
        progress.value = null;
        break;
      case 'progress':
        progress.value = event;
        break;
      case 'log':
        logs.value = withLog(logs.value, event);
        break;
      case 'facts':
        if (event.backend) backend.value = event.backend;
        if (event.extractor) extractor.value = event.extractor;
        if (event.extraction) extraction.value = event.extraction;
        break;
    }
  }

  function clear(): void {
    epochs.value = [];
    phase.value = null;
    progress.value = null;
    logs.value = [];
    backend.value = null;
    extractor.value = null;
    extraction.value = null;
    error.value = null;
    runDir.value = null;
    runId.value = null;
  }

  return { epochs, phase, progress, logs, error, runDir, runId, lastEpoch, lastLog, backendNote, extractorNote, extractorWhy, apply, clear };
}

export type RunView = ReturnType<typeof createRunView>;

import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import type { ErrorCode, TransferLabErrorData } from '../../../shared/errors';
import { ApiError } from '../api/client';

export interface Notice {
  id: number;
  /** what the user was doing, e.g. "Scanning the dataset": the action the notice belongs to */
  context: string;
  /** a failure, or news the user should act on (runs added while the app was closed) */
  level: 'error' | 'info';
  code: ErrorCode | 'INFO';
  message: string;
  hint?: string;
  /** the project (its draft id) the notice was raised in */
  project: string | null;
  /** the step it was raised on; null for one about the whole project */
  step: string | null;
  /** where on the page it is shown (beside the card or form the action started from); null: the banner at the top */
  anchor: string | null;
}

export interface NoticeOptions {
  /** 'step' (default): goes when the user moves to another step; 'project': stays until another project is opened */
  scope?: 'step' | 'project';
  /** show it beside what the user clicked (a `<NoticeBanner anchor>` there), not at the top of the page */
  anchor?: string;
}

/**
 * Failures the user should see, as the engine worded them: message and hint, never a stack.
 * Every store reports through here so the banner is the one place errors appear.
 *
 * A notice belongs to where it was raised: the project, the step (unless it is about the
 * whole project) and the action (its context). It goes when its cause goes (the same action
 * succeeds: `resolve`), when the user moves to another step or opens another project, or
 * when dismissed — so a banner never follows the user somewhere it does not apply.
 */
export const useNoticeStore = defineStore('notices', () => {
  const notices = ref<Notice[]>([]);
  let nextId = 1;
  let project: string | null = null;
  let step: string | null = null;

  function add(n: Omit<Notice, 'id' | 'project' | 'step' | 'anchor'>, o: NoticeOptions): Notice {
    const notice: Notice = { ...n, id: nextId++, project, step: o.scope === 'project' ? null : step, anchor: o.anchor ?? null };
    // one banner per action: a retried click that fails again replaces the earlier one
    notices.value = [...notices.value.filter((x) => x.context !== notice.context), notice].slice(-5);
    return notice;
  }

  /** an ApiError, the plain error data a job.finished carries, or anything else thrown */
  function report(error: unknown, context: string, o: NoticeOptions = {}): Notice {
    const data = asErrorData(error);
    return add({ context, level: 'error', code: data.code, message: data.message, ...(data.hint ? { hint: data.hint } : {}) }, o);
  }

  function inform(message: string, context: string, o: NoticeOptions = {}): Notice {
    return add({ context, level: 'info', code: 'INFO', message }, o);
  }

  /** the action `context` succeeded: its failure is no longer true */
  function resolve(context: string): void {
    notices.value = notices.value.filter((n) => n.context !== context);
  }

  /** the user moved to a step (route): notices of other steps go */
  function enterStep(name: string): void {
    step = name;
    notices.value = notices.value.filter((n) => n.step === null || n.step === name);
  }

  /** another project is open now: its notices only */
  function enterProject(id: string): void {
    if (id === project) return;
    project = id;
    notices.value = notices.value.filter((n) => n.project === id);
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  function clear(): void {
    notices.value = [];
  }

  return { notices: readonly(notices), report, inform, resolve, enterStep, enterProject, dismiss, clear };
});

function asErrorData(e: unknown): TransferLabErrorData {
  if (e instanceof ApiError) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  if (typeof e === 'object' && e !== null && 'message' in e && 'code' in e && typeof e.code === 'string') {
    const d = e as TransferLabErrorData;
    return { code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}) };
  }
  // our own validation messages: worded for the user already
  return { code: 'BAD_ARGUMENT', message: e instanceof Error ? e.message : String(e) };
}

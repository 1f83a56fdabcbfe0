import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import type { ErrorCode, TransferLabErrorData } from '../../../shared/errors';
import { ApiError } from '../api/client';

export interface Notice {
  id: number;
  /** what the user was doing, e.g. "Scanning the dataset" */
  context: string;
  code: ErrorCode;
  message: string;
  hint?: string;
}

/**
 * Failures the user should see, as the engine worded them: message and hint, never a stack.
 * Every store reports through here so the banner is the one place errors appear.
 */
export const useNoticeStore = defineStore('notices', () => {
  const notices = ref<Notice[]>([]);
  let nextId = 1;

  /** an ApiError, the plain error data a job.finished carries, or anything else thrown */
  function report(error: unknown, context: string): Notice {
    const data = asErrorData(error);
    const notice: Notice = { id: nextId++, context, code: data.code, message: data.message, ...(data.hint ? { hint: data.hint } : {}) };
    // the same failure twice in a row (a retried click) is one banner, not a stack of them
    notices.value = notices.value.filter((n) => !(n.message === notice.message && n.context === context));
    notices.value.push(notice);
    if (notices.value.length > 5) notices.value.shift();
    return notice;
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  function clear(): void {
    notices.value = [];
  }

  return { notices: readonly(notices), report, dismiss, clear };
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

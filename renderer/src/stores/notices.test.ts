// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../testing/mockApi';
import { useNoticeStore } from './notices';

vi.mock('../api/client', () => import('../testing/mockApi'));

describe('useNoticeStore', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('shows an API error as the engine worded it: message, hint, code', () => {
    const notices = useNoticeStore();
    notices.report(new ApiError({ code: 'DATASET_NOT_FOUND', message: 'No such folder.', hint: 'Check the path.' }), 'Scanning');
    expect(notices.notices).toEqual([expect.objectContaining({ context: 'Scanning', code: 'DATASET_NOT_FOUND', message: 'No such folder.', hint: 'Check the path.' })]);
  });

  it('takes the plain error data a finished job carries', () => {
    const notices = useNoticeStore();
    notices.report({ code: 'OUT_OF_MEMORY', message: 'Out of memory.', hint: 'Use a smaller batch.' }, 'Training');
    expect(notices.notices[0]).toMatchObject({ code: 'OUT_OF_MEMORY', hint: 'Use a smaller batch.' });
  });

  it('never shows a stack, only the message', () => {
    const notices = useNoticeStore();
    const e = new Error('Something broke');
    e.stack = 'Error: Something broke\n    at secret.ts:1:1';
    notices.report(e, 'Doing it');
    expect(JSON.stringify(notices.notices)).not.toContain('secret.ts');
  });

  it('shows a repeated failure once, and dismisses by id', () => {
    const notices = useNoticeStore();
    notices.report(new Error('Same'), 'Ctx');
    const second = notices.report(new Error('Same'), 'Ctx');
    expect(notices.notices).toHaveLength(1);
    notices.dismiss(second.id);
    expect(notices.notices).toHaveLength(0);
  });

  it('keeps its state read-only outside the store', () => {
    const notices = useNoticeStore();
    notices.report(new Error('x'), 'y');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    (notices.notices as unknown as unknown[]).pop();
    warn.mockRestore();
    expect(notices.notices).toHaveLength(1);
  });
});

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
    expect(notices.notices).toEqual([
      expect.objectContaining({ context: 'Scanning', code: 'DATASET_NOT_FOUND', message: 'No such folder.', hint: 'Check the path.' }),
    ]);
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

  it('a notice raised on a step goes when the user moves to another step; one about the project stays', () => {
    const notices = useNoticeStore();
    notices.enterProject('project-a');
    notices.enterStep('dataset');
    notices.report(new ApiError({ code: 'DATASET_NOT_FOUND', message: 'No such folder.' }), 'Scanning the dataset');
    notices.inform('1 run finished while the app was closed and was added; save to keep it.', 'Runs added', { scope: 'project' });
    notices.enterStep('dataset');
    expect(notices.notices).toHaveLength(2);
    notices.enterStep('train');
    expect(notices.notices.map((n) => n.context)).toEqual(['Runs added']);
    notices.enterStep('dataset');
    expect(notices.notices.map((n) => n.context)).toEqual(['Runs added']);
  });

  it("opening another project takes the last one's notices away, even those about the whole project", () => {
    const notices = useNoticeStore();
    notices.enterProject('project-a');
    notices.enterStep('train');
    notices.report(new ApiError({ code: 'DISK_FULL', message: 'The disk is full.' }), 'Saving the project', { scope: 'project' });
    notices.report(new Error('Training failed'), 'Training');
    notices.enterProject('project-b');
    expect(notices.notices).toEqual([]);
  });

  it('a notice goes when its cause goes: the same action succeeding', () => {
    const notices = useNoticeStore();
    notices.report(new ApiError({ code: 'DISK_FULL', message: 'The disk is full.' }), 'Saving the project');
    notices.report(new Error('x'), 'Scanning the dataset');
    notices.resolve('Saving the project');
    expect(notices.notices.map((n) => n.context)).toEqual(['Scanning the dataset']);
  });

  it('a failure of the same action again replaces the earlier one', () => {
    const notices = useNoticeStore();
    notices.report(new Error('first reason'), 'Saving the project');
    notices.report(new Error('second reason'), 'Saving the project');
    expect(notices.notices.map((n) => n.message)).toEqual(['second reason']);
  });
});

// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useNoticeStore } from '../../stores/notices';
import { fail, handle, playDesktop, resetApi, sent } from '../../testing/mockApi';
import ReportPanel from './ReportPanel.vue';

vi.mock('../../api/client', async () => ({ ...(await import('../../testing/mockApi')), reportDownloadUrl: (f: string) => `/download?file=${f}` }));

async function written() {
  const w = mount(ReportPanel, { attachTo: document.body.appendChild(document.createElement('div')) });
  await w.get('[data-testid="report-dest"]').setValue('/home/ana/lab-report.html');
  await w.get('[data-testid="report-write"]').trigger('click');
  await flushPromises();
  return w;
}

describe('the lab report once written', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
    handle('report.export', ({ htmlFile }) => ({ htmlFile, pdfFile: '/home/ana/lab-report.pdf', pdfUnavailable: null }));
    handle('shell.open', () => ({}));
  });

  it('in a browser, offers both files as downloads and nothing to open on the engine machine', async () => {
    const w = await written();
    expect(w.get('[data-testid="report-pdf-download"]').attributes('href')).toBe('/download?file=/home/ana/lab-report.pdf');
    expect(w.find('[data-testid="report-pdf-open"]').exists()).toBe(false);
    expect(w.find('[data-testid="report-reveal"]').exists()).toBe(false);
  });

  it('in the desktop app, opens either file in the system viewer and shows the PDF in its folder', async () => {
    playDesktop(true);
    const w = await written();
    await w.get('[data-testid="report-pdf-open"]').trigger('click');
    await w.get('[data-testid="report-html-open"]').trigger('click');
    await w.get('[data-testid="report-reveal"]').trigger('click');
    await flushPromises();
    expect(sent('shell.open')).toEqual([
      { path: '/home/ana/lab-report.pdf', how: 'open' },
      { path: '/home/ana/lab-report.html', how: 'open' },
      { path: '/home/ana/lab-report.pdf', how: 'reveal' },
    ]);
  });

  it('in the desktop app, says why there is no PDF, and still shows the HTML in its folder', async () => {
    playDesktop(true);
    handle('report.export', ({ htmlFile }) => ({ htmlFile, pdfFile: null, pdfUnavailable: 'no Chromium to print with' }));
    const w = await written();
    expect(w.get('[data-testid="report-result"]').text()).toContain('No PDF: no Chromium to print with');
    await w.get('[data-testid="report-reveal"]').trigger('click');
    await flushPromises();
    expect(sent('shell.open')).toEqual([{ path: '/home/ana/lab-report.html', how: 'reveal' }]);
  });

  it('says why a file could not be opened, in the banner', async () => {
    playDesktop(true);
    fail('shell.open', { code: 'UNSUPPORTED', message: '/home/ana/lab-report.pdf could not be opened: no viewer', hint: 'Open it from the file manager.' });
    const w = await written();
    await w.get('[data-testid="report-pdf-open"]').trigger('click');
    await flushPromises();
    expect(useNoticeStore().notices.map((n) => n.message)).toContain('/home/ana/lab-report.pdf could not be opened: no viewer');
  });
});

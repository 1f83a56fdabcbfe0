import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronMock } from './test/electronMock';
import { reportPdfHandlers } from './reportPdf';

describe('the report as PDF in the desktop app', () => {
  it('prints the written HTML in a hidden window without script, writes the PDF whole, and closes the window', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-pdf-'));
    const html = path.join(dir, 'r.html');
    fs.writeFileSync(html, '<p>report</p>');
    const pdf = path.join(dir, 'r.pdf');
    await expect(reportPdfHandlers()['report.printPdf']({ htmlFile: html, pdfFile: pdf })).resolves.toEqual({ pdfFile: pdf });
    expect(fs.readFileSync(pdf, 'utf8')).toBe('%PDF-1.7 printed');
    expect(fs.readdirSync(dir).sort()).toEqual(['r.html', 'r.pdf']);
    const win = (electronMock.BrowserWindow as unknown as { created: { options: unknown; loadURL: { mock: { calls: unknown[][] } }; destroy: { mock: { calls: unknown[] } } }[] }).created.at(-1)!;
    expect(win.options).toMatchObject({ show: false, webPreferences: { sandbox: true, javascript: false } });
    expect(win.loadURL.mock.calls[0]![0]).toBe(`file://${html}`);
    expect(win.destroy.mock.calls).toHaveLength(1);
  });

  it('refuses a report that was not written', async () => {
    await expect(reportPdfHandlers()['report.printPdf']({ htmlFile: '/no/such.html', pdfFile: '/tmp/x.pdf' })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

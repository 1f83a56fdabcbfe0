import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronMock } from './test/electronMock';
import { reportPdfHandlers } from './reportPdf';
import { reportGeneratorMeta } from '../../shared/ownFiles';

describe('the report as PDF in the desktop app', () => {
  it('prints the written HTML in a hidden window without script, writes the PDF whole, and closes the window', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-pdf-'));
    const html = path.join(dir, 'r.html');
    fs.writeFileSync(html, `<head>${reportGeneratorMeta}</head><p>report</p>`);
    const pdf = path.join(dir, 'r.pdf');
    await expect(reportPdfHandlers()['report.printPdf']({ htmlFile: html, pdfFile: pdf })).resolves.toEqual({ pdfFile: pdf });
    expect(fs.readFileSync(pdf, 'utf8')).toBe('%PDF-1.7 printed');
    expect(fs.readdirSync(dir).sort()).toEqual(['r.html', 'r.pdf']);
    const win = (
      electronMock.BrowserWindow as unknown as {
        created: { options: unknown; loadURL: { mock: { calls: unknown[][] } }; destroy: { mock: { calls: unknown[] } } }[];
      }
    ).created.at(-1)!;
    expect(win.options).toMatchObject({ show: false, webPreferences: { sandbox: true, javascript: false } });
    expect(win.loadURL.mock.calls[0]![0]).toBe(`file://${html}`);
    // the paper is the report's own (@page size, from the locale), not A4 everywhere
    const printed = (win as unknown as { webContents: { printToPDF: { mock: { calls: unknown[][] } } } }).webContents.printToPDF.mock.calls[0]![0];
    expect(printed).toMatchObject({ preferCSSPageSize: true });
    expect(printed).not.toHaveProperty('pageSize');
    expect(win.destroy.mock.calls).toHaveLength(1);
  });

  it('prints only a report the engine wrote, and writes only a .pdf that is missing or ours', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-pdf-'));
    const html = path.join(dir, 'r.html');
    fs.writeFileSync(html, `<head>${reportGeneratorMeta}</head><p>report</p>`);
    const notOurs = path.join(dir, 'thesis.pdf');
    fs.writeFileSync(notOurs, '%PDF-1.7 my thesis');
    const handler = reportPdfHandlers()['report.printPdf'];
    await expect(handler({ htmlFile: html, pdfFile: notOurs })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/not a PDF of a Transfer Lab report/),
    });
    expect(fs.readFileSync(notOurs, 'utf8')).toBe('%PDF-1.7 my thesis');
    await expect(handler({ htmlFile: html, pdfFile: path.join(dir, '.bashrc') })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const plain = path.join(dir, 'page.html');
    fs.writeFileSync(plain, '<p>someone else’s page</p>');
    await expect(handler({ htmlFile: plain, pdfFile: path.join(dir, 'p.pdf') })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/not a Transfer Lab report/),
    });
    const ours = path.join(dir, 'again.pdf');
    fs.writeFileSync(ours, '%PDF-1.4\n<</Title (Lab \\(x\\) — Transfer Lab)>>');
    await expect(handler({ htmlFile: html, pdfFile: ours })).resolves.toEqual({ pdfFile: ours });
  });

  it('refuses a report that was not written', async () => {
    await expect(reportPdfHandlers()['report.printPdf']({ htmlFile: '/no/such.html', pdfFile: '/tmp/x.pdf' })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

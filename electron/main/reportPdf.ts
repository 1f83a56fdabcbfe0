import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BrowserWindow } from 'electron';
import type { Handlers } from '../../shared/rpc';
import { TransferLabError } from '../../shared/errors';

/**
 * The lab report as PDF in the desktop app: the HTML the engine wrote is loaded in a hidden,
 * sandboxed window with no preload and no script, and printed by Chromium's own PDF writer.
 */
export function reportPdfHandlers(): Pick<Handlers, 'report.printPdf'> {
  return {
    'report.printPdf': async ({ htmlFile, pdfFile }) => {
      if (!fs.existsSync(htmlFile)) throw new TransferLabError('BAD_ARGUMENT', `${htmlFile} does not exist.`, 'Write the report first.');
      const win = new BrowserWindow({ show: false, webPreferences: { sandbox: true, contextIsolation: true, javascript: false } });
      try {
        await win.loadURL(pathToFileURL(htmlFile).href);
        const pdf = await win.webContents.printToPDF({ printBackground: true, pageSize: 'A4', margins: { top: 0.6, bottom: 0.6, left: 0.55, right: 0.55 } });
        const partial = `${pdfFile}.part`;
        fs.writeFileSync(partial, pdf);
        fs.renameSync(partial, pdfFile);
        return { pdfFile };
      } finally {
        win.destroy();
      }
    },
  };
}

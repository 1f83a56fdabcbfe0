import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BrowserWindow } from 'electron';
import type { Handlers } from '../../shared/rpc';
import { TransferLabError } from '../../shared/errors';
import { isOurPdf, isOurReportHtml, isPdfName, isReportHtmlName } from '../../shared/ownFiles';

/**
 * The lab report as PDF in the desktop app: the HTML the engine wrote is loaded in a hidden,
 * sandboxed window with no preload and no script, and printed by Chromium's own PDF writer on
 * the paper the report's CSS names (`@page size`, chosen from the locale). It prints only a
 * report the engine wrote, and writes only a .pdf that is missing or one of ours.
 */
export function reportPdfHandlers(): Pick<Handlers, 'report.printPdf'> {
  return {
    'report.printPdf': async ({ htmlFile, pdfFile }) => {
      if (!fs.existsSync(htmlFile)) throw new TransferLabError('BAD_ARGUMENT', `${htmlFile} does not exist.`, 'Write the report first.');
      if (!isReportHtmlName(htmlFile) || !isOurReportHtml(readLatin1(htmlFile)))
        throw new TransferLabError('BAD_ARGUMENT', `${htmlFile} is not a Transfer Lab report.`, 'Write the report first.');
      if (!isPdfName(pdfFile))
        throw new TransferLabError('BAD_ARGUMENT', `Not writing ${pdfFile}: a PDF's name ends in .pdf.`, 'Choose a name ending in .pdf.');
      if (fs.existsSync(pdfFile) && !(fs.statSync(pdfFile).isFile() && isOurPdf(readLatin1(pdfFile)))) {
        throw new TransferLabError(
          'BAD_ARGUMENT',
          `Not writing ${pdfFile}: a file of that name exists and is not a PDF of a Transfer Lab report.`,
          'Choose another name, or move that file away first.',
        );
      }
      const win = new BrowserWindow({ show: false, webPreferences: { sandbox: true, contextIsolation: true, javascript: false } });
      try {
        await win.loadURL(pathToFileURL(htmlFile).href);
        const pdf = await win.webContents.printToPDF({
          printBackground: true,
          preferCSSPageSize: true,
          margins: { top: 0.6, bottom: 0.6, left: 0.55, right: 0.55 },
        });
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

/** a report or a PDF of one is small: read whole, as bytes */
function readLatin1(file: string): string {
  return fs.readFileSync(file).toString('latin1');
}

import fs from 'node:fs';
import { shell } from 'electron';
import type { Handlers } from '../../shared/rpc';
import { TransferLabError } from '../../shared/errors';
import { isOurPdf, isOurReportHtml, isPdfName, isReportHtmlName } from '../../shared/ownFiles';

/**
 * What a desktop app does with a file it wrote: open it, or show it where it lies. Only a lab
 * report the engine wrote is opened (HTML or PDF, in the system's viewer): opening any path a
 * page names would let it start whatever program a file type opens with. Showing a file or
 * folder in the file manager runs nothing, so any that exists is shown.
 */
export function shellHandlers(): Pick<Handlers, 'shell.open'> {
  return {
    'shell.open': async ({ path: file, how }) => {
      if (!fs.existsSync(file)) throw new TransferLabError('BAD_ARGUMENT', `${file} is not there any more.`, 'It was moved or deleted since it was written.');
      if (how === 'reveal') {
        shell.showItemInFolder(file);
        return {};
      }
      // a PDF names its title where its writer put it, often at its end: the whole file is read (a report is small)
      const text = fs.statSync(file).isFile() && (isReportHtmlName(file) || isPdfName(file)) ? fs.readFileSync(file).toString('latin1') : '';
      const ours = (isReportHtmlName(file) && isOurReportHtml(text)) || (isPdfName(file) && isOurPdf(text));
      if (!ours)
        throw new TransferLabError('BAD_ARGUMENT', `Not opening ${file}: the app opens only the lab reports it wrote.`, 'Open it from the file manager.');
      const failed = await shell.openPath(file);
      if (failed) throw new TransferLabError('UNSUPPORTED', `${file} could not be opened: ${failed}`, 'Open it from the file manager (Show in folder).');
      return {};
    },
  };
}

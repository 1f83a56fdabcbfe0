/**
 * Files Transfer Lab writes over only when it wrote them: a report or project saved onto a
 * name that already holds something else (a thesis, a key, a shell's profile) is refused.
 * Each kind of file carries a mark of its writer, and these read it. Pure: the caller reads
 * the file (the first and last bytes, decoded as latin1) and asks.
 */

export const generatorName = 'Transfer Lab';
/** in the head of every HTML report */
export const reportGeneratorMeta = `<meta name="generator" content="${generatorName}">`;
/** how much of an existing file's start and end the checks need */
export const ownershipProbeBytes = 64 * 1024;

export const isReportHtmlName = (file: string): boolean => /\.html?$/i.test(file);
export const isPdfName = (file: string): boolean => /\.pdf$/i.test(file);
/** `file` as a report name: `.html` added where it has no .html/.htm */
export const withReportExtension = (file: string): string => (isReportHtmlName(file) ? file : `${file}.html`);
/** the PDF written beside an HTML report */
export const reportPdfName = (htmlFile: string): string => `${htmlFile.replace(/\.html?$/i, '')}.pdf`;

export function isOurReportHtml(head: string): boolean {
  return head.includes(reportGeneratorMeta);
}

/**
 * A PDF printed from our report: Chromium (headless, or Electron's printToPDF) copies the
 * HTML's <title>, which ends with our name, into the PDF's /Title — as a literal string when it
 * is ASCII, as UTF-16BE hex otherwise.
 */
export function isOurPdf(latin1: string): boolean {
  if (!latin1.startsWith('%PDF-')) return false;
  const hex = [...generatorName].map((c) => c.charCodeAt(0).toString(16).padStart(4, '0')).join('');
  // a literal string may hold escaped parentheses: \( \)
  return new RegExp(`/Title\\s*(\\((?:[^)\\\\]|\\\\.)*${generatorName}|<[0-9A-Fa-f]*${hex})`, 'i').test(latin1);
}

/** a project file, any format version, that this app wrote (or one of its earlier versions) */
export function isOurProject(text: string): boolean {
  try {
    const json = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
    const o = json as Record<string, unknown>;
    const app = o['app'] as Record<string, unknown> | undefined;
    return typeof o['formatVersion'] === 'number' && (app === undefined || (typeof app === 'object' && app !== null && app['name'] === 'transfer-lab'));
  } catch {
    return false;
  }
}

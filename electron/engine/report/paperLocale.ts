import { paperForLocale, type Paper } from '../../../shared/paper';

/**
 * The engine's own guess at the paper, for a report asked without one (the CLI): the locale
 * that names paper (LC_PAPER), then the usual ones, then Node's.
 */
export function defaultPaper(env: NodeJS.ProcessEnv = process.env): Paper {
  const locale = env.LC_PAPER || env.LC_ALL || env.LANG || Intl.DateTimeFormat().resolvedOptions().locale;
  return paperForLocale(locale);
}

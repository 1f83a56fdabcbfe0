/**
 * Paper for printed reports: Letter where Letter is the custom (the United States, Canada,
 * Mexico, and a few countries of the Americas and the Philippines), A4 everywhere else. Chosen
 * from a locale such as `en-US`, `fr_CA.UTF-8` or `de-DE`; a locale with no region is A4.
 */
export const paperSizes = ['a4', 'letter'] as const;
export type Paper = (typeof paperSizes)[number];

const letterRegions = new Set(['US', 'CA', 'MX', 'PR', 'PH', 'CL', 'CO', 'VE', 'CR', 'GT', 'PA', 'DO', 'SV', 'NI', 'BZ']);

export function paperForLocale(locale: string | null | undefined): Paper {
  // en-US, en_US.UTF-8, es-419 (a region number: not a country)
  const region = /^[a-z]{2,3}(?:[-_][A-Za-z]{4})?[-_]([A-Za-z]{2})\b/i.exec((locale ?? '').trim())?.[1];
  return region && letterRegions.has(region.toUpperCase()) ? 'letter' : 'a4';
}

/** the CSS `@page` size */
export const cssPageSize = (paper: Paper): string => (paper === 'letter' ? 'letter' : 'A4');

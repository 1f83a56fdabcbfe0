import { describe, expect, it } from 'vitest';
import { paperForLocale } from './paper';

describe('paper from the locale', () => {
  it('is Letter in the United States, Canada and Mexico, A4 elsewhere and when unknown', () => {
    expect(['en-US', 'en_US.UTF-8', 'fr-CA', 'es_MX', 'en-PH', 'zh-Hant-US'].map(paperForLocale)).toEqual(Array(6).fill('letter'));
    expect(['en-GB', 'de_DE.UTF-8', 'fr', 'C.UTF-8', 'POSIX', 'es-419', '', null, undefined].map(paperForLocale)).toEqual(Array(9).fill('a4'));
  });
});

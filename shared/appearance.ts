/** Light or dark: as the system says (the default), or as the user chose. */
export const appearances = ['system', 'light', 'dark'] as const;
export type Appearance = (typeof appearances)[number];

/** how the menu and the title bar's button name each */
export const appearanceNames: Record<Appearance, string> = { system: 'as the system', light: 'light', dark: 'dark' };

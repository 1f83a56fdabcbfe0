import { version } from '../package.json';

/** Transfer Lab's version: package.json's, the one place it is written (the CLI, the web host, the app, new projects) */
export const appVersion: string = version;

/**
 * The desktop app's window: the size it opens at and the smallest it can be made. Main opens it
 * so (electron/main/window.ts), and the end-to-end tests and the screenshot walk look at the app
 * at these sizes: at the first nothing is cut off, at the second nothing passes the window's edge.
 */
export const appWindow = { width: 1280, height: 840, minWidth: 960, minHeight: 640 } as const;

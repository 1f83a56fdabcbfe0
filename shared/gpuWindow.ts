/**
 * The desktop app's GPU window: the name under which Electron's main posts it one end of the
 * engine's MessageChannel, and under which its preload passes that port on to the page.
 */
export const gpuPortChannel = 'transfer-lab:gpu-port';

export function threadpoolSize(cores: number): number;
export function withThreadpool(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export function sizeThreadpool(): void;

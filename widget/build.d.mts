// Types for build.mjs.
export function buildWidget(): Promise<{ js: string; version: string; integrity: string; gzipBytes: number }>;
/** Writes `path` only when its content changes, atomically. */
export function writeIfChanged(path: string, content: string): void;

// Types for build.mjs.
export function buildWidget(): Promise<{ js: string; version: string; integrity: string; gzipBytes: number }>;

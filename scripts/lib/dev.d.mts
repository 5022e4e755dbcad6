// Types for dev.mjs (plain ESM so `npm start` helpers need no build step).
export const ROOT: string;
export function readDevVars(path?: string): Record<string, string>;
export function ensureDevVars(
  defaults?: Record<string, string>,
  options?: { path?: string; current?: Record<string, string> },
): Record<string, string>;
export function applyMigrations(persistTo?: string, options?: { quiet?: boolean }): void;
export function writeEnvFile(path: string, vars: Record<string, string>): string;
export function startWorker(options?: {
  port?: number;
  persistTo?: string;
  envFile?: string;
  quiet?: boolean;
}): Promise<{
  url: string;
  child: import("node:child_process").ChildProcess;
  stop(): void;
}>;
export function api(
  url: string,
  path: string,
  options?: { method?: string; token?: string; body?: unknown },
): Promise<{ status: number; body: any }>;
export function writeDevJson(data: unknown, dir?: string): string;
export function readDevJson(dir?: string): any;

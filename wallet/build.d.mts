// Types for build.mjs.
export const WALLET_BUDGET_GZIP_BYTES: number;
export const SDK_BROWSER_OPTIONS: {
  platform: "browser";
  alias: Record<string, string>;
  inject: string[];
  define: Record<string, string>;
};
export function buildWallet(): Promise<{
  assets: Record<string, { type: string; body?: string; base64?: string; version?: string }>;
  version: string;
  gzip: { js: number; css: number; sw: number };
  gzipBytes: number;
}>;

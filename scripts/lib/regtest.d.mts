// Types for regtest.mjs.
export const SEGWIT_READY_HEIGHT: number;
export const FAUCET_BLOCKS: number;
export interface RegtestNode {
  url: string;
  user: string;
  password: string;
  pid: number;
  rpc(method: string, params?: unknown[]): Promise<any>;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function bcoinP2wpkhAddress(secretKey: Uint8Array): string;
export function startRegtest(options?: {
  port?: number;
  password?: string;
  dataDir?: string;
  quiet?: boolean;
}): Promise<RegtestNode>;
export function prepareChain(node: RegtestNode, faucetSecretKey: Uint8Array): Promise<number>;

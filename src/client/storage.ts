/** Where a payer wallet keeps its key and channel states: pluggable, string values. */
export interface WalletStorage {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

/** In memory: tests and throwaway wallets. */
export class MemoryStorage implements WalletStorage {
  private readonly map = new Map<string, string>();
  async get(key: string) {
    return this.map.get(key) ?? null;
  }
  async set(key: string, value: string) {
    this.map.set(key, value);
  }
}

/** The synchronous key–value API of the browser's localStorage. */
export interface SyncStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The browser's localStorage (or any SyncStore), under a prefix. */
export class LocalStorageStorage implements WalletStorage {
  constructor(
    private readonly store: SyncStore,
    private readonly prefix = "sluice:",
  ) {}
  async get(key: string) {
    return this.store.getItem(this.prefix + key);
  }
  async set(key: string, value: string) {
    this.store.setItem(this.prefix + key, value);
  }
}

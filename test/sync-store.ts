/** A SyncStore in memory (localStorage's API), for EncryptedStorage in tests. */
import type { SyncStore } from "../src/client/storage";

export class MapStore implements SyncStore {
  readonly map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
}

/** Per-isolate memory in front of D1: bounded maps, one per D1 binding (never crossing databases). */
import type { Db } from "./client";

/** A bounded map kept per D1 binding; the least recently set entry goes first. */
export class IsolateCache<V> {
  readonly #maps = new WeakMap<object, Map<string, V>>();

  constructor(readonly maxEntries: number) {}

  /** This binding's map (made on first use). */
  of(db: Db): Map<string, V> {
    const found = this.#maps.get(db.$client);
    if (found) return found;
    const made = new Map<string, V>();
    this.#maps.set(db.$client, made);
    return made;
  }

  /** Sets `key` as the most recent entry, dropping the oldest beyond the bound. */
  set(db: Db, key: string, value: V): void {
    const map = this.of(db);
    map.delete(key);
    map.set(key, value);
    // Map order is insertion order: the first key is the least recently set.
    if (map.size > this.maxEntries) map.delete(map.keys().next().value!);
  }
}

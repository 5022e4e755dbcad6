/** Node-only wallet storage: one JSON file, written atomically, mode 600 (it holds the secret key). */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { WalletStorage } from "./storage";

export class FileStorage implements WalletStorage {
  constructor(private readonly path: string) {}

  private read(): Record<string, string> {
    return existsSync(this.path)
      ? (JSON.parse(readFileSync(this.path, "utf8")) as Record<string, string>)
      : {};
  }

  async get(key: string) {
    return this.read()[key] ?? null;
  }

  async set(key: string, value: string) {
    const data = { ...this.read(), [key]: value };
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}

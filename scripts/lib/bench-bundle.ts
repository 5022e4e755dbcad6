/**
 * The Worker as production runs it, for `npm run bench`: the bundle `wrangler deploy` would upload
 * (`wrangler deploy --dry-run --outdir`), served by workerd through Miniflare's API, with no
 * wrangler dev proxy in front, over a local D1 that `wrangler d1 migrations apply` migrated.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { childPids } from "./bench-load";
import { applyMigrations, ROOT } from "./dev.mjs";

export interface Bundle {
  dir: string;
  modules: { type: "ESModule" | "CompiledWasm"; path: string }[];
  /** Bytes of every module, as uploaded (before gzip). */
  bytes: number;
}

/** Builds the upload bundle into `outdir` (wrangler runs the widget and wallet builds first). */
export function buildBundle(outdir: string): Bundle {
  const wrangler = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
  const run = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
  });
  if (run.status !== 0)
    throw new Error(`wrangler deploy --dry-run failed:\n${run.stderr.toString().slice(-2000)}`);
  const files = readdirSync(outdir);
  if (!files.includes("index.js")) throw new Error(`no index.js in ${outdir}: ${files.join(", ")}`);
  const modules = [
    { type: "ESModule" as const, path: join(outdir, "index.js") },
    ...files
      .filter((f) => f.endsWith(".wasm"))
      .map((f) => ({ type: "CompiledWasm" as const, path: join(outdir, f) })),
  ];
  const bytes = modules.reduce((n, m) => n + readFileSync(m.path).byteLength, 0);
  return { dir: outdir, modules, bytes };
}

/** wrangler.toml's compatibility settings and D1 id, so the bundle runs as `wrangler deploy` would. */
function wranglerSettings() {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  const databaseId = /^database_id\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const network = /^NETWORK\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!date || flags === undefined || !databaseId || !network)
    throw new Error("wrangler.toml: settings not found");
  return {
    compatibilityDate: date,
    compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]!),
    databaseId,
    network,
  };
}

export interface RunningBundle {
  url: string;
  /** The workerd process: the isolate and the local D1 (SQLite) behind the binding. */
  pid: number;
  /** Rows, payload bytes and bytes on disk of the database. */
  footprint(): Promise<Footprint>;
  stop(): Promise<void>;
}

export interface Footprint {
  /** The database's files on disk (SQLite file and its WAL): pages, indexes and all. */
  diskBytes: number;
  /** Sum of every stored value's length (integers as their digits): the rows' payload. */
  payloadBytes: number;
  rows: Record<string, number>;
}

/** What `a` → `b` added, per unit (e.g. per payment): bytes and rows by table (unchanged ones left out). */
export function footprintPer(a: Footprint, b: Footprint, units: number) {
  const rows = Object.entries(b.rows)
    .map(([table, n]) => [table, (n - (a.rows[table] ?? 0)) / units] as const)
    .filter(([, n]) => n !== 0);
  return {
    diskBytes: (b.diskBytes - a.diskBytes) / units,
    payloadBytes: (b.payloadBytes - a.payloadBytes) / units,
    rows: Object.fromEntries(rows),
  };
}

const filesBytes = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? filesBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );

/** Rows and payload per table through the binding (D1 refuses PRAGMA page_count), files on disk. */
async function footprintOf(db: D1Database, dir: string): Promise<Footprint> {
  const tables = await db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    )
    .all<{ name: string }>();
  const rows: Record<string, number> = {};
  let payloadBytes = 0;
  for (const { name } of tables.results) {
    const columns = await db.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>();
    const lengths = columns.results
      .map((c) => `coalesce(sum(length(CAST("${c.name}" AS BLOB))), 0)`)
      .join(" + ");
    const got = await db
      .prepare(`SELECT count(*) AS n, ${lengths || "0"} AS bytes FROM "${name}"`)
      .first<{ n: number; bytes: number }>();
    rows[name] = got?.n ?? 0;
    payloadBytes += got?.bytes ?? 0;
  }
  return { diskBytes: filesBytes(dir), payloadBytes, rows };
}

/** Migrates a fresh local D1 in `persistTo` and serves the bundle over it with `vars`. */
export async function startBundle(
  bundle: Bundle,
  persistTo: string,
  vars: Record<string, string>,
): Promise<RunningBundle> {
  applyMigrations(persistTo, { quiet: true });
  const settings = wranglerSettings();
  const before = new Set(childPids(process.pid, /workerd/));
  const mf = new Miniflare({
    modulesRoot: bundle.dir,
    modules: bundle.modules,
    compatibilityDate: settings.compatibilityDate,
    compatibilityFlags: settings.compatibilityFlags,
    bindings: { NETWORK: settings.network, ...vars },
    d1Databases: { DB: settings.databaseId },
    d1Persist: join(persistTo, "v3", "d1"),
    host: "127.0.0.1",
    port: 0,
    // The Worker's request log lines (as production writes them), read and dropped.
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.resume();
      stderr.resume();
    },
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const pid = childPids(process.pid, /workerd/).find((p) => !before.has(p));
  if (pid === undefined) {
    await mf.dispose();
    throw new Error("could not find Miniflare's workerd process");
  }
  const db = (await mf.getD1Database("DB")) as unknown as D1Database;
  const d1Dir = join(persistTo, "v3", "d1");
  return { url, pid, footprint: () => footprintOf(db, d1Dir), stop: () => mf.dispose() };
}

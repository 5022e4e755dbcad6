// Shared by `npm start` and `npm run bench`: local secrets, migrations, and a wrangler dev process.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./regtest.mjs";

export const ROOT = new URL("../..", import.meta.url).pathname;
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

/** Reads .dev.vars (KEY=value lines) into an object. */
export function readDevVars(path = join(ROOT, ".dev.vars")) {
  if (!existsSync(path)) return {};
  return Object.fromEntries(
    readFileSync(path, "utf8")
      .split("\n")
      .map((line) => line.match(/^\s*([A-Z_][A-Z0-9_]*)\s*=\s*"?([^"]*)"?\s*$/))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
}

/**
 * Creates .dev.vars (or `path`) with a fresh HUB_SEED and OPERATOR_TOKEN (and any `defaults`) for
 * the keys it lacks; existing values are kept, except those in `current`, which always win (e.g.
 * the RPC URL of the node just started). Never prints them.
 */
export function ensureDevVars(defaults = {}, { path = join(ROOT, ".dev.vars"), current = {} } = {}) {
  const vars = readDevVars(path);
  const wanted = {
    HUB_SEED: randomBytes(32).toString("hex"),
    OPERATOR_TOKEN: randomBytes(32).toString("base64url"),
    DEV_MODE: "true",
    ...defaults,
  };
  const merged = { ...wanted, ...vars, ...current };
  const stale = Object.entries(current).some(([k, v]) => vars[k] !== v);
  if (stale || Object.keys(wanted).some((k) => vars[k] === undefined)) writeEnvFile(path, merged);
  return merged;
}

/** Writes a dotenv file (mode 600: it holds secrets) for `startWorker({envFile})`. */
export function writeEnvFile(path, vars) {
  writeFileSync(
    path,
    `${Object.entries(vars)
      .map(([k, v]) => `${k}="${v}"`)
      .join("\n")}\n`,
    { mode: 0o600 },
  );
  return path;
}

/** Applies migrations/ to the local D1 database (idempotent); `quiet` hides wrangler's output. */
export function applyMigrations(persistTo, { quiet = false } = {}) {
  const args = [WRANGLER, "d1", "migrations", "apply", "DB", "--local"];
  if (persistTo) args.push("--persist-to", persistTo);
  const run = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: quiet ? "ignore" : "inherit",
    env: { ...process.env, CI: "1" },
  });
  if (run.status !== 0) throw new Error("applying D1 migrations failed");
}

/**
 * Starts `wrangler dev` on host:port in its own process group; resolves once /healthz answers.
 * `envFile` replaces .dev.vars (wrangler reads only the given file), so several hubs can run side by side.
 */
export async function startWorker({ port = 8787, persistTo, quiet = false, envFile } = {}) {
  // Its own inspector port too: left to itself, each wrangler dev takes the first free one from
  // 9229, and two starting at once (parallel browser suites) pick the same one and one dies.
  const args = [
    WRANGLER,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(await freePort()),
    "--test-scheduled",
  ];
  if (persistTo) args.push("--persist-to", persistTo);
  if (envFile) args.push("--env-file", envFile);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    // Quiet keeps wrangler's last words, so a start that fails says why.
    stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  let tail = "";
  const keep = (chunk) => {
    tail = (tail + chunk).slice(-2000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`wrangler dev exited with ${child.exitCode}${tail ? `:\n${tail}` : ""}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return { url, child, stop };
    } catch {}
    await new Promise((r) => setTimeout(r, 300));
  }
  stop();
  throw new Error("the Worker did not answer /healthz within 60 s");
}

/** Calls the API as the operator or a merchant; throws on a non-2xx with the error code (never the key). */
export async function api(url, path, { method = "GET", token, body } = {}) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  return { status: res.status, body: json };
}

/** Writes .sluice/dev.json, or dev.json in `dir` (mode 600: it holds credentials). */
export function writeDevJson(data, dir = join(ROOT, ".sluice")) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "dev.json"), `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  return join(dir, "dev.json");
}

/** Reads .sluice/dev.json (or dev.json in `dir`), or null. */
export function readDevJson(dir = join(ROOT, ".sluice")) {
  const path = join(dir, "dev.json");
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : null;
}

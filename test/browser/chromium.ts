/**
 * The one way browser tests get a Chromium. Debian's (`apt-get install chromium`) when it is
 * installed; otherwise the headless Chromium shipped inside the pinned npm package
 * `@sparticuz/chromium` (../shared/TOOLCHAIN.md), so `npm ci && npm test` needs nothing else.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { type BrowserContext, chromium } from "playwright-core";

export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** The installed `@sparticuz/chromium` version (its package.json is not in its exports map). */
export const NPM_CHROMIUM_VERSION: string = JSON.parse(
  readFileSync(
    join(dirname(createRequire(import.meta.url).resolve("@sparticuz/chromium")), "../../package.json"),
    "utf8",
  ),
).version;

/** Flags that keep Chromium quiet and offline (no update checks, no sync, no QUIC probes). */
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export type ChromiumSource = "debian" | "npm";

/** Which Chromium to use: Debian's wins whenever its binary is there. */
export function chooseChromium(debianInstalled: boolean): ChromiumSource {
  return debianInstalled ? "debian" : "npm";
}

/**
 * Unpacks the npm package's brotli-packed Chromium once per machine and version, and returns the
 * binary's path. The package unpacks into `os.tmpdir()` and treats an existing file as done, so
 * two processes unpacking at once could each see the other's half-written binary: it runs in a
 * child process whose TMPDIR is a private staging directory, which is then renamed into place
 * (atomic; a loser of the race drops its copy and uses the winner's).
 */
async function unpackNpmChromium(): Promise<string> {
  const dir = join(tmpdir(), `sluice-chromium-${NPM_CHROMIUM_VERSION}`);
  const binary = join(dir, "chromium");
  if (existsSync(binary)) return binary;
  const staging = mkdtempSync(join(tmpdir(), "sluice-chromium-staging-"));
  try {
    const script = `import("@sparticuz/chromium").then(async (m) => process.stdout.write(await m.default.executablePath()))`;
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
      cwd: import.meta.dirname,
      env: { ...process.env, TMPDIR: staging },
    });
    if (stdout !== join(staging, "chromium")) throw new Error(`@sparticuz/chromium unpacked to ${stdout}`);
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!existsSync(binary)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

/** The path of the Chromium binary from `source`, unpacking the npm one if needed. */
export async function chromiumExecutable(source: ChromiumSource): Promise<string> {
  return source === "debian" ? DEBIAN_CHROMIUM : unpackNpmChromium();
}

/**
 * Launches headless Chromium with a fresh profile in `profileDir`. `source` is for the test
 * that proves the npm fallback works on a machine that has Debian's; everything else lets it
 * be chosen.
 */
export async function launchChromium(
  profileDir: string,
  options: { viewport?: { width: number; height: number }; source?: ChromiumSource; args?: string[] } = {},
): Promise<BrowserContext> {
  const source = options.source ?? chooseChromium(existsSync(DEBIAN_CHROMIUM));
  return chromium.launchPersistentContext(profileDir, {
    executablePath: await chromiumExecutable(source),
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(options.args ?? [])],
    ...(options.viewport ? { viewport: options.viewport } : {}),
  });
}

/**
 * The npm Chromium fallback works, even on a machine where Debian's chromium would be chosen:
 * this launches the `@sparticuz/chromium` binary explicitly, runs a page's script, and checks that
 * it enforces a Content-Security-Policy (the checkout tests rely on that to mean anything).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseChromium, chromiumExecutable, launchChromium, NPM_CHROMIUM_VERSION } from "./chromium";

const PAGE = `<!doctype html><title>probe</title>
<script src="/allowed.js"></script>
<script>window.inlineRan = true;</script>`;

let server: Server;
let origin: string;
let profile: string;
let context: BrowserContext;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/allowed.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end("window.sum = [1, 2, 3].reduce((a, b) => a + b, 0);");
      return;
    }
    res.writeHead(200, { "content-type": "text/html", "content-security-policy": "script-src 'self'" });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  profile = mkdtempSync(join(tmpdir(), "sluice-chromium-probe-"));
  context = await launchChromium(profile, { source: "npm" });
});

afterAll(async () => {
  await context?.close();
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe("Chromium for the browser tests", () => {
  it("prefers Debian's chromium when it is installed, else the npm package's", () => {
    expect(chooseChromium(true)).toBe("debian");
    expect(chooseChromium(false)).toBe("npm");
  });

  it("unpacks the pinned npm Chromium once, under a directory named by its version", async () => {
    const path = await chromiumExecutable("npm");
    expect(path).toBe(join(tmpdir(), `sluice-chromium-${NPM_CHROMIUM_VERSION}`, "chromium"));
    expect(await chromiumExecutable("npm")).toBe(path);
  });

  it("launches the npm Chromium, which runs a page's script and enforces its CSP", async () => {
    const page = await context.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${origin}/`);
    expect(await page.evaluate(() => (window as unknown as { sum: number }).sum)).toBe(6);
    expect(await page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBe(
      undefined,
    );
    expect(violations.length).toBe(1);
    const major = NPM_CHROMIUM_VERSION.split(".")[0];
    expect(await page.evaluate(() => navigator.userAgent)).toContain(`HeadlessChrome/${major}.`);
  });
});

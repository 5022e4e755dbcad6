// Builds the payer wallet (wallet/src) served at /wallet: the app script and stylesheet, the
// service worker, the web app manifest, the icons and the page, into wallet/dist/bundle.ts, the
// module the Worker imports. Fails when the JavaScript and CSS exceed the size budget. Run by
// `npm start`, `npm test` (through typecheck) and the vitest config, like widget/build.mjs.
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { encode as encodePng } from "fast-png";
import { writeIfChanged } from "../widget/build.mjs";

const HERE = dirname(new URL(import.meta.url).pathname);
const DIST = join(HERE, "dist");
const SHIMS = join(HERE, "shims");

/** Issue 10: every script and stylesheet the wallet serves, gzipped, together at most this. */
export const WALLET_BUDGET_GZIP_BYTES = 60 * 1024;

/**
 * esbuild options that bundle the payer SDK (src/client) for browsers: bolt11's Node-only
 * dependencies replaced by small stand-ins over @noble/@scure, and a Buffer global for it.
 */
export const SDK_BROWSER_OPTIONS = {
  platform: "browser",
  alias: {
    secp256k1: join(HERE, "../src/lightning/secp256k1-shim.ts"),
    "create-hash": join(SHIMS, "create-hash.cjs"),
    "bn.js": join(SHIMS, "bn.cjs"),
    "bitcoinjs-lib": join(SHIMS, "bitcoinjs-lib.mjs"),
    buffer: join(SHIMS, "buffer.cjs"),
    "safe-buffer": join(SHIMS, "buffer.cjs"),
    "lodash/cloneDeep": join(SHIMS, "clone-deep.cjs"),
    bech32: join(SHIMS, "bech32.mjs"),
  },
  inject: [join(SHIMS, "buffer-global.ts")],
  define: { global: "globalThis" },
};

const TARGET = ["es2022", "chrome100", "firefox100", "safari16"];
const sha384 = (data) => `sha384-${createHash("sha384").update(data).digest("base64")}`;
const version = (data) => createHash("sha256").update(data).digest("hex").slice(0, 16);
const gzipBytes = (data) => gzipSync(data, { level: 9 }).length;

async function bundle(entry, extra = {}) {
  const result = await build({
    entryPoints: [join(HERE, entry)],
    bundle: true,
    minify: true,
    format: "iife",
    target: TARGET,
    write: false,
    legalComments: "none",
    logLevel: "warning",
    ...extra,
  });
  return result.outputFiles[0].text;
}

/** The icon: a white drop on the wallet's blue, drawn into RGBA (maskable: within the safe zone). */
function iconPng(size) {
  const data = new Uint8Array(size * size * 4);
  const s = size / 512;
  const cx = 256 * s;
  const cy = 296 * s;
  const r = 104 * s;
  const apex = 112 * s;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const inCircle = dx * dx + dy * dy <= r * r;
      const t = (y + 0.5 - apex) / (cy - apex);
      const inTip = t >= 0 && t <= 1 && Math.abs(dx) <= r * Math.sin((t * Math.PI) / 2);
      const white = inCircle || inTip;
      const i = (y * size + x) * 4;
      data.set(white ? [255, 255, 255, 255] : [0x1d, 0x4e, 0xd8, 255], i);
    }
  }
  return Buffer.from(encodePng({ width: size, height: size, data, channels: 4, depth: 8 }));
}

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" fill="#1d4ed8"/><path fill="#fff" d="M256 112C256 112 152 236 152 296a104 104 0 0 0 208 0c0-60-104-184-104-184z"/></svg>`;

/** The page: no inline script or style; everything by URL with Subresource Integrity. */
function page({ js, css }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="theme-color" content="#1d4ed8">
<title>Sluice wallet</title>
<link rel="manifest" href="/wallet/manifest.webmanifest">
<link rel="icon" href="/wallet/icon.svg" type="image/svg+xml">
<link rel="apple-touch-icon" href="/wallet/icon-192.png">
<link rel="stylesheet" href="${css.url}" integrity="${css.integrity}">
<script src="${js.url}" integrity="${js.integrity}" defer></script>
</head>
<body>
<main id="app" tabindex="-1">
<noscript><p>The Sluice wallet needs JavaScript: it keeps your key in this browser and signs here.</p></noscript>
</main>
</body>
</html>
`;
}

/** Builds every asset; throws when the scripts and stylesheet exceed the budget. */
export async function buildWallet() {
  const [appJs, css, swSource] = await Promise.all([
    bundle("src/main.ts", SDK_BROWSER_OPTIONS),
    bundle("src/wallet.css", { format: undefined, loader: { ".css": "css" } }),
    bundle("src/sw.ts"),
  ]);
  const js = { url: `/wallet/app.js?v=${version(appJs)}`, integrity: sha384(appJs) };
  const style = { url: `/wallet/app.css?v=${version(css)}`, integrity: sha384(css) };
  const manifest = JSON.stringify({
    name: "Sluice wallet",
    short_name: "Sluice",
    description: "Pay Sluice checkouts from your own payment channels; your key stays on this device.",
    id: "/wallet",
    start_url: "/wallet",
    scope: "/wallet",
    display: "standalone",
    background_color: "#ffffff",
    theme_color: "#1d4ed8",
    icons: [
      { src: "/wallet/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any maskable" },
      { src: "/wallet/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any maskable" },
      { src: "/wallet/icon.svg", sizes: "any", type: "image/svg+xml" },
    ],
  });
  const html = page({ js, css: style });
  const icon192 = iconPng(192);
  const icon512 = iconPng(512);
  // The service worker caches exactly this build's files; its own bytes change with any of them.
  const shellVersion = version([appJs, css, html, manifest, ICON_SVG].join("\n"));
  const shell = [
    "/wallet",
    js.url,
    style.url,
    "/wallet/manifest.webmanifest",
    "/wallet/icon.svg",
    "/wallet/icon-192.png",
  ];
  const sw = `self.__SHELL=${JSON.stringify({ version: shellVersion, urls: shell })};${swSource}`;

  const gzip = { js: gzipBytes(appJs), css: gzipBytes(css), sw: gzipBytes(sw) };
  const total = gzip.js + gzip.css + gzip.sw;
  if (total > WALLET_BUDGET_GZIP_BYTES)
    throw new Error(
      `the wallet's JavaScript and CSS are ${total} bytes gzipped (app ${gzip.js}, css ${gzip.css}, sw ${gzip.sw}); the budget is ${WALLET_BUDGET_GZIP_BYTES}`,
    );

  const assets = {
    "/wallet": { type: "text/html; charset=utf-8", body: html },
    "/wallet/app.js": { type: "text/javascript; charset=utf-8", body: appJs, version: version(appJs) },
    "/wallet/app.css": { type: "text/css; charset=utf-8", body: css, version: version(css) },
    "/wallet/sw.js": { type: "text/javascript; charset=utf-8", body: sw },
    "/wallet/manifest.webmanifest": { type: "application/manifest+json", body: manifest },
    "/wallet/icon.svg": { type: "image/svg+xml", body: ICON_SVG },
    "/wallet/icon-192.png": { type: "image/png", base64: icon192.toString("base64") },
    "/wallet/icon-512.png": { type: "image/png", base64: icon512.toString("base64") },
  };
  mkdirSync(DIST, { recursive: true });
  writeIfChanged(
    join(DIST, "bundle.ts"),
    `// Generated by wallet/build.mjs from wallet/src: do not edit (gitignored).
/** One file of the wallet: its media type, its text (or base64 bytes), and a version when immutable by ?v=. */
export interface WalletAsset {
  readonly type: string;
  readonly body?: string;
  readonly base64?: string;
  readonly version?: string;
}
/** Every file the Worker serves under /wallet, by path. */
export const WALLET_ASSETS: Readonly<Record<string, WalletAsset>> = ${JSON.stringify(assets)};
/** This build's version (the service worker's cache name). */
export const WALLET_VERSION = ${JSON.stringify(shellVersion)};
`,
  );
  writeIfChanged(join(DIST, "app.js"), appJs);
  return { assets, version: shellVersion, gzip, gzipBytes: total };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { version: v, gzip, gzipBytes: total } = await buildWallet();
  if (!process.argv.includes("--quiet"))
    console.log(
      `wallet ${v}: ${total} bytes gzipped (app ${gzip.js}, css ${gzip.css}, sw ${gzip.sw}) of ${WALLET_BUDGET_GZIP_BYTES}`,
    );
}

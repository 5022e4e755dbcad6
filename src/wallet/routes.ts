/**
 * The payer wallet at /wallet (wallet/ → wallet/dist/bundle.ts): the page under the hub's strict
 * Content-Security-Policy, its script and stylesheet (pinned by SRI, immutable by version), the
 * service worker, the manifest and the icons. Same origin as the API, so the page talks only to it.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { WALLET_ASSETS, type WalletAsset } from "../../wallet/dist/bundle";
import { strictPageCsp } from "../checkout/page";
import { textResponse } from "../checkout/schemas";
import { LIMITS } from "../core/limits";
import type { AppEnv } from "../http/context";

const tags = ["Wallet"];

/**
 * The wallet page's policy: the checkout's, with its stylesheet and manifest from this origin, the
 * service worker from this origin, and one Trusted Types policy, which admits only the worker's URL.
 */
export const WALLET_CSP = strictPageCsp({
  styleSrc: "'self'",
  trustedTypes: "sluice-wallet",
  extra: ["manifest-src 'self'", "worker-src 'self'"],
});

const pageRoute = createRoute({
  method: "get",
  path: "/wallet",
  tags,
  summary: "The payer wallet (a web app; `#pay=<bolt11>` or `?invoice=inv_…` opens that invoice)",
  description:
    "HTML under a strict Content-Security-Policy. The payer's key is made, encrypted and kept in the browser; no endpoint ever receives it.",
  responses: { 200: textResponse("text/html", "The wallet page") },
});

const FileParam = z.object({
  file: z
    .string()
    .max(64)
    .openapi({ param: { name: "file", in: "path" }, example: "app.js" }),
});

const fileRoute = createRoute({
  method: "get",
  path: "/wallet/{file}",
  tags,
  summary: "The wallet's files: app.js, app.css, sw.js, manifest.webmanifest, icons",
  request: {
    params: FileParam,
    query: z.object({
      v: z
        .string()
        .max(64)
        .optional()
        .openapi({ description: "The file's version: with the current one, cached for a year" }),
    }),
  },
  responses: {
    200: textResponse("application/octet-stream", "The file"),
    404: textResponse("text/plain", "No such file"),
  },
});

/** The asset's bytes (icons are stored base64 in the bundle). */
function body(asset: WalletAsset): string | Uint8Array {
  if (asset.body !== undefined) return asset.body;
  return Uint8Array.from(atob(asset.base64 ?? ""), (ch) => ch.charCodeAt(0));
}

/** Headers for one of the wallet's files. */
function fileHeaders(path: string, asset: WalletAsset, requestedVersion: string | undefined) {
  const headers: Record<string, string> = {
    "content-type": asset.type,
    "x-content-type-options": "nosniff",
    "cache-control":
      asset.version !== undefined && requestedVersion === asset.version
        ? `public, max-age=${LIMITS.widgetImmutableCacheSeconds}, immutable`
        : `public, max-age=${LIMITS.widgetLatestCacheSeconds}`,
  };
  if (path === "/wallet/sw.js") {
    // The worker controls /wallet itself (one level above its own path), and is re-checked on every load.
    headers["service-worker-allowed"] = "/wallet";
    headers["cache-control"] = "no-cache";
  }
  return headers;
}

/** Mounts the wallet's page and files. */
export function walletRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(pageRoute, (c) =>
    c.body(WALLET_ASSETS["/wallet"]!.body!, 200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": WALLET_CSP,
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
      "permissions-policy": "camera=(self), microphone=(), geolocation=(), payment=()",
      "cache-control": "no-cache",
    }),
  );

  app.openapi(fileRoute, (c) => {
    const path = `/wallet/${c.req.param("file")}`;
    const asset = Object.hasOwn(WALLET_ASSETS, path) ? WALLET_ASSETS[path] : undefined;
    if (!asset) return c.body("not found", 404, { "content-type": "text/plain; charset=utf-8" });
    return c.body(body(asset) as never, 200, fileHeaders(path, asset, c.req.query("v")));
  });

  return app;
}

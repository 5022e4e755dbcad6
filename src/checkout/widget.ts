/** The built checkout widget (widget/ → widget/dist/bundle.ts) and how the Worker serves it. */
import { WIDGET_INTEGRITY, WIDGET_JS, WIDGET_VERSION } from "../../widget/dist/bundle";
import { LIMITS } from "../core/limits";

export { WIDGET_INTEGRITY, WIDGET_JS, WIDGET_VERSION };

/** The widget's immutable URL path (its content hash in the query). */
export const WIDGET_PATH = `/widget.js?v=${WIDGET_VERSION}`;

/**
 * Headers for /widget.js: the current version is immutable for a year; the bare URL (or a stale
 * version) is cached briefly so shops that link it pick up a new release within minutes. Any
 * origin may load it (shops embed it; SRI needs CORS).
 */
export function widgetHeaders(requestedVersion: string | undefined): Record<string, string> {
  const current = requestedVersion === WIDGET_VERSION;
  return {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": current
      ? `public, max-age=${LIMITS.widgetImmutableCacheSeconds}, immutable`
      : `public, max-age=${LIMITS.widgetLatestCacheSeconds}`,
    etag: `"${WIDGET_VERSION}"`,
    "access-control-allow-origin": "*",
    "cross-origin-resource-policy": "cross-origin",
    "x-content-type-options": "nosniff",
  };
}

/**
 * The SSRF guard for webhook URLs, applied when an endpoint is saved and again before every
 * delivery (a deployment may have left dev mode since). Pure: the URL and the mode in, a verdict out.
 *
 * - `https` only; plain `http` only to `localhost` / `127.0.0.1` and only in dev mode.
 * - No credentials in the URL (they would be sent to the receiver and shown in the API).
 * - IP literals must be public unicast: no private, loopback, link-local, CGNAT, unique-local,
 *   multicast, reserved or otherwise special ranges, in any spelling (the WHATWG parser turns
 *   `2130706433`, `0x7f.1` or `127.1` into `127.0.0.1`), including IPv4-mapped (`::ffff:10.0.0.1`)
 *   and IPv4-compatible (`::10.0.0.1`) IPv6; IPv6 must be global unicast (2000::/3).
 * - No `localhost`, `*.localhost`, `*.local`, `*.internal`, `*.home.arpa` or single-label names.
 * - Ports: the default (443) or 1024–65535. Ports 1–1023 other than 443 belong to system services
 *   (SSH, SMTP, …) that a webhook has no business reaching.
 * Names that resolve to private addresses cannot be seen from a Worker (no DNS API before fetch);
 * Workers' fetch leaves from Cloudflare's network, which cannot reach the deployment's private one.
 */
import ipaddr from "ipaddr.js";
import { domainError, type DomainError, type ErrorCode } from "../core/errors";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";

const DEV_HOSTS = new Set(["localhost", "127.0.0.1"]);
const INTERNAL_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa"];
const MIN_UNPRIVILEGED_PORT = 1024;

const reject = (code: ErrorCode, message: string) => err(domainError(code, message, "url"));

/** True when an IP literal is a public unicast address. */
function isPublicAddress(literal: string): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.parse(literal);
  } catch {
    return false;
  }
  if (address.kind() === "ipv6") {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return isPublicAddress(v6.toIPv4Address().toString());
    // IPv4-compatible (::a.b.c.d, deprecated) and everything outside 2000::/3 is not global unicast.
    if (!v6.match(ipaddr.IPv6.parse("2000::"), 3)) return false;
  }
  return address.range() === "unicast";
}

/** The verdict on a webhook URL; the parsed URL when it may be called. */
export function checkWebhookUrl(raw: string, devMode: boolean): Result<URL, DomainError> {
  if (raw.length > LIMITS.maxWebhookUrlChars) {
    return reject("url_invalid", `url is limited to ${LIMITS.maxWebhookUrlChars} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return reject("url_invalid", "url is not an absolute URL");
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  const devLoopback = devMode && DEV_HOSTS.has(host);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && devLoopback)) {
    return reject(
      "url_not_https",
      devMode ? "url must be https (or http to localhost in dev mode)" : "url must be https",
    );
  }
  if (url.username !== "" || url.password !== "") {
    return reject("url_has_credentials", "url must not carry credentials; authenticate with the signature");
  }
  if (devLoopback) return ok(url);
  const literal = host.startsWith("[") ? host.slice(1, -1) : ipaddr.IPv4.isValid(host) ? host : null;
  if (literal !== null) {
    if (!isPublicAddress(literal)) {
      return reject("url_private_address", "url must not point at a private or special-purpose address");
    }
  } else if (host === "localhost" || !host.includes(".") || INTERNAL_SUFFIXES.some((s) => host.endsWith(s))) {
    return reject("url_internal_host", "url must name a public host");
  }
  if (url.port !== "" && url.port !== "443" && Number(url.port) < MIN_UNPRIVILEGED_PORT) {
    return reject("url_port_not_allowed", "url port must be 443 or 1024–65535");
  }
  return ok(url);
}

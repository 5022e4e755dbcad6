/** Request-wide middleware: request ids and logs, and the JSON body gate. */
import { createMiddleware } from "hono/factory";
import { domainError } from "../core/errors";
import { newId } from "../core/ids";
import { LIMITS } from "../core/limits";
import type { AppEnv } from "./context";
import { fail } from "./errors";

/** Gives every request a `req_…` id (response header `Request-Id`) and one log line. */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = c.var.clock.nowMs();
  const requestId = newId("request", started, c.var.random);
  c.set("requestId", requestId);
  await next();
  c.res.headers.set("request-id", requestId);
  // Method, path and status only: never headers (keys) or bodies (preimages, secrets).
  console.log(
    JSON.stringify({
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: c.var.clock.nowMs() - started,
    }),
  );
});

/**
 * Reads a POST/PATCH body once: bounded size (413), JSON content type, valid JSON object.
 * The raw text is kept for idempotency fingerprints; validators re-read it from Hono's cache.
 */
export const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method !== "POST" && c.req.method !== "PATCH") return next();
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > LIMITS.maxBodyBytes) return fail(c, tooLarge());
  const text = await c.req.text();
  if (new TextEncoder().encode(text).length > LIMITS.maxBodyBytes) return fail(c, tooLarge());
  if (text.trim().length === 0) {
    c.set("rawBody", "");
    return next();
  }
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    return fail(
      c,
      domainError("invalid_content_type", "send request bodies as 'Content-Type: application/json'"),
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(c, domainError("invalid_json", "the request body is not valid JSON"));
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return fail(c, domainError("invalid_json", "the request body must be a JSON object"));
  }
  c.set("rawBody", text);
  await next();
});

const tooLarge = () =>
  domainError("body_too_large", `request bodies are limited to ${LIMITS.maxBodyBytes} bytes`);

/**
 * Pure delivery decisions (DESIGN.md §9): what a receiver's answer means, when to try again, and
 * when to give up. No I/O; time and randomness come in as arguments.
 */
import { secondsOf } from "../core/clock";
import { newId, type RandomBytes } from "../core/ids";
import { LIMITS } from "../core/limits";
import { mintSecret } from "./signature";
import type { AttemptError, EventFilter, OwnerId, WebhookEndpoint } from "./webhook";

/** What one attempt came to. */
export type AttemptOutcome =
  | { readonly ok: true; readonly statusCode: number }
  | {
      readonly ok: false;
      readonly statusCode: number | null;
      readonly error: AttemptError;
      /** From the receiver's Retry-After, already capped. */
      readonly retryAfterSeconds: number | null;
    };

/** What follows an attempt. */
export type NextStep =
  | { readonly kind: "succeeded" }
  | { readonly kind: "retry"; readonly nextAttemptAt: number }
  /** No more attempts: the schedule is exhausted, or the receiver said 410 Gone (`disable`). */
  | { readonly kind: "failed"; readonly disable: "gone" | null };

/** Attempts in one round: the first plus one per scheduled retry. */
export const MAX_ATTEMPTS = LIMITS.webhookRetryDelaysSeconds.length + 1;

/**
 * Retry-After as seconds from now (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), capped;
 * null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowSeconds: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const dateMs = Date.parse(text);
    if (Number.isNaN(dateMs)) return null;
    seconds = Math.ceil(dateMs / 1000) - nowSeconds;
  }
  return Math.min(Math.max(seconds, 0), LIMITS.webhookMaxRetryAfterSeconds);
}

/** Only 2xx is success; a redirect is a failure (never followed), 410 Gone retires the endpoint. */
export function classifyResponse(
  statusCode: number,
  retryAfter: string | null,
  nowSeconds: number,
): AttemptOutcome {
  if (statusCode >= 200 && statusCode <= 299) return { ok: true, statusCode };
  const error: AttemptError =
    statusCode === 410
      ? "endpoint_gone"
      : statusCode >= 300 && statusCode <= 399
        ? "redirect_not_followed"
        : "non_2xx_status";
  return { ok: false, statusCode, error, retryAfterSeconds: parseRetryAfter(retryAfter, nowSeconds) };
}

/** A uniform number in [0, 1) from the injected random source. */
export function unitInterval(random: RandomBytes): number {
  const b = random(4);
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
}

/**
 * The step after attempt number `attempt` (1-based, in this round): retry on the schedule with
 * ±jitter, never sooner than Retry-After; fail once the schedule is exhausted or on 410.
 */
export function nextStep(
  attempt: number,
  outcome: AttemptOutcome,
  nowSeconds: number,
  unit: number,
): NextStep {
  if (outcome.ok) return { kind: "succeeded" };
  if (outcome.error === "endpoint_gone") return { kind: "failed", disable: "gone" };
  const delay = LIMITS.webhookRetryDelaysSeconds[attempt - 1];
  if (delay === undefined) return { kind: "failed", disable: null };
  const jitter = 1 + LIMITS.webhookRetryJitterRatio * (2 * unit - 1);
  const scheduled = Math.max(1, Math.round(delay * jitter));
  return { kind: "retry", nextAttemptAt: nowSeconds + Math.max(scheduled, outcome.retryAfterSeconds ?? 0) };
}

/** The secrets that sign at `nowSeconds`: the current one, plus the previous during its overlap. */
export function signingSecrets(
  endpoint: Pick<WebhookEndpoint, "secret" | "previousSecret" | "previousSecretExpiresAt">,
  nowSeconds: number,
): string[] {
  const overlap =
    endpoint.previousSecret !== null &&
    endpoint.previousSecretExpiresAt !== null &&
    endpoint.previousSecretExpiresAt > nowSeconds;
  return overlap ? [endpoint.secret, endpoint.previousSecret!] : [endpoint.secret];
}

/** Whether an endpoint wants events of this type. */
export const subscribes = (endpoint: Pick<WebhookEndpoint, "eventTypes">, type: string): boolean =>
  endpoint.eventTypes.some((t) => t === "*" || t === type);

/** A filter as stored: deduplicated, and just ["*"] when it includes "*". */
export const normalizeFilter = (types: readonly EventFilter[]): EventFilter[] =>
  types.includes("*") ? ["*"] : [...new Set(types)];

export interface EndpointInput {
  readonly url: string;
  readonly eventTypes: readonly EventFilter[] | undefined;
  readonly description: string | null | undefined;
  readonly enabled: boolean | undefined;
}

/** A new endpoint with its fresh secret; all event types unless filtered, enabled unless asked otherwise. */
export function newEndpoint(
  ownerId: OwnerId,
  input: EndpointInput,
  at: { nowMs: number; random: RandomBytes },
): WebhookEndpoint {
  const now = secondsOf(at.nowMs);
  const enabled = input.enabled ?? true;
  return {
    id: newId("webhookEndpoint", at.nowMs, at.random),
    merchantId: ownerId,
    url: input.url,
    description: input.description ?? null,
    eventTypes: normalizeFilter(input.eventTypes ?? ["*"]),
    enabled,
    disabledReason: enabled ? null : "manual",
    secret: mintSecret(at.random),
    previousSecret: null,
    previousSecretExpiresAt: null,
    failedDeliveries: 0,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
}

/** An endpoint after a change by its owner; enabling clears the disabled reason and failure count. */
export function patched(
  endpoint: WebhookEndpoint,
  patch: Partial<EndpointInput>,
  now: number,
): WebhookEndpoint {
  const enabled = patch.enabled ?? endpoint.enabled;
  const reenabled = enabled && !endpoint.enabled;
  return {
    ...endpoint,
    url: patch.url ?? endpoint.url,
    description: patch.description === undefined ? endpoint.description : patch.description,
    eventTypes: patch.eventTypes ? normalizeFilter(patch.eventTypes) : endpoint.eventTypes,
    enabled,
    disabledReason: enabled ? null : (endpoint.disabledReason ?? "manual"),
    failedDeliveries: reenabled ? 0 : endpoint.failedDeliveries,
    updatedAt: now,
  };
}

/** A deleted endpoint: disabled, kept for its delivery history. */
export const deleted = (endpoint: WebhookEndpoint, now: number): WebhookEndpoint => ({
  ...patched(endpoint, { enabled: false }, now),
  deletedAt: now,
});

/** A rotated endpoint: the new secret signs from now on; the old one too until the overlap ends. */
export function rotated(
  endpoint: WebhookEndpoint,
  secret: string,
  overlapSeconds: number,
  now: number,
): WebhookEndpoint {
  return {
    ...endpoint,
    secret,
    previousSecret: overlapSeconds > 0 ? endpoint.secret : null,
    previousSecretExpiresAt: overlapSeconds > 0 ? now + overlapSeconds : null,
    updatedAt: now,
  };
}

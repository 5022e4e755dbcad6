/** Idempotency-Key decisions (Stripe semantics), pure. */
import { domainError, type DomainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";

export interface StoredRequest {
  readonly fingerprint: string;
  readonly state: "in_progress" | "done";
  readonly statusCode: number | null;
  readonly responseBody: string | null;
  readonly lockedUntil: number;
}

export type Replay =
  | { readonly kind: "replay"; readonly statusCode: number; readonly body: string }
  | { readonly kind: "take_over" };

const KEY_PATTERN = /^[\x21-\x7e]+$/;

/** Validates an Idempotency-Key header value: 1–255 visible ASCII characters. */
export function parseIdempotencyKey(value: string): Result<string, DomainError> {
  if (value.length === 0 || value.length > LIMITS.maxIdempotencyKeyChars || !KEY_PATTERN.test(value)) {
    return err(
      domainError(
        "invalid_idempotency_key",
        `Idempotency-Key must be 1–${LIMITS.maxIdempotencyKeyChars} visible ASCII characters`,
      ),
    );
  }
  return ok(value);
}

/** What to do when the key was already used: replay, reject, or take over a dead request's lock. */
export function decideOnExisting(
  stored: StoredRequest,
  fingerprint: string,
  nowSeconds: number,
): Result<Replay, DomainError> {
  if (stored.fingerprint !== fingerprint) {
    return err(
      domainError(
        "idempotency_key_reused",
        "this Idempotency-Key was used with a different request; use a new key for a new request",
      ),
    );
  }
  if (stored.state === "done" && stored.statusCode !== null && stored.responseBody !== null) {
    return ok({ kind: "replay", statusCode: stored.statusCode, body: stored.responseBody });
  }
  if (stored.lockedUntil <= nowSeconds) return ok({ kind: "take_over" });
  return err(
    domainError(
      "idempotency_in_progress",
      "a request with this Idempotency-Key is still in progress; retry later",
    ),
  );
}

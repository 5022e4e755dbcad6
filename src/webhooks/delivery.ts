/**
 * Sends due deliveries: claim (atomic, leased) → guard the URL → sign → POST with a bounded
 * timeout and read, no redirects → decide (rules.ts) → record, one batch per attempt. Used by the
 * cron for everything due and right after write requests for first attempts (waitUntil).
 */
import { secondsOf } from "../core/clock";
import type { Config } from "../config";
import type { RandomBytes } from "../core/ids";
import { LIMITS } from "../core/limits";
import { type Db, runBatch } from "../db/client";
import { type AttemptOutcome, classifyResponse, nextStep, signingSecrets, unitInterval } from "./rules";
import { signatureHeader } from "./signature";
import {
  claimDue,
  type DeliveryJob,
  failPendingStatement,
  recordAttemptStatements,
  releaseStatement,
} from "./store";
import { checkWebhookUrl } from "./url-guard";

export interface DeliveryBounds {
  /** Deliveries claimed in this run. */
  readonly limit: number;
  /** At most this many per endpoint, taken round-robin, so no endpoint holds up another. */
  readonly perEndpoint: number;
  /** First attempts only (the immediate path); the cron takes retries too. */
  readonly freshOnly: boolean;
  readonly timeoutMs: number;
}

/** What the cron sends per tick (sized in core/limits.ts against the subrequest budget). */
export const CRON_BOUNDS: DeliveryBounds = {
  limit: LIMITS.webhookDeliveriesPerTick,
  perEndpoint: LIMITS.webhookDeliveriesPerEndpointPerTick,
  freshOnly: false,
  timeoutMs: LIMITS.webhookTimeoutMs,
};

/**
 * What a write request sends at once, after its response (waitUntil, which gets 30 s): two rounds
 * per endpoint at most, so even a receiver that answers just inside the timeout fits.
 */
export const IMMEDIATE_BOUNDS: DeliveryBounds = {
  limit: LIMITS.webhookImmediateDeliveries,
  perEndpoint: 2 * LIMITS.webhookConnectionsPerEndpoint,
  freshOnly: true,
  timeoutMs: LIMITS.webhookTimeoutMs,
};

export interface DeliveryReport {
  readonly attempted: number;
  readonly succeeded: number;
}

const USER_AGENT = "Sluice-Webhooks/1";

/** Reads at most `maxBytes` of a response and drops the rest: it is never stored or shown. */
async function discardBody(response: Response, maxBytes: number): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  try {
    for (let read = 0; read < maxBytes; ) {
      const chunk = await reader.read();
      if (chunk.done) return;
      read += chunk.value.byteLength;
    }
  } catch {
    // A body that breaks off changes nothing: the status code is the answer.
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** One signed POST; every way it can go wrong becomes an outcome, never a throw. */
async function post(
  job: DeliveryJob,
  nowSeconds: number,
  timeoutMs: number,
): Promise<{ outcome: AttemptOutcome; durationMs: number }> {
  const started = performance.now();
  const elapsed = () => Math.max(0, Math.round(performance.now() - started));
  try {
    const response = await fetch(job.endpoint.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": job.eventId,
        "webhook-timestamp": String(nowSeconds),
        "webhook-signature": signatureHeader(
          signingSecrets(job.endpoint, nowSeconds),
          job.eventId,
          nowSeconds,
          job.body,
        ),
      },
      body: job.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await discardBody(response, LIMITS.webhookResponseReadBytes);
    return {
      outcome: classifyResponse(response.status, response.headers.get("retry-after"), nowSeconds),
      durationMs: elapsed(),
    };
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
    return {
      outcome: {
        ok: false,
        statusCode: null,
        error: timedOut ? "timeout" : "connection_error",
        retryAfterSeconds: null,
      },
      durationMs: elapsed(),
    };
  }
}

/**
 * One claimed delivery: attempt it (unless its URL is no longer allowed) and record the result;
 * null when its endpoint was disabled meanwhile.
 */
async function attemptOne(
  db: Db,
  config: Config,
  job: DeliveryJob,
  nowSeconds: number,
  random: RandomBytes,
  timeoutMs: number,
): Promise<AttemptOutcome | null> {
  if (!job.endpoint.enabled) {
    // Disabled after the claim: its pending deliveries end, this one with them, unattempted.
    await runBatch(db, [failPendingStatement(db, job.endpointId, nowSeconds)]);
    return null;
  }
  const allowed = checkWebhookUrl(job.endpoint.url, config.devMode);
  const { outcome, durationMs } = allowed.ok
    ? await post(job, nowSeconds, timeoutMs)
    : {
        outcome: { ok: false, statusCode: null, error: "url_not_allowed", retryAfterSeconds: null } as const,
        durationMs: 0,
      };
  const step = nextStep(job.attempt, outcome, nowSeconds, unitInterval(random));
  await runBatch(
    db,
    recordAttemptStatements(db, job, outcome, step, {
      nowSeconds,
      durationMs,
      failuresToDisable: LIMITS.webhookFailedDeliveriesToDisable,
    }),
  );
  return outcome;
}

/**
 * One endpoint's claimed deliveries, at most `webhookConnectionsPerEndpoint` in flight. After a
 * timeout the endpoint is stalled for this run: its remaining deliveries go back unattempted.
 */
async function deliverToEndpoint(
  db: Db,
  config: Config,
  jobs: DeliveryJob[],
  nowSeconds: number,
  random: RandomBytes,
  timeoutMs: number,
): Promise<{ attempted: number; succeeded: number }> {
  const queue = [...jobs];
  let attempted = 0;
  let succeeded = 0;
  let stalled = false;
  const lane = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (stalled) {
        await runBatch(db, [releaseStatement(db, job, nowSeconds)]);
        continue;
      }
      const outcome = await attemptOne(db, config, job, nowSeconds, random, timeoutMs);
      if (outcome === null) continue;
      attempted++;
      if (outcome.ok) succeeded++;
      else if (outcome.error === "timeout") stalled = true;
    }
  };
  await Promise.all(Array.from({ length: LIMITS.webhookConnectionsPerEndpoint }, lane));
  return { attempted, succeeded };
}

/** Attempts the deliveries due at `nowMs`, within `bounds`, all endpoints in parallel. */
export async function deliverDue(
  db: Db,
  config: Config,
  at: { nowMs: number; random: RandomBytes },
  bounds: DeliveryBounds,
): Promise<DeliveryReport> {
  const nowSeconds = secondsOf(at.nowMs);
  const jobs = await claimDue(db, nowSeconds, { ...bounds, leaseSeconds: LIMITS.webhookLeaseSeconds });
  const byEndpoint = new Map<string, DeliveryJob[]>();
  for (const job of jobs) byEndpoint.set(job.endpointId, [...(byEndpoint.get(job.endpointId) ?? []), job]);
  const results = await Promise.all(
    [...byEndpoint.values()].map((list) =>
      deliverToEndpoint(db, config, list, nowSeconds, at.random, bounds.timeoutMs),
    ),
  );
  return {
    attempted: results.reduce((n, r) => n + r.attempted, 0),
    succeeded: results.reduce((n, r) => n + r.succeeded, 0),
  };
}

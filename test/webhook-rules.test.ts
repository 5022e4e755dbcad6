import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifyWebhook, WebhookVerificationError } from "../src/client/webhooks";
import { LIMITS } from "../src/core/limits";
import {
  classifyResponse,
  MAX_ATTEMPTS,
  nextStep,
  parseRetryAfter,
  signingSecrets,
} from "../src/webhooks/rules";
import { mintSecret, sign, signatureHeader } from "../src/webhooks/signature";
import vectors from "./vectors/standard-webhooks.json";

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** standardwebhooks checks the timestamp against Date.now(): verify as of the signing time. */
function packageVerify(secret: string, body: string, headers: Record<string, string>) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Number(headers["webhook-timestamp"]) * 1000);
  try {
    return new Webhook(secret).verify(body, headers);
  } finally {
    vi.useRealTimers();
  }
}

afterEach(() => vi.useRealTimers());

describe("Standard Webhooks signatures", () => {
  it("reproduce the standardwebhooks package's published test vector exactly", () => {
    for (const v of vectors.vectors) {
      expect(sign(v.secret, v.msg_id, v.timestamp, v.payload)).toBe(v.signature);
      // The package itself agrees with the vector (so the vector is read right).
      expect(new Webhook(v.secret).sign(v.msg_id, new Date(v.timestamp * 1000), v.payload)).toBe(v.signature);
    }
  });

  it("every signature the hub makes verifies with the standardwebhooks package (random secrets, ids, bodies)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\s,.]/.test(s)),
        fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }),
        fc.string({ unit: "grapheme", maxLength: 300 }),
        (bytes, id, timestamp, text) => {
          const secret = mintSecret(() => bytes);
          const body = JSON.stringify({ id, text });
          const headers = {
            "webhook-id": id,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": signatureHeader([secret], id, timestamp, body),
          };
          expect(packageVerify(secret, body, headers)).toEqual({ id, text });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("fresh secrets are whsec_ + 32 random bytes in base64, which the package accepts", () => {
    const secret = mintSecret(random);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(() => new Webhook(secret)).not.toThrow();
    expect(mintSecret(random)).not.toBe(secret);
  });

  it("during a rotation overlap the header carries both signatures; each secret verifies alone", () => {
    const [oldSecret, newSecret] = [mintSecret(random), mintSecret(random)];
    const endpoint = { secret: newSecret, previousSecret: oldSecret, previousSecretExpiresAt: 2_000 };
    expect(signingSecrets(endpoint, 1_999)).toEqual([newSecret, oldSecret]);
    expect(signingSecrets(endpoint, 2_000)).toEqual([newSecret]);
    const body = '{"id":"evt_1"}';
    const headers = {
      "webhook-id": "evt_1",
      "webhook-timestamp": "1999",
      "webhook-signature": signatureHeader(signingSecrets(endpoint, 1_999), "evt_1", 1_999, body),
    };
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) expect(packageVerify(secret, body, headers)).toBeDefined();
  });
});

describe("the SDK receiver helper", () => {
  const secret = mintSecret(random);
  const body = JSON.stringify({
    id: "evt_abc",
    object: "event",
    type: "invoice.paid",
    created_at: 1,
    data: { object: {} },
  });
  const signed = (ts: number, b = body, id = "evt_abc") => ({
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": new Webhook(secret).sign(id, new Date(ts * 1000), b),
  });

  it("accepts what the standardwebhooks package signs, from Headers or a plain object", () => {
    const headers = signed(1_700_000_000);
    expect(verifyWebhook(secret, body, headers, { nowSeconds: 1_700_000_100 }).type).toBe("invoice.paid");
    expect(verifyWebhook(secret, body, new Headers(headers), { nowSeconds: 1_700_000_000 }).id).toBe(
      "evt_abc",
    );
  });

  type Case = [name: string, secret: string, body: string, headers: Record<string, string>, now: number];
  const ts = 1_700_000_000;
  const cases: Case[] = [
    ["a changed body", secret, body.replace("paid", "expired"), signed(ts), ts],
    ["a changed timestamp", secret, body, { ...signed(ts), "webhook-timestamp": String(ts + 1) }, ts],
    ["a changed id", secret, body, { ...signed(ts), "webhook-id": "evt_other" }, ts],
    ["another secret", mintSecret(random), body, signed(ts), ts],
    ["a replay after 5 minutes", secret, body, signed(ts), ts + 301],
    ["a timestamp from the future", secret, body, signed(ts), ts - 301],
    ["a missing signature", secret, body, { "webhook-id": "evt_abc", "webhook-timestamp": String(ts) }, ts],
    ["an id that is not the event's", secret, body, signed(ts, body, "evt_zzz"), ts],
    [
      "a non-v1 signature",
      secret,
      body,
      { ...signed(ts), "webhook-signature": signed(ts)["webhook-signature"].replace("v1,", "v2,") },
      ts,
    ],
    ["a secret that is not base64", "whsec_***", body, signed(ts), ts],
  ];
  it.each(cases)("rejects %s", (_name, key, b, headers, now) => {
    expect(() => verifyWebhook(key, b, headers, { nowSeconds: now })).toThrow(WebhookVerificationError);
  });
});

describe("delivery rules", () => {
  it("only 2xx is success; 3xx is a failure (never followed); 410 retires the endpoint", () => {
    const table: [number, boolean, string | null][] = [
      [200, true, null],
      [204, true, null],
      [299, true, null],
      [301, false, "redirect_not_followed"],
      [302, false, "redirect_not_followed"],
      [304, false, "redirect_not_followed"],
      [400, false, "non_2xx_status"],
      [404, false, "non_2xx_status"],
      [410, false, "endpoint_gone"],
      [429, false, "non_2xx_status"],
      [500, false, "non_2xx_status"],
      [100, false, "non_2xx_status"],
    ];
    for (const [status, ok, error] of table) {
      const outcome = classifyResponse(status, null, 0);
      expect(outcome.ok, `status ${status}`).toBe(ok);
      if (!outcome.ok) expect(outcome.error).toBe(error);
    }
  });

  it("retries on the DESIGN.md §9 schedule with ±10 % jitter, then fails after ten attempts", () => {
    expect(LIMITS.webhookRetryDelaysSeconds).toEqual([5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(MAX_ATTEMPTS).toBe(10);
    const failure = classifyResponse(503, null, 0);
    LIMITS.webhookRetryDelaysSeconds.forEach((delay, i) => {
      for (const unit of [0, 0.5, 0.999999]) {
        const step = nextStep(i + 1, failure, 1_000, unit);
        expect(step.kind).toBe("retry");
        const wait = (step as { nextAttemptAt: number }).nextAttemptAt - 1_000;
        expect(wait).toBeGreaterThanOrEqual(Math.max(1, Math.round(delay * 0.9)));
        expect(wait).toBeLessThanOrEqual(Math.round(delay * 1.1));
      }
    });
    expect(nextStep(10, failure, 1_000, 0.5)).toEqual({ kind: "failed", disable: null });
    expect(nextStep(11, failure, 1_000, 0.5)).toEqual({ kind: "failed", disable: null });
    expect(nextStep(1, classifyResponse(410, null, 0), 1_000, 0.5)).toEqual({
      kind: "failed",
      disable: "gone",
    });
    expect(nextStep(3, classifyResponse(200, null, 0), 1_000, 0.5)).toEqual({ kind: "succeeded" });
  });

  it("honours Retry-After (seconds or HTTP date) when it asks for longer than the schedule, capped at 24 h", () => {
    const now = 1_700_000_000;
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter(new Date((now + 3_600) * 1000).toUTCString(), now)).toBe(3_600);
    expect(parseRetryAfter(new Date((now - 60) * 1000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter("999999999", now)).toBe(LIMITS.webhookMaxRetryAfterSeconds);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    const later = nextStep(1, classifyResponse(503, "3600", now), now, 0.5);
    expect(later).toEqual({ kind: "retry", nextAttemptAt: now + 3_600 });
    // Shorter than the schedule: the schedule wins (Retry-After is a floor).
    const sooner = nextStep(3, classifyResponse(429, "1", now), now, 0.5);
    expect(sooner).toEqual({ kind: "retry", nextAttemptAt: now + 1_800 });
  });
});

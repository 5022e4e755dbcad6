/**
 * Receiving Sluice webhooks (Standard Webhooks): verify the signature over the raw body and the
 * timestamp's freshness, then trust the event. Runs in Node, browsers, Workers, Deno (no Node APIs).
 *
 * ```ts
 * const event = verifyWebhook(process.env.SLUICE_WEBHOOK_SECRET, rawBody, request.headers);
 * if (seen(event.id)) return 200; // webhook-id = event id: retries and redeliveries repeat it
 * ```
 */
import { headerMatches } from "../webhooks/signature";

/** The signature, a header or the timestamp is wrong: answer 400 and do not act on the body. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/** An event as Sluice sends it: the full object as it was when the event happened. */
export interface SluiceEvent<T = Record<string, unknown>> {
  id: string;
  object: "event";
  type: string;
  created_at: number;
  data: { object: T };
}

/** Headers as Fetch (`Headers`), Node (`IncomingHttpHeaders`) or a plain object give them. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | null {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(" ") : (value ?? null);
  }
  return null;
}

/** Standard Webhooks' default tolerance: a replay older (or newer) than this is refused. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Verifies one delivery and returns its event. `secret` is the endpoint's `whsec_…` secret
 * (during a rotation overlap, either secret verifies); `rawBody` is the body exactly as received.
 */
export function verifyWebhook(
  secret: string,
  rawBody: string,
  headers: HeaderSource,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): SluiceEvent {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signature = header(headers, "webhook-signature");
  if (!id || !timestamp || !signature) throw new WebhookVerificationError("missing webhook headers");
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError("invalid webhook-timestamp");
  const sentAt = Number(timestamp);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - sentAt) > tolerance)
    throw new WebhookVerificationError("webhook-timestamp out of tolerance");
  let matches: boolean;
  try {
    matches = headerMatches(secret, signature, id, sentAt, rawBody);
  } catch {
    throw new WebhookVerificationError("the secret is not a whsec_ secret");
  }
  if (!matches) throw new WebhookVerificationError("no matching signature");
  const event = JSON.parse(rawBody) as SluiceEvent;
  if (event.id !== id) throw new WebhookVerificationError("webhook-id does not match the event");
  return event;
}

/**
 * Prefixed, time-ordered ids: `<prefix>_` + 10 chars of millisecond time + 16 chars of
 * randomness (80 bits), Crockford base32 lower-case. Sorting by id sorts by creation time,
 * so cursor pagination needs no extra lookup.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

export const ID_PREFIXES = {
  merchant: "mer",
  apiKey: "key",
  invoice: "inv",
  event: "evt",
  request: "req",
  channel: "ch",
  payment: "pay",
  refund: "re",
  settlement: "stl",
  payout: "po",
  webhookEndpoint: "we",
  lightningAddress: "lna",
  paymentLink: "pl",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** Source of random bytes; the Worker passes crypto.getRandomValues, tests may pass a seeded one. */
export type RandomBytes = (length: number) => Uint8Array;

/** Makes a new id of the given kind. */
export function newId(kind: IdKind, nowMs: number, random: RandomBytes): string {
  let time = "";
  let t = Math.floor(nowMs);
  for (let i = 0; i < TIME_CHARS; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = random(RANDOM_CHARS);
  let rand = "";
  for (const b of bytes) rand += ALPHABET[b % 32];
  return `${ID_PREFIXES[kind]}_${time}${rand}`;
}

const ID_BODY = new RegExp(`^[${ALPHABET}]{${TIME_CHARS + RANDOM_CHARS}}$`);

/** True when `value` is a well-formed id of the given kind. */
export function isId(kind: IdKind, value: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  return value.startsWith(prefix) && ID_BODY.test(value.slice(prefix.length));
}

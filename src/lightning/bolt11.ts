/**
 * BOLT #11 invoices: encoded with `bolt11`, signed and recovered with @noble/secp256k1.
 * Decoding checks what the `bolt11` package alone lets through (case, checksum, length,
 * amount rules, signature recovery, unknown required features) and gives each failure a
 * stable code.
 */
import { bech32 } from "@scure/base";
import bolt11 from "bolt11";
import { domainError, type DomainError, type ErrorCode } from "../core/errors";
import { LIMITS } from "../core/limits";
import { MAX_EDGE_MSAT } from "../core/money";
import { BOLT11_CURRENCY, NETWORKS, type Network } from "../core/network";
import { err, ok, type Result } from "../core/result";
import { bytesToHex, concatBytes, secp, sha256, utf8ToBytes } from "../crypto";

/** BOLT #9 invoice features this hub understands (even = required, odd = optional). */
export const KNOWN_FEATURE_BITS: ReadonlyMap<number, string> = new Map([
  [8, "var_onion_optin"],
  [9, "var_onion_optin"],
  [14, "payment_secret"],
  [15, "payment_secret"],
  [16, "basic_mpp"],
  [17, "basic_mpp"],
]);

/** Features every Sluice invoice sets: var_onion_optin and payment_secret, both required. */
export const SLUICE_FEATURE_BITS = [8, 14] as const;

/** BOLT #11: min_final_cltv_expiry_delta default for new invoices. */
const MIN_FINAL_CLTV_EXPIRY = 18;
const SIGNATURE_WORDS = 104;
const TIMESTAMP_WORDS = 7;
const MSAT_PER_BTC = 100_000_000_000n;
const MAX_BOLT11_MSAT = 21_000_000n * MSAT_PER_BTC;

export interface InvoiceToSign {
  readonly network: Network;
  readonly amountMsat: bigint;
  readonly timestampSeconds: number;
  readonly expirySeconds: number;
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array;
  /** Exactly one of description / descriptionHash. */
  readonly description: string | null;
  readonly descriptionHash: Uint8Array | null;
}

export interface RouteHint {
  readonly pubkey: string;
  readonly short_channel_id: string;
  readonly fee_base_msat: number;
  readonly fee_proportional_millionths: number;
  readonly cltv_expiry_delta: number;
}

export interface DecodedInvoice {
  readonly network: Network;
  readonly amount_msat: number | null;
  readonly timestamp: number;
  readonly expiry_seconds: number;
  readonly expires_at: number;
  readonly payment_hash: string;
  readonly payment_secret: string | null;
  readonly description: string | null;
  readonly description_hash: string | null;
  readonly payee_pubkey: string;
  readonly min_final_cltv_expiry: number;
  readonly features: number[];
  readonly fallback_addresses: string[];
  readonly route_hints: RouteHint[][];
}

type Bolt11Network = {
  bech32: string;
  pubKeyHash: number;
  scriptHash: number;
  validWitnessVersions: number[];
};

/** Address-version bytes per network, for fallback addresses in decoded invoices. */
const BOLT11_NETWORKS: Record<Network, Bolt11Network> = {
  mainnet: { bech32: "bc", pubKeyHash: 0x00, scriptHash: 0x05, validWitnessVersions: [0, 1] },
  testnet: { bech32: "tb", pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
  signet: { bech32: "tbs", pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
  regtest: { bech32: "bcrt", pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
};

/** Encodes and signs an invoice with the node's secret key; returns the BOLT11 string. */
export function signInvoice(invoice: InvoiceToSign, nodeSecretKey: Uint8Array): string {
  const tags: { tagName: string; data: unknown }[] = [
    { tagName: "payment_hash", data: bytesToHex(invoice.paymentHash) },
    { tagName: "payment_secret", data: bytesToHex(invoice.paymentSecret) },
    invoice.descriptionHash
      ? { tagName: "purpose_commit_hash", data: bytesToHex(invoice.descriptionHash) }
      : { tagName: "description", data: invoice.description ?? "" },
    { tagName: "expire_time", data: invoice.expirySeconds },
    { tagName: "min_final_cltv_expiry", data: MIN_FINAL_CLTV_EXPIRY },
    {
      tagName: "feature_bits",
      data: {
        word_length: 3,
        var_onion_optin: { required: true, supported: false },
        payment_secret: { required: true, supported: false },
      },
    },
  ];
  const unsigned = bolt11.encode(
    {
      network: BOLT11_NETWORKS[invoice.network],
      timestamp: invoice.timestampSeconds,
      millisatoshis: invoice.amountMsat.toString(),
      tags,
    } as unknown as bolt11.PaymentRequestObject,
    false,
  );
  const dataWords = Array.from(bech32.decode(unsigned.wordsTemp as `${string}1${string}`, false).words);
  return signPayload(unsigned.prefix!, dataWords, nodeSecretKey);
}

/** Signs a BOLT11 payload (hrp + data words) and returns the finished bech32 string. */
export function signPayload(prefix: string, dataWords: readonly number[], secretKey: Uint8Array): string {
  // BOLT #11: the signature is over sha256(hrp as UTF-8 ‖ data words as bytes, zero-padded).
  const digest = sha256(concatBytes(utf8ToBytes(prefix), wordsToBytesPadded(dataWords)));
  const recovered = secp.sign(digest, secretKey, { prehash: false, format: "recovered" });
  // noble gives rec ‖ r ‖ s; BOLT #11 wants r ‖ s ‖ rec.
  const signature = concatBytes(recovered.slice(1), recovered.slice(0, 1));
  return bech32.encode(prefix, [...dataWords, ...bech32.toWords(signature)], false);
}

/** Decodes and fully validates a BOLT11 string, recovering the payee from the signature. */
export function decodeInvoice(input: string): Result<DecodedInvoice, DomainError> {
  const fail = (code: ErrorCode, message: string) => err(domainError(code, message, "invoice"));
  if (input.length === 0 || input.length > LIMITS.maxBolt11Chars) {
    return fail("bolt11_malformed", `invoice must be 1–${LIMITS.maxBolt11Chars} characters`);
  }
  // BOLT #11 / BIP 173: all upper or all lower case, never mixed.
  if (input !== input.toLowerCase() && input !== input.toUpperCase()) {
    return fail("bolt11_mixed_case", "invoice mixes upper and lower case");
  }
  const text = input.toLowerCase();
  const separator = text.lastIndexOf("1");
  if (separator < 1) return fail("bolt11_missing_separator", "invoice has no bech32 separator '1'");
  let prefix: string;
  let words: number[];
  try {
    const decoded = bech32.decode(text as `${string}1${string}`, false);
    prefix = decoded.prefix;
    words = Array.from(decoded.words);
  } catch (e) {
    const checksum = e instanceof Error && /checksum/i.test(e.message);
    return checksum
      ? fail("bolt11_invalid_checksum", "invoice bech32 checksum does not match")
      : fail("bolt11_invalid_bech32", "invoice is not valid bech32");
  }
  if (words.length < TIMESTAMP_WORDS + SIGNATURE_WORDS) {
    return fail("bolt11_too_short", "invoice is too short to hold a timestamp and a signature");
  }
  const hrp = parseHrp(prefix);
  if (!hrp.ok) return hrp;
  const { network, amountMsat } = hrp.value;

  const dataWords = words.slice(0, -SIGNATURE_WORDS);
  const signature = wordsToBytesPadded(words.slice(-SIGNATURE_WORDS)).slice(0, 65);
  const digest = sha256(concatBytes(utf8ToBytes(prefix), wordsToBytesPadded(dataWords)));
  const payee = recoverPayee(signature, digest);
  if (payee === null)
    return fail("bolt11_invalid_signature", "invoice signature does not recover a public key");

  let parsed: bolt11.PaymentRequestObject;
  try {
    parsed = bolt11.decode(text, BOLT11_NETWORKS[network]);
  } catch (e) {
    const message = e instanceof Error ? e.message : "unparseable";
    if (/pubkey does not match/i.test(message)) {
      return fail("bolt11_invalid_signature", "invoice signature does not match its payee field");
    }
    return fail("bolt11_malformed", `invoice fields are malformed: ${message}`);
  }
  const tag = (name: string) => parsed.tags.find((t) => t.tagName === name)?.data;
  const paymentHash = tag("payment_hash");
  if (typeof paymentHash !== "string" || paymentHash.length !== 64) {
    return fail("bolt11_missing_payment_hash", "invoice has no valid payment hash (p)");
  }
  const features = featureBits(tag("feature_bits"));
  // BOLT #11: a reader MUST fail if it does not understand a required (even) feature bit.
  const unknownRequired = features.filter((bit) => bit % 2 === 0 && !KNOWN_FEATURE_BITS.has(bit));
  if (unknownRequired.length > 0) {
    return fail(
      "bolt11_unknown_required_feature",
      `invoice requires unknown feature bit ${unknownRequired[0]}`,
    );
  }
  const expirySeconds = typeof tag("expire_time") === "number" ? (tag("expire_time") as number) : 3600;
  const timestamp = parsed.timestamp ?? 0;
  const fallback = parsed.tags
    .filter((t) => t.tagName === "fallback_address")
    .map((t) => (t.data as { address: string | null }).address)
    .filter((a): a is string => typeof a === "string");
  const routes = parsed.tags
    .filter((t) => t.tagName === "routing_info")
    .map((t) => t.data as unknown as RouteHint[]);
  const secret = tag("payment_secret");
  const description = tag("description");
  const descriptionHash = tag("purpose_commit_hash");
  const cltv = tag("min_final_cltv_expiry");
  return ok({
    network,
    amount_msat: amountMsat === null ? null : Number(amountMsat),
    timestamp,
    expiry_seconds: expirySeconds,
    expires_at: timestamp + expirySeconds,
    payment_hash: paymentHash,
    payment_secret: typeof secret === "string" ? secret : null,
    description: typeof description === "string" ? description : null,
    description_hash: typeof descriptionHash === "string" ? descriptionHash : null,
    payee_pubkey: bytesToHex(payee),
    min_final_cltv_expiry: typeof cltv === "number" ? cltv : MIN_FINAL_CLTV_EXPIRY,
    features,
    fallback_addresses: fallback,
    route_hints: routes,
  });
}

const MULTIPLIER_MSAT: Record<string, { mul: bigint; div: bigint }> = {
  "": { mul: MSAT_PER_BTC, div: 1n },
  m: { mul: MSAT_PER_BTC / 1_000n, div: 1n },
  u: { mul: MSAT_PER_BTC / 1_000_000n, div: 1n },
  n: { mul: MSAT_PER_BTC / 1_000_000_000n, div: 1n },
  p: { mul: 1n, div: 10n },
};

/** Splits `ln<currency><amount><multiplier>` into network and exact msat. */
function parseHrp(prefix: string): Result<{ network: Network; amountMsat: bigint | null }, DomainError> {
  const fail = (code: ErrorCode, message: string) => err(domainError(code, message, "invoice"));
  const match = /^ln([a-z]+?)(?:(\d+)([munp]?))?$/.exec(prefix);
  if (!match) return fail("bolt11_invalid_prefix", `invoice prefix '${prefix}' is not ln<currency>[amount]`);
  const [, currency, amount, multiplier = ""] = match;
  const network = NETWORKS.find((n) => BOLT11_CURRENCY[n] === currency);
  if (!network)
    return fail("bolt11_unknown_network", `invoice currency '${currency}' is not a known network`);
  if (amount === undefined) return ok({ network, amountMsat: null });
  if (amount.startsWith("0")) return fail("bolt11_invalid_amount", "invoice amount has leading zeros");
  const { mul, div } = MULTIPLIER_MSAT[multiplier]!;
  const scaled = BigInt(amount) * mul;
  // BOLT #11: a 'p' amount that is not a whole number of msat MUST fail.
  if (scaled % div !== 0n)
    return fail("bolt11_invalid_amount", "invoice amount has sub-millisatoshi precision");
  const amountMsat = scaled / div;
  if (amountMsat === 0n || amountMsat > MAX_BOLT11_MSAT) {
    return fail("bolt11_invalid_amount", "invoice amount is zero or above 21 million BTC");
  }
  if (amountMsat > MAX_EDGE_MSAT) {
    return fail("bolt11_invalid_amount", `invoice amount exceeds ${MAX_EDGE_MSAT} msat`);
  }
  return ok({ network, amountMsat });
}

/** Recovers the 33-byte payee key from r ‖ s ‖ recovery id, or null when it does not recover. */
function recoverPayee(signature: Uint8Array, digest: Uint8Array): Uint8Array | null {
  const recoveryId = signature[64]!;
  if (signature.length !== 65 || recoveryId > 3) return null;
  try {
    return secp.recoverPublicKey(concatBytes(Uint8Array.of(recoveryId), signature.slice(0, 64)), digest, {
      prehash: false,
    });
  } catch {
    return null;
  }
}

/** Set feature bit numbers, from bolt11's parsed feature object. */
function featureBits(parsed: unknown): number[] {
  if (!parsed || typeof parsed !== "object") return [];
  const order = [
    "option_data_loss_protect",
    "initial_routing_sync",
    "option_upfront_shutdown_script",
    "gossip_queries",
    "var_onion_optin",
    "gossip_queries_ex",
    "option_static_remotekey",
    "payment_secret",
    "basic_mpp",
    "option_support_large_channel",
  ];
  const named = parsed as Record<string, { required?: boolean; supported?: boolean } | undefined>;
  const bits: number[] = [];
  order.forEach((name, index) => {
    if (named[name]?.required) bits.push(index * 2);
    if (named[name]?.supported) bits.push(index * 2 + 1);
  });
  const extra = (parsed as { extra_bits?: { start_bit: number; bits: boolean[] } }).extra_bits;
  extra?.bits.forEach((set, offset) => {
    if (set) bits.push(extra.start_bit + offset);
  });
  return bits;
}

/** 5-bit words to bytes, zero-padding the last byte (BOLT #11 signing rule). */
function wordsToBytesPadded(words: readonly number[]): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const word of words) {
    acc = (acc << 5) | word;
    bits += 5;
    while (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out.push((acc << (8 - bits)) & 0xff);
  return Uint8Array.from(out);
}

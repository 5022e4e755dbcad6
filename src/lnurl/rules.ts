/**
 * Pure LNURL-pay decisions: which names may be claimed (LUD-16), the metadata string and its hash
 * (LUD-06), what a callback asks for (LUD-06 amount, LUD-12 comment), and where LNURL URLs point.
 */
import { domainError, type DomainError } from "../core/errors";
import { newId, type RandomBytes } from "../core/ids";
import { LIMITS } from "../core/limits";
import { MAX_EDGE_MSAT } from "../core/money";
import { err, ok, type Result } from "../core/result";
import { bytesToHex, sha256, utf8ToBytes } from "../crypto";
import type { CallbackQuery, ClaimRequest, InvoiceAsk, LightningAddress, LnurlHost } from "./address";

/** LUD-16: "The <username> is limited to a-z0-9-_." — and, as an address local part, dot-atoms only. */
const NAME_PATTERN = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

/**
 * Names nobody may claim: the mailbox names RFC 2142 reserves, names that would pass for the hub or
 * its operator, and words a payer would take for a system account.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "abuse",
  "admin",
  "administrator",
  "api",
  "billing",
  "help",
  "hostmaster",
  "hub",
  "info",
  "lnurl",
  "lnurlp",
  "mailer-daemon",
  "no-reply",
  "noc",
  "noreply",
  "operator",
  "postmaster",
  "root",
  "security",
  "sluice",
  "support",
  "system",
  "webmaster",
  "www",
]);

/** The one rule for a claimable name: LUD-16 characters, 1–64 of them, dot-atoms, not reserved. */
export function checkAddressName(name: string): Result<string, DomainError> {
  if (name.length === 0 || name.length > LIMITS.maxAddressNameChars || !NAME_PATTERN.test(name)) {
    return err(
      domainError(
        "address_name_invalid",
        `a name is 1–${LIMITS.maxAddressNameChars} of a-z 0-9 - _ . (LUD-16), with no leading, trailing or double dot`,
        "name",
      ),
    );
  }
  if (RESERVED_NAMES.has(name)) {
    return err(domainError("address_name_reserved", `'${name}' is reserved; choose another name`, "name"));
  }
  return ok(name);
}

/** Defaults a claim leaves to the hub: the merchant's name and the largest channel it opens. */
export interface ClaimDefaults {
  readonly merchantName: string;
  readonly maxSendableMsat: bigint;
}

/** A new active address from a validated claim; the name must already have passed checkAddressName. */
export function newAddress(
  request: ClaimRequest,
  merchantId: string,
  defaults: ClaimDefaults,
  nowMs: number,
  random: RandomBytes,
): Result<LightningAddress, DomainError> {
  const minSendableMsat = request.minSendableMsat ?? 1_000n;
  const maxSendableMsat = request.maxSendableMsat ?? defaults.maxSendableMsat;
  if (minSendableMsat > maxSendableMsat) {
    return err(
      domainError(
        "invalid_parameter",
        `max_sendable_msat (${maxSendableMsat}) is below min_sendable_msat (${minSendableMsat})`,
        request.maxSendableMsat === null ? "min_sendable_msat" : "max_sendable_msat",
      ),
    );
  }
  return ok({
    id: newId("lightningAddress", nowMs, random),
    merchantId,
    name: request.name,
    status: "active",
    description:
      request.description ?? `Pay ${defaults.merchantName}`.slice(0, LIMITS.maxAddressDescriptionChars),
    minSendableMsat,
    maxSendableMsat,
    commentAllowed: request.commentAllowed ?? 0,
    successMessage: request.successMessage ?? "Payment received. Thank you!",
    createdAt: Math.floor(nowMs / 1000),
    disabledAt: null,
  });
}

/** Disabling: an active address stops answering; disabling a disabled one changes nothing. */
export function disable(
  address: LightningAddress,
  nowSeconds: number,
): { address: LightningAddress; changed: boolean } {
  if (address.status === "disabled") return { address, changed: false };
  return { address: { ...address, status: "disabled", disabledAt: nowSeconds }, changed: true };
}

/**
 * Where LNURL URLs point: `https://<LIGHTNING_ADDRESS_DOMAIN>` when configured, else PUBLIC_URL,
 * else the origin the request came in on (local runs and tests).
 */
export function lnurlHost(
  configured: { lightningAddressDomain: string | null; publicUrl: string | null },
  requestUrl: string,
): LnurlHost {
  if (configured.lightningAddressDomain !== null) {
    return {
      origin: `https://${configured.lightningAddressDomain}`,
      domain: configured.lightningAddressDomain,
    };
  }
  const url = new URL(configured.publicUrl ?? requestUrl);
  return { origin: url.origin, domain: url.host };
}

/** `name@domain`. */
export const addressOf = (address: LightningAddress, host: LnurlHost): string =>
  `${address.name}@${host.domain}`;

/**
 * LUD-06 metadata, as the exact string both calls must agree on: one `text/plain` entry, and the
 * `text/identifier` entry LUD-16 requires of an internet identifier that is not an email address.
 */
export function payRequestMetadata(address: LightningAddress, host: LnurlHost): string {
  return JSON.stringify([
    ["text/plain", address.description],
    ["text/identifier", addressOf(address, host)],
  ]);
}

/** LUD-06: the invoice's `h` tag is sha256 of the metadata string's UTF-8 bytes, hex. */
export const metadataHash = (metadata: string): string => bytesToHex(sha256(utf8ToBytes(metadata)));

/** An LNURL amount: decimal msat, no sign, no leading zero, within the exact edge range. */
function parseMsat(value: string): bigint | null {
  if (!/^[1-9][0-9]{0,15}$/.test(value)) return null;
  const msat = BigInt(value);
  return msat <= MAX_EDGE_MSAT ? msat : null;
}

/** Characters as LUD-12 counts them: code points, so an emoji is one. */
const characters = (s: string): number => [...s].length;

/**
 * The callback's ask: an active address, exactly one `amount` in msat within
 * [minSendable, maxSendable] (LUD-06), at most one `comment` of at most commentAllowed characters
 * (LUD-12; an empty one is none). Other parameters (LUD-18 payerdata, nonces) are ignored.
 */
export function decideCallback(
  address: LightningAddress,
  query: CallbackQuery,
): Result<InvoiceAsk, DomainError> {
  if (address.status !== "active") {
    return err(
      domainError("lightning_address_disabled", "this Lightning Address no longer accepts payments"),
    );
  }
  if (query.amount.length === 0) {
    return err(domainError("missing_parameter", "missing required parameter 'amount' (msat)", "amount"));
  }
  if (query.amount.length > 1) {
    return err(domainError("invalid_parameter", "send 'amount' once", "amount"));
  }
  const amountMsat = parseMsat(query.amount[0]!);
  if (amountMsat === null) {
    return err(
      domainError("invalid_parameter", "amount must be a positive integer number of millisatoshis", "amount"),
    );
  }
  if (amountMsat < address.minSendableMsat || amountMsat > address.maxSendableMsat) {
    return err(
      domainError(
        "amount_out_of_range",
        `amount must be between ${address.minSendableMsat} and ${address.maxSendableMsat} msat`,
        "amount",
      ),
    );
  }
  if (query.comment.length > 1) {
    return err(domainError("invalid_parameter", "send 'comment' once", "comment"));
  }
  const comment = query.comment[0] ?? "";
  if (characters(comment) > address.commentAllowed) {
    return err(
      domainError(
        "comment_too_long",
        address.commentAllowed === 0
          ? "this address takes no comment"
          : `comment is limited to ${address.commentAllowed} characters`,
        "comment",
      ),
    );
  }
  return ok({ amountMsat, comment: comment === "" ? null : comment });
}

/** The invoice metadata key that ties an invoice to the address it was issued for. */
export const ADDRESS_METADATA_KEY = "lightning_address";
/** The invoice metadata key holding the payer's LUD-12 comment. */
export const COMMENT_METADATA_KEY = "comment";

/** Whether an invoice (by its metadata) was issued through this address: only those can be verified. */
export const issuedThrough = (invoiceMetadata: Readonly<Record<string, string>>, address: LightningAddress) =>
  invoiceMetadata[ADDRESS_METADATA_KEY]?.startsWith(`${address.name}@`) === true;

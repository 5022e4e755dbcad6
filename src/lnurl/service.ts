/** Lightning Address use cases: load → decide (rules.ts) → persist (store.ts, the invoice service). */
import type { At } from "../core/clock";
import { domainError, type DomainError } from "../core/errors";
import { LIMITS } from "../core/limits";
import { err, ok, type Result } from "../core/result";
import { type Db, isGuardAbort, runBatch } from "../db/client";
import type { Invoice } from "../invoices/invoice";
import type { CreateContext } from "../invoices/rules";
import type { RatePolicy } from "../config";
import { createAndStore, priceAsk, readInvoice } from "../invoices/service";
import { getMerchant } from "../merchants/store";
import { merchantFiatOf } from "../rates/rate";
import type { CallbackQuery, ClaimRequest, LightningAddress, LnurlHost } from "./address";
import {
  ADDRESS_METADATA_KEY,
  addressOf,
  COMMENT_METADATA_KEY,
  checkAddressName,
  decideCallback,
  disable,
  issuedThrough,
  metadataHash,
  newAddress,
  payRequestMetadata,
} from "./rules";
import {
  addressByName,
  countAddresses,
  disableStatements,
  getAddress,
  insertAddressStatement,
} from "./store";

const taken = (name: string) =>
  domainError("address_name_taken", `the name '${name}' is already taken`, "name");

/** Claims a name for a merchant: valid, not reserved, free, and within the merchant's limit. */
export async function claimAddress(
  db: Db,
  merchantId: string,
  request: ClaimRequest,
  hubMaxSendableMsat: bigint,
  at: At,
): Promise<Result<LightningAddress, DomainError>> {
  const name = checkAddressName(request.name);
  if (!name.ok) return name;
  const [merchant, holder, held] = await Promise.all([
    getMerchant(db, merchantId),
    addressByName(db, request.name),
    countAddresses(db, merchantId),
  ]);
  if (!merchant) return err(domainError("merchant_not_found", "the merchant no longer exists"));
  if (holder) return err(taken(request.name));
  if (held >= LIMITS.maxLightningAddressesPerMerchant) {
    return err(
      domainError(
        "lightning_address_limit_reached",
        `a merchant holds at most ${LIMITS.maxLightningAddressesPerMerchant} Lightning Addresses`,
      ),
    );
  }
  const address = newAddress(
    request,
    merchantId,
    { merchantName: merchant.name, maxSendableMsat: hubMaxSendableMsat },
    at.nowMs,
    at.random,
  );
  if (!address.ok) return address;
  try {
    await runBatch(db, [insertAddressStatement(db, address.value)]);
  } catch (error) {
    // Claimed by someone else between our read and our write: the UNIQUE name decided.
    if (isGuardAbort(error)) return err(taken(request.name));
    throw error;
  }
  return ok(address.value);
}

/** Disables a merchant's address (idempotent); its name stays the merchant's. */
export async function disableAddress(
  db: Db,
  merchantId: string,
  id: string,
  nowSeconds: number,
): Promise<Result<LightningAddress, DomainError>> {
  const address = await getAddress(db, merchantId, id);
  if (!address) return err(domainError("lightning_address_not_found", `no Lightning Address '${id}'`, "id"));
  const next = disable(address, nowSeconds);
  if (!next.changed) return ok(next.address);
  try {
    await runBatch(db, disableStatements(db, next.address));
  } catch (error) {
    if (!isGuardAbort(error)) throw error;
    // A concurrent disable won: the address is disabled either way.
    return ok((await getAddress(db, merchantId, id)) ?? next.address);
  }
  return ok(next.address);
}

const unknownName = (name: string) =>
  domainError("lightning_address_not_found", `no Lightning Address '${name}'`, "name");

/** The active address answering for `name`; unknown and disabled names fail. */
export async function activeAddress(db: Db, name: string): Promise<Result<LightningAddress, DomainError>> {
  const address = await addressByName(db, name);
  if (!address) return err(unknownName(name));
  if (address.status !== "active") {
    return err(
      domainError("lightning_address_disabled", "this Lightning Address no longer accepts payments"),
    );
  }
  return ok(address);
}

/**
 * The LUD-06 callback: decides the ask, then issues an ordinary invoice through the invoice service
 * (so invoice.created fires, and payment.succeeded / invoice.paid when it is paid) whose `h` is
 * sha256 of the very metadata string the pay request showed. Priced like any sat invoice: a
 * merchant with a display currency gets its rate locked on it (the payment's fiat value), when
 * there is a fresh one; without one the invoice is issued all the same.
 */
export async function issueInvoice(
  db: Db,
  name: string,
  query: CallbackQuery,
  host: LnurlHost,
  ctx: Omit<CreateContext, "merchantId">,
  policy: RatePolicy,
): Promise<Result<{ address: LightningAddress; invoice: Invoice }, DomainError>> {
  const address = await addressByName(db, name);
  if (!address) return err(unknownName(name));
  const ask = decideCallback(address, query);
  if (!ask.ok) return ask;
  const merchant = await getMerchant(db, address.merchantId);
  const priced = await priceAsk(
    db,
    {
      amountMsat: ask.value.amountMsat,
      description: null,
      descriptionHash: metadataHash(payRequestMetadata(address, host)),
      expirySeconds: LIMITS.onDemandInvoiceExpirySeconds,
      metadata: {
        [ADDRESS_METADATA_KEY]: addressOf(address, host),
        ...(ask.value.comment === null ? {} : { [COMMENT_METADATA_KEY]: ask.value.comment }),
      },
      orderId: null,
      successUrl: null,
      publicMetadataKeys: [],
    },
    ctx.nowMs,
    { policy, merchant: merchantFiatOf(merchant) },
  );
  if (!priced.ok) return priced;
  const invoice = await createAndStore(db, priced.value, { ...ctx, merchantId: address.merchantId });
  return ok({ address, invoice });
}

/** LUD-21: an invoice issued through the address `name`, with expiry enforced on read. */
export async function verifiedInvoice(
  db: Db,
  name: string,
  invoiceId: string,
  at: At,
): Promise<Result<Invoice, DomainError>> {
  const address = await addressByName(db, name);
  if (!address) return err(unknownName(name));
  const invoice = await readInvoice(db, address.merchantId, invoiceId, at);
  if (!invoice || !issuedThrough(invoice.metadata, address)) {
    return err(domainError("invoice_not_found", `no invoice '${invoiceId}' issued for this address`, "id"));
  }
  return ok(invoice);
}

/** Pure invoice decisions: creation, effective status, cancel and expiry transitions. */
import { secondsOf } from "../core/clock";
import { domainError, type DomainError } from "../core/errors";
import { newId, type RandomBytes } from "../core/ids";
import type { Network } from "../core/network";
import { err, ok, type Result } from "../core/result";
import { bytesToHex, hexToBytes, sha256 } from "../crypto";
import { signInvoice } from "../lightning/bolt11";
import type { Invoice, InvoiceRequest, InvoiceStatus } from "./invoice";

export interface CreateContext {
  readonly merchantId: string;
  readonly network: Network;
  readonly nodeSecretKey: Uint8Array;
  readonly nowMs: number;
  readonly random: RandomBytes;
  /** Origin of the hosted checkout page (PUBLIC_URL, or the origin the API was called on). */
  readonly publicUrl: string;
}

/** A new open invoice: fresh preimage, its hash, a payment secret, and the signed BOLT11. */
export function createInvoice(request: InvoiceRequest, ctx: CreateContext): Invoice {
  const createdAt = secondsOf(ctx.nowMs);
  const preimage = ctx.random(32);
  const paymentHash = sha256(preimage);
  const paymentSecret = ctx.random(32);
  const bolt11 = signInvoice(
    {
      network: ctx.network,
      amountMsat: request.amountMsat,
      timestampSeconds: createdAt,
      expirySeconds: request.expirySeconds,
      paymentHash,
      paymentSecret,
      description: request.descriptionHash === null ? (request.description ?? "") : null,
      descriptionHash: request.descriptionHash === null ? null : hexToBytes(request.descriptionHash),
    },
    ctx.nodeSecretKey,
  );
  const id = newId("invoice", ctx.nowMs, ctx.random);
  return {
    id,
    merchantId: ctx.merchantId,
    status: "open",
    amountMsat: request.amountMsat,
    description: request.descriptionHash === null ? (request.description ?? "") : null,
    descriptionHash: request.descriptionHash,
    paymentHash: bytesToHex(paymentHash),
    paymentSecret: bytesToHex(paymentSecret),
    preimage: bytesToHex(preimage),
    bolt11,
    expirySeconds: request.expirySeconds,
    createdAt,
    expiresAt: createdAt + request.expirySeconds,
    paidAt: null,
    canceledAt: null,
    expiredAt: null,
    metadata: request.metadata,
    orderId: request.orderId,
    paymentId: null,
    checkoutUrl: `${ctx.publicUrl}/pay/${id}`,
    successUrl: request.successUrl,
    publicMetadataKeys: request.publicMetadataKeys,
    price: request.price ?? null,
    rate: request.rate ?? null,
  };
}

/**
 * The refusal of an expiry under the hub's least (LIMITS.minExpirySeconds in production), worded as
 * the schema's own range errors are; null when it is long enough.
 */
export const tooShortExpiry = (expirySeconds: number, minSeconds: number): DomainError | null =>
  expirySeconds < minSeconds
    ? domainError(
        "invalid_parameter",
        `expiry_seconds: Too small: expected number to be >=${minSeconds}`,
        "expiry_seconds",
      )
    : null;

/** The status a reader must see: an open invoice past its expiry is expired, stored or not. */
export function effectiveStatus(
  invoice: Pick<Invoice, "status" | "expiresAt">,
  nowSeconds: number,
): InvoiceStatus {
  return invoice.status === "open" && nowSeconds >= invoice.expiresAt ? "expired" : invoice.status;
}

/** True when the invoice is open in storage but its time has run out: it should be expired. */
export const needsExpiry = (invoice: Invoice, nowSeconds: number): boolean =>
  invoice.status === "open" && nowSeconds >= invoice.expiresAt;

/** The invoice once expired; it expired at its expiry time, whenever that is noticed. */
export const expired = (invoice: Invoice): Invoice => ({
  ...invoice,
  status: "expired",
  expiredAt: invoice.expiresAt,
});

/**
 * Cancel: an open invoice becomes canceled; canceling a canceled one changes nothing;
 * paid and expired invoices cannot be canceled.
 */
export function cancel(
  invoice: Invoice,
  nowSeconds: number,
): Result<{ invoice: Invoice; changed: boolean }, DomainError> {
  switch (effectiveStatus(invoice, nowSeconds)) {
    case "open":
      return ok({ invoice: { ...invoice, status: "canceled", canceledAt: nowSeconds }, changed: true });
    case "canceled":
      return ok({ invoice, changed: false });
    case "paid":
      return err(domainError("invoice_paid", "a paid invoice cannot be canceled; refund it instead"));
    case "expired":
      return err(domainError("invoice_expired", "the invoice has already expired"));
  }
}

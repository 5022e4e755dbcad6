/** Lightning Addresses as the merchant API shows them, and the LNURL-pay documents wallets read. */
import type { DomainError } from "../core/errors";
import { msatToEdge } from "../core/money";
import type { Invoice } from "../invoices/invoice";
import { effectiveStatus } from "../invoices/rules";
import type { LightningAddress, LnurlHost } from "./address";
import { addressOf, payRequestMetadata } from "./rules";

/** Where the pay request of an address lives (LUD-16). */
const payRequestUrl = (address: LightningAddress, host: LnurlHost) =>
  `${host.origin}/.well-known/lnurlp/${address.name}`;

/** The LUD-06 callback of an address. */
const callbackUrl = (address: LightningAddress, host: LnurlHost) =>
  `${host.origin}/lnurlp/${address.name}/callback`;

/** The LUD-21 verify URL of an invoice issued through an address. */
const verifyUrl = (address: LightningAddress, invoiceId: string, host: LnurlHost) =>
  `${host.origin}/lnurlp/${address.name}/verify/${invoiceId}`;

/** JSON view of an address for its merchant. */
export function renderAddress(address: LightningAddress, host: LnurlHost) {
  return {
    id: address.id,
    object: "lightning_address" as const,
    name: address.name,
    address: addressOf(address, host),
    status: address.status,
    description: address.description,
    min_sendable_msat: msatToEdge(address.minSendableMsat),
    max_sendable_msat: msatToEdge(address.maxSendableMsat),
    comment_allowed: address.commentAllowed,
    success_message: address.successMessage,
    lnurlp_url: payRequestUrl(address, host),
    created_at: address.createdAt,
    disabled_at: address.disabledAt,
  };
}

/** LUD-06 step 3 (with LUD-12 `commentAllowed`): the pay request a wallet resolves the address to. */
export function renderPayRequest(address: LightningAddress, host: LnurlHost) {
  return {
    tag: "payRequest" as const,
    callback: callbackUrl(address, host),
    minSendable: msatToEdge(address.minSendableMsat),
    maxSendable: msatToEdge(address.maxSendableMsat),
    metadata: payRequestMetadata(address, host),
    commentAllowed: address.commentAllowed,
  };
}

/** LUD-06 step 5 with the LUD-09 success action and the LUD-21 verify URL. */
export function renderCallback(address: LightningAddress, invoice: Invoice, host: LnurlHost) {
  return {
    status: "OK" as const,
    pr: invoice.bolt11,
    routes: [] as never[],
    successAction: { tag: "message" as const, message: address.successMessage },
    verify: verifyUrl(address, invoice.id, host),
  };
}

/** LUD-21: whether the invoice is settled, and its preimage once it is. */
export function renderVerify(invoice: Invoice, nowSeconds: number) {
  const settled = effectiveStatus(invoice, nowSeconds) === "paid";
  return { status: "OK" as const, settled, preimage: settled ? invoice.preimage : null, pr: invoice.bolt11 };
}

/** The LNURL error shape `{status: "ERROR", reason}`, with the stable code beside it. */
export const renderLnurlError = (error: DomainError) => ({
  status: "ERROR" as const,
  reason: error.message,
  code: error.code,
});

/** Payment receipts: what the hub signs with its node key so a payer can prove it paid. */
import { type Ecdsa, signDer, verifyDerLowS } from "../chain/signature";
import { bytesToHex, hexToBytes, sha256, utf8ToBytes } from "../crypto";

export interface ReceiptFields {
  readonly payment_id: string;
  readonly invoice_id: string;
  readonly payment_hash: string;
  readonly amount_msat: number;
  readonly channel_id: string;
  readonly seq: number;
  readonly payer_balance_msat: number;
  readonly created_at: number;
}

/** sha256(UTF-8 "sluice/receipt/v1:<payment_id>:<invoice_id>:<payment_hash>:<amount_msat>:<channel_id>:<seq>:<payer_balance_msat>:<created_at>"). */
export function receiptHash(r: ReceiptFields): Uint8Array {
  const fields = [
    r.payment_id,
    r.invoice_id,
    r.payment_hash,
    r.amount_msat,
    r.channel_id,
    r.seq,
    r.payer_balance_msat,
    r.created_at,
  ];
  return sha256(utf8ToBytes(`sluice/receipt/v1:${fields.join(":")}`));
}

/** The node key's low-S DER signature of a receipt, hex. */
export const signReceipt = (r: ReceiptFields, nodeSecretKey: Uint8Array, ecdsa?: Ecdsa): string =>
  bytesToHex(signDer(receiptHash(r), nodeSecretKey, ecdsa));

/** True when `signatureHex` is the node's signature of exactly these fields. */
export const verifyReceipt = (r: ReceiptFields, signatureHex: string, nodePubkeyHex: string): boolean =>
  /^([0-9a-f]{2})+$/.test(signatureHex) &&
  verifyDerLowS(hexToBytes(signatureHex), receiptHash(r), hexToBytes(nodePubkeyHex));

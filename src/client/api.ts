/** A small typed client for the Sluice HTTP API; runs in Node and browsers (fetch only). */
import type { SettlementProof } from "./proof";

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** An error the API answered with: stable `code`, HTTP `status`. */
export class SluiceApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SluiceApiError";
  }
}

export interface NodeInfo {
  network: "mainnet" | "testnet" | "signet" | "regtest";
  node_pubkey: string;
  block_height: number | null;
  min_confirmations: number;
  channel: {
    min_capacity_sat: number;
    max_capacity_sat: number;
    lifetime_blocks: number;
    close_margin_blocks: number;
  };
}

export interface ChannelView {
  id: string;
  status: string;
  payer_pubkey: string;
  hub_pubkey: string;
  refund_locktime: number;
  witness_script: string;
  funding_script_pubkey: string;
  funding_address: string;
  capacity_sat: number;
  refund_script_pubkey: string;
  seq: number;
  payer_balance_msat: number;
  funding_txid: string | null;
  funding_vout: number | null;
  funding_confirmations: number;
  /** Null while the hub's node has not seen the registered funding transaction. */
  funding_verified_at?: number | null;
  /** Why the last registered outpoint was turned down after the fact. */
  funding_error?: { code: string; message: string } | null;
  settlement_id?: string | null;
  close_reason?: "expiring" | "exhausted" | "requested" | null;
}

export interface PayBody {
  invoice: string;
  channel_id: string;
  seq: number;
  payer_balance_msat: number;
  sighash_type: number;
  signature: string;
}

export interface PaymentResult {
  id: string;
  status: "succeeded";
  invoice_id: string;
  amount_msat: number;
  preimage: string;
  channel: { id: string; seq: number; payer_balance_msat: number };
  receipt: {
    payment_id: string;
    invoice_id: string;
    payment_hash: string;
    amount_msat: number;
    channel_id: string;
    seq: number;
    payer_balance_msat: number;
    created_at: number;
    signature: string;
  };
}

/** GET /v1/channels/{id}/refunds: a refund a merchant issued to this channel's payer. */
export interface PayerRefund {
  id: string;
  object: "refund";
  payment_id: string;
  invoice_id: string;
  merchant_name: string;
  amount_msat: number;
  fiat_value: { currency: string; amount_minor: number; btc_price_minor: number; exponent: number } | null;
  /** owed: settlement will pay it to the refund script; paying: in a transaction not final yet; paid: final. */
  status: "owed" | "paying" | "paid";
  payout_txid: string | null;
  created_at: number;
}

export interface List<T> {
  object: "list";
  data: T[];
  has_more: boolean;
}

/** Calls the public and payer endpoints. */
export class SluiceClient {
  private readonly fetch: Fetch;

  constructor(
    private readonly apiUrl: string,
    fetchImpl?: Fetch,
  ) {
    this.fetch = fetchImpl ?? ((url, init) => globalThis.fetch(url, init));
  }

  private async call<T>(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    const res = await this.fetch(`${this.apiUrl.replace(/\/$/, "")}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    if (!res.ok)
      throw new SluiceApiError(
        res.status,
        json?.error?.code ?? "unknown",
        json?.error?.message ?? res.statusText,
      );
    return json as T;
  }

  node = () => this.call<NodeInfo>("GET", "/v1/node");
  openChannel = (
    body: { payer_pubkey: string; capacity_sat: number; refund_script_pubkey?: string },
    key?: string,
  ) => this.call<ChannelView>("POST", "/v1/channels", body, key);
  channel = (id: string) => this.call<ChannelView>("GET", `/v1/channels/${encodeURIComponent(id)}`);
  /** `signature`: P's low-S DER signature of sha256("sluice/funding/v1:<id>:<txid>:<vout>"). */
  registerFunding = (id: string, body: { txid: string; vout: number; signature: string }) =>
    this.call<ChannelView>("POST", `/v1/channels/${encodeURIComponent(id)}/funding`, body);
  pay = (body: PayBody) => this.call<PaymentResult>("POST", "/v1/payments", body);
  closeChannel = (id: string, signature: string) =>
    this.call<ChannelView>("POST", `/v1/channels/${encodeURIComponent(id)}/close`, { signature });
  /** A page of a channel's refunds, newest first; `signature`: P's of sha256("sluice/refunds/v1:<id>"). */
  refunds = (id: string, signature: string, startingAfter?: string) =>
    this.call<List<PayerRefund>>(
      "GET",
      `/v1/channels/${encodeURIComponent(id)}/refunds?limit=100&signature=${signature}${startingAfter ? `&starting_after=${encodeURIComponent(startingAfter)}` : ""}`,
    );
  settlement = (id: string) => this.call<SettlementView>("GET", `/v1/settlements/${encodeURIComponent(id)}`);
  /** The public checkout view of an invoice (what a shopper sees). */
  checkout = (invoiceId: string) =>
    this.call<CheckoutView>("GET", `/v1/checkout/${encodeURIComponent(invoiceId)}`);
  /** The checkout view of the invoice whose BOLT11 string this is (404 when it is not this hub's). */
  lookupInvoice = (invoice: string) => this.call<CheckoutView>("POST", "/v1/checkout/lookup", { invoice });
  /** Relays a payer's signed CLTV refund of this channel through the hub's Bitcoin node. */
  broadcastRefund = (id: string, rawTx: string) =>
    this.call<{ txid: string }>("POST", `/v1/channels/${encodeURIComponent(id)}/refund`, { raw_tx: rawTx });
  /** Regtest dev hubs only: pays a channel's exact capacity to its funding script from the dev faucet. */
  devFaucet = (channelId: string) =>
    this.call<{ txid: string; vout: number }>("POST", "/v1/dev/faucet", { channel_id: channelId });
  /** Whether this hub has a dev faucet (regtest, dev mode). */
  devFaucetAvailable = () =>
    this.call<{ available: true }>("GET", "/v1/dev/faucet").then(
      () => true,
      (e) => {
        if (e instanceof SluiceApiError && e.status === 404) return false;
        throw e;
      },
    );
  /** A payer's proof: authenticated by a signature of the channel key, no API key. */
  channelProof = (settlementId: string, channelId: string, signature: string) =>
    this.call<SettlementProof>(
      "GET",
      `/v1/settlements/${encodeURIComponent(settlementId)}/proof?channel_id=${encodeURIComponent(channelId)}&signature=${signature}`,
    );
}

/** GET /v1/checkout/{id}: the public view of an invoice. */
export interface CheckoutView {
  id: string;
  status: "open" | "paid" | "expired" | "canceled";
  merchant_name: string;
  description: string | null;
  amount_msat: number;
  bolt11: string;
  payment_hash: string;
  expires_at: number;
  paid_at: number | null;
  server_time: number;
}

export interface SettlementView {
  id: string;
  status: "planned" | "signed" | "broadcast" | "confirmed" | "final";
  txids: string[];
  merkle_root: string;
  total_liabilities_msat: number;
  confirmations: number;
  payout_count: number;
  close_count: number;
}

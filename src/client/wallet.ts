/**
 * The payer's wallet: one key, its channels, their signed states, and the unilateral refund.
 * Runs in Node and browsers (no Node APIs). It trusts nothing the hub says that it can check:
 * every channel offer's script is rebuilt locally before funds go to it.
 */
import { buildRefundTx, type FundedChannel, fundingScriptOf, signClosingState } from "../chain/channel";
import { isCompressedPubkey, p2wpkh, segwitAddress, standardKind } from "../chain/script";
import { payerMessageHash, signDer } from "../chain/signature";
import { type Tx, txHex, txid } from "../chain/tx";
import { bytesToHex, hexToBytes, secp, sha256 } from "../crypto";
import { type DecodedInvoice, decodeInvoice } from "../lightning/bolt11";
import { verifyReceipt } from "../payments/receipt";
import {
  type ChannelView,
  type NodeInfo,
  type PayBody,
  type PaymentResult,
  type PayerRefund,
  SluiceApiError,
  type SluiceClient,
} from "./api";
import { type ProofCheck, verifySettlementProof } from "./proof";
import type { WalletStorage } from "./storage";

/** What the wallet remembers of a channel: its terms and the latest state the hub confirmed. */
export interface StoredChannel {
  id: string;
  network: NodeInfo["network"];
  hubPubkey: string;
  refundLocktime: number;
  capacitySat: number;
  refundScript: string;
  fundingScript: string;
  fundingTxid: string | null;
  fundingVout: number | null;
  seq: number;
  payerBalanceMsat: string;
  /** The status the hub last reported (`sync`), for showing while offline. */
  status?: string;
}

/** A payment the wallet made, as it verified it. */
export interface PaymentRecord {
  paymentId: string;
  invoiceId: string;
  amountMsat: string;
  paymentHash: string;
  preimage: string;
  description: string | null;
  channelId: string;
  seq: number;
  createdAt: number;
}

const KEY = "secret_key";
const CHANNELS = "channels";
const HISTORY = "history";
const channelKey = (id: string) => `channel:${id}`;
const pendingKey = (id: string) => `pending:${id}`;

export class PayerWallet {
  private constructor(
    private readonly storage: WalletStorage,
    private readonly secretKey: Uint8Array,
  ) {}

  /** Opens the wallet in `storage`, creating a fresh key (or importing `importHex`) the first time. */
  static async open(storage: WalletStorage, importHex?: string): Promise<PayerWallet> {
    const stored = await storage.get(KEY);
    if (stored && importHex && stored !== importHex)
      throw new Error("this storage already holds another key");
    const hex = stored ?? importHex ?? bytesToHex(secp.utils.randomSecretKey());
    const secretKey = hexToBytes(hex);
    if (!secp.utils.isValidSecretKey(secretKey)) throw new Error("not a valid secp256k1 secret key");
    if (!stored) await storage.set(KEY, hex);
    return new PayerWallet(storage, secretKey);
  }

  private get publicKey(): Uint8Array {
    return secp.getPublicKey(this.secretKey, true);
  }

  /** The payer key P (compressed, hex). */
  get pubkey(): string {
    return bytesToHex(this.publicKey);
  }

  /** A remembered channel, or an error naming it. */
  async channel(id: string): Promise<StoredChannel> {
    const raw = await this.storage.get(channelKey(id));
    if (!raw) throw new Error(`this wallet has no channel ${id}`);
    return JSON.parse(raw) as StoredChannel;
  }

  private async save(channel: StoredChannel) {
    const ids = JSON.parse((await this.storage.get(CHANNELS)) ?? "[]") as string[];
    if (!ids.includes(channel.id)) await this.storage.set(CHANNELS, JSON.stringify([...ids, channel.id]));
    await this.storage.set(channelKey(channel.id), JSON.stringify(channel));
  }

  /** Ids of the channels this wallet knows. */
  async channelIds(): Promise<string[]> {
    return JSON.parse((await this.storage.get(CHANNELS)) ?? "[]") as string[];
  }

  /**
   * Asks the hub for a channel and checks the offer: the funding script must be exactly
   * P2WSH(IF H CHECKSIGVERIFY ELSE T CLTV DROP ENDIF P CHECKSIG) rebuilt here from this wallet's P,
   * the offer's T and its own hub key H (DESIGN.md §5: the refund path depends only on P and T).
   */
  async openChannel(
    client: SluiceClient,
    capacitySat: number,
    refundScriptHex?: string,
  ): Promise<StoredChannel> {
    const node = await client.node();
    const offer = await client.openChannel({
      payer_pubkey: this.pubkey,
      capacity_sat: capacitySat,
      ...(refundScriptHex ? { refund_script_pubkey: refundScriptHex } : {}),
    });
    const stored = checkOffer(offer, node, this.pubkey, capacitySat, refundScriptHex);
    await this.save(stored);
    return stored;
  }

  /** The address to pay exactly `capacitySat` to. */
  async fundingAddress(id: string): Promise<string> {
    const c = await this.channel(id);
    return segwitAddress(hexToBytes(c.fundingScript), c.network);
  }

  /**
   * Tells the hub which output funds the channel, signed by P (`sluice/funding/v1:<id>:<txid>:<vout>`,
   * so nobody else can point a channel at this deposit), and remembers it once the hub accepted it:
   * `opening` (verified, or waiting for the hub's node to see the transaction) or `open`.
   */
  async registerFunding(
    client: SluiceClient,
    id: string,
    outpoint: { txid: string; vout: number },
  ): Promise<ChannelView> {
    const c = await this.channel(id);
    const message = payerMessageHash("funding", id, outpoint.txid, String(outpoint.vout));
    const signature = bytesToHex(signDer(message, this.secretKey));
    const view = await client.registerFunding(id, { txid: outpoint.txid, vout: outpoint.vout, signature });
    await this.save({ ...c, fundingTxid: outpoint.txid, fundingVout: outpoint.vout });
    return view;
  }

  /**
   * Signs the closing template for a new state (DESIGN.md §5): its input's nSequence is
   * 0x80000000 + seq, so the signature stands for this state only. Does not persist it.
   */
  async signState(
    id: string,
    state: { seq: number; payerBalanceMsat: bigint },
  ): Promise<{ signature: string; sighashType: number }> {
    const { signature, sighashType } = signClosingState(
      funded(await this.channel(id), this.publicKey),
      state,
      this.secretKey,
    );
    return { signature: bytesToHex(signature), sighashType };
  }

  /**
   * Checks that `bolt11` is payable from this wallet, without signing or sending anything: a valid
   * invoice, payable to this hub's node key on its network, with an amount, not expired, and a
   * funded channel (or the one named) whose balance covers it. A wallet shows this before asking to
   * pay; the WebLN provider hands it to `confirm`.
   */
  async preparePayment(
    client: SluiceClient,
    bolt11: string,
    options: { channelId?: string; nowSeconds?: number } = {},
  ): Promise<{ node: NodeInfo; invoice: DecodedInvoice; amountMsat: bigint; channelId: string }> {
    const node = await client.node();
    const decoded = decodeInvoice(bolt11.trim());
    if (!decoded.ok) throw new Error(`not a valid invoice: ${decoded.error.message}`);
    const invoice = decoded.value;
    const network =
      invoice.network === node.network
        ? ""
        : `the invoice is for ${invoice.network}, the hub runs ${node.network}`;
    if (invoice.payee_pubkey !== node.node_pubkey)
      throw new Error(
        `${network ? `${network}: it` : "the invoice"} is not payable to this hub (payee differs)`,
      );
    if (network) throw new Error(network);
    if (invoice.amount_msat === null) throw new Error("invoices without an amount are not supported");
    const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
    if (now >= invoice.expires_at) throw new Error("the invoice has expired");
    const amountMsat = BigInt(invoice.amount_msat);
    const channelId = options.channelId ?? (await this.channelFor(amountMsat));
    const c = await this.channel(channelId);
    if (amountMsat > BigInt(c.payerBalanceMsat))
      throw new Error(
        `channel ${channelId} holds ${c.payerBalanceMsat} msat, the invoice asks ${amountMsat}`,
      );
    return { node, invoice, amountMsat, channelId };
  }

  /**
   * Pays a BOLT11 invoice from a channel: checks the invoice (`preparePayment`), signs the next
   * state, sends it, and verifies the preimage against the payment hash and the receipt against
   * the node key before remembering the new state. The signed state is kept as pending first, so a
   * lost response or a crash is recovered by sending the very same state again (the hub answers
   * with the same payment).
   */
  async pay(
    client: SluiceClient,
    bolt11: string,
    options: { channelId?: string; nowSeconds?: number } = {},
  ): Promise<PaymentResult> {
    const { node, invoice, amountMsat, channelId } = await this.preparePayment(client, bolt11, options);
    await this.resume(client, channelId);
    const c = await this.channel(channelId);
    const balance = BigInt(c.payerBalanceMsat);
    if (amountMsat > balance)
      throw new Error(`channel ${channelId} holds ${balance} msat, the invoice asks ${amountMsat}`);
    const next = balance - amountMsat;
    const seq = c.seq + 1;
    const { signature, sighashType } = await this.signState(channelId, { seq, payerBalanceMsat: next });
    const body = {
      invoice: bolt11.trim(),
      channel_id: channelId,
      seq,
      payer_balance_msat: Number(next),
      sighash_type: sighashType,
      signature,
    };
    await this.storage.set(pendingKey(channelId), JSON.stringify(body));
    return this.send(client, node.node_pubkey, invoice.payment_hash, body);
  }

  /** Sends a pending signed state again (after a lost response or a restart), if there is one. */
  async resume(client: SluiceClient, channelId: string): Promise<PaymentResult | null> {
    const raw = await this.storage.get(pendingKey(channelId));
    if (!raw) return null;
    const body = JSON.parse(raw) as PayBody;
    const node = await client.node();
    const decoded = decodeInvoice(body.invoice);
    if (!decoded.ok) throw new Error("a pending payment holds an invalid invoice");
    return this.send(client, node.node_pubkey, decoded.value.payment_hash, body).catch(async (e) => {
      // A definite refusal means the state was never accepted: forget it.
      if (e instanceof SluiceApiError) await this.storage.set(pendingKey(channelId), "");
      throw e;
    });
  }

  private async send(
    client: SluiceClient,
    nodePubkey: string,
    paymentHash: string,
    body: PayBody,
  ): Promise<PaymentResult> {
    let result: PaymentResult | undefined;
    for (let attempt = 1; result === undefined; attempt++) {
      try {
        result = await client.pay(body);
      } catch (e) {
        if (e instanceof SluiceApiError) {
          await this.storage.set(pendingKey(body.channel_id), "");
          throw e;
        }
        if (attempt >= 3) throw e; // still pending: `resume` sends the same state later
      }
    }
    if (bytesToHex(sha256(hexToBytes(result.preimage))) !== paymentHash)
      throw new Error("the hub returned a preimage that does not match the payment hash");
    const { signature, ...fields } = result.receipt;
    if (!verifyReceipt(fields, signature, nodePubkey))
      throw new Error("the receipt is not signed by the hub's node key");
    if (result.channel.seq !== body.seq || result.channel.payer_balance_msat !== body.payer_balance_msat) {
      throw new Error("the hub confirmed a different channel state than the one signed");
    }
    await this.confirmState(body.channel_id, body.seq, BigInt(body.payer_balance_msat));
    await this.record(result, body.invoice);
    await this.storage.set(pendingKey(body.channel_id), "");
    return result;
  }

  /** The first funded channel whose balance covers `amountMsat`. */
  private async channelFor(amountMsat: bigint): Promise<string> {
    const ids = JSON.parse((await this.storage.get(CHANNELS)) ?? "[]") as string[];
    for (const id of ids) {
      const c = await this.channel(id);
      if (c.fundingTxid !== null && BigInt(c.payerBalanceMsat) >= amountMsat) return id;
    }
    throw new Error("no funded channel in this wallet covers the amount");
  }

  /** Adds a verified payment to the history (once per payment id: a replayed state repeats it). */
  private async record(result: PaymentResult, bolt11: string) {
    const history = await this.history();
    if (history.some((p) => p.paymentId === result.id)) return;
    const decoded = decodeInvoice(bolt11);
    const entry: PaymentRecord = {
      paymentId: result.id,
      invoiceId: result.invoice_id,
      amountMsat: String(result.amount_msat),
      paymentHash: result.receipt.payment_hash,
      preimage: result.preimage,
      description: decoded.ok ? decoded.value.description : null,
      channelId: result.channel.id,
      seq: result.channel.seq,
      createdAt: result.receipt.created_at,
    };
    await this.storage.set(HISTORY, JSON.stringify([...history, entry]));
  }

  /** Every payment this wallet made and verified (preimage and receipt checked), oldest first. */
  async history(): Promise<PaymentRecord[]> {
    return JSON.parse((await this.storage.get(HISTORY)) ?? "[]") as PaymentRecord[];
  }

  /** Adds payments from a backup, skipping those already here. */
  async importHistory(records: readonly PaymentRecord[]): Promise<void> {
    const history = await this.history();
    const known = new Set(history.map((p) => p.paymentId));
    const added = records.filter((p) => !known.has(p.paymentId));
    if (added.length > 0) await this.storage.set(HISTORY, JSON.stringify([...history, ...added]));
  }

  /** Every channel this wallet knows, in the order it opened them. */
  async channels(): Promise<StoredChannel[]> {
    return Promise.all((await this.channelIds()).map((id) => this.channel(id)));
  }

  /**
   * Takes in a channel from a backup (an emergency kit): its terms must rebuild its funding
   * script with this wallet's key, so a kit of another wallet cannot slip in.
   */
  async adopt(channel: StoredChannel): Promise<void> {
    const script = fundingScriptOf({
      payerPubkey: this.publicKey,
      hubPubkey: hexToBytes(channel.hubPubkey),
      refundLocktime: channel.refundLocktime,
      capacitySat: BigInt(channel.capacitySat),
      refundScript: hexToBytes(channel.refundScript),
    });
    if (bytesToHex(script) !== channel.fundingScript)
      throw new Error(`channel ${channel.id} does not belong to this key`);
    const known = await this.channelIds();
    if (known.includes(channel.id)) {
      const mine = await this.channel(channel.id);
      if (mine.seq >= channel.seq) return;
    }
    await this.save(channel);
  }

  /**
   * Asks the hub for the channel's status and takes a newer state it reports (after a restore
   * from an older kit the hub holds states this device never saw; the payer signed each of them).
   */
  async sync(client: SluiceClient, id: string): Promise<ChannelView> {
    const c = await this.channel(id);
    const view = await client.channel(id);
    if (view.funding_script_pubkey !== c.fundingScript)
      throw new Error(`the hub describes channel ${id} with another script`);
    let next: StoredChannel = { ...c, status: view.status };
    if (next.fundingTxid === null && view.funding_txid !== null && view.funding_vout !== null)
      next = { ...next, fundingTxid: view.funding_txid, fundingVout: view.funding_vout };
    if (view.seq > c.seq)
      next = { ...next, seq: view.seq, payerBalanceMsat: String(view.payer_balance_msat) };
    await this.save(next);
    return view;
  }

  /** Records a state the hub confirmed (only then: a lost response is recovered by replaying). */
  async confirmState(id: string, seq: number, payerBalanceMsat: bigint): Promise<void> {
    const c = await this.channel(id);
    if (seq <= c.seq) return;
    await this.save({ ...c, seq, payerBalanceMsat: payerBalanceMsat.toString() });
  }

  /** Asks the hub to close the channel at its next settlement. */
  async requestClose(client: SluiceClient, id: string): Promise<ChannelView> {
    const signature = bytesToHex(signDer(payerMessageHash("close", id), this.secretKey));
    return client.closeChannel(id, signature);
  }

  /**
   * Refunds merchants issued to this wallet on a channel, newest first, each owed, paying or paid
   * (the hub pays them to the channel's refund script at a settlement). Signed by P, so only this
   * wallet's key can list them.
   */
  async refunds(client: SluiceClient, channelId: string): Promise<PayerRefund[]> {
    const signature = bytesToHex(signDer(payerMessageHash("refunds", channelId), this.secretKey));
    const all: PayerRefund[] = [];
    for (let page = await client.refunds(channelId, signature); ; ) {
      all.push(...page.data);
      if (!page.has_more) return all;
      page = await client.refunds(channelId, signature, all[all.length - 1]!.id);
    }
  }

  /**
   * This channel's leaves in a settlement, checked against the settlement's transaction as the
   * chain holds it (`rawTx` fetches raw hex from a node or explorer the payer trusts).
   */
  async proveChannel(
    client: SluiceClient,
    settlementId: string,
    channelId: string,
    rawTx: (txid: string) => Promise<string>,
  ): Promise<ProofCheck> {
    const signature = bytesToHex(signDer(payerMessageHash("proof", channelId, settlementId), this.secretKey));
    const proof = await client.channelProof(settlementId, channelId, signature);
    const [first] = proof.txids;
    if (!first) return { ok: false, reason: "the settlement has no transaction yet" };
    // The channel's balance now is a floor for what the hub owed it at any earlier settlement.
    const now = BigInt((await this.channel(channelId)).payerBalanceMsat);
    return verifySettlementProof(proof, await rawTx(first), {
      settlementId,
      owner: `channel:${channelId}`,
      minimumBalanceMsat: now,
    });
  }

  /**
   * The hub-gone path: a signed transaction returning the whole deposit (less the fee) by the
   * CLTV branch. Valid once the chain tip reaches refund_locktime; needs nothing from the hub.
   */
  async buildRefund(
    id: string,
    feeRateSatPerVb: number,
    destinationScriptHex?: string,
  ): Promise<{ tx: Tx; txid: string; hex: string }> {
    const c = funded(await this.channel(id), this.publicKey);
    const destination = destinationScriptHex ? hexToBytes(destinationScriptHex) : c.refundScript;
    const tx = buildRefundTx(c, destination, feeRateSatPerVb, this.secretKey);
    return { tx, txid: txid(tx), hex: txHex(tx) };
  }
}

/**
 * Checks a channel offer against what the payer asked and what the node publishes. `H` needs no
 * check against anything (each offer has its own, DESIGN.md §5): only that it is a compressed
 * point, and that the funding script is rebuilt exactly from P, H and T.
 */
export function checkOffer(
  offer: ChannelView,
  node: NodeInfo,
  payerPubkey: string,
  capacitySat: number,
  refundScriptHex?: string,
): StoredChannel {
  const refundScript = refundScriptHex ?? bytesToHex(p2wpkh(hexToBytes(payerPubkey)));
  const hex = (value: unknown) => typeof value === "string" && /^([0-9a-f]{2})+$/.test(value);
  if (!hex(offer.hub_pubkey) || !isCompressedPubkey(hexToBytes(offer.hub_pubkey)))
    throw new Error("the hub's channel offer does not check out: hub key format");
  if (!hex(offer.refund_script_pubkey) || !hex(offer.funding_script_pubkey))
    throw new Error("the hub's channel offer does not check out: script encoding");
  const problems = [
    offer.payer_pubkey !== payerPubkey && "payer key",
    offer.capacity_sat !== capacitySat && "capacity",
    offer.refund_script_pubkey !== refundScript && "refund script",
    standardKind(hexToBytes(offer.refund_script_pubkey)) === null && "refund script kind",
    node.block_height !== null &&
      offer.refund_locktime > node.block_height + node.channel.lifetime_blocks + 6 &&
      "refund locktime",
  ].filter(Boolean);
  const terms = {
    payerPubkey: hexToBytes(payerPubkey),
    hubPubkey: hexToBytes(offer.hub_pubkey),
    refundLocktime: offer.refund_locktime,
    capacitySat: BigInt(capacitySat),
    refundScript: hexToBytes(refundScript),
  };
  if (bytesToHex(fundingScriptOf(terms)) !== offer.funding_script_pubkey) problems.push("funding script");
  if (problems.length > 0)
    throw new Error(`the hub's channel offer does not check out: ${problems.join(", ")}`);
  return {
    id: offer.id,
    network: node.network,
    hubPubkey: offer.hub_pubkey,
    refundLocktime: offer.refund_locktime,
    capacitySat,
    refundScript,
    fundingScript: offer.funding_script_pubkey,
    fundingTxid: null,
    fundingVout: null,
    seq: offer.seq,
    payerBalanceMsat: String(offer.payer_balance_msat),
  };
}

/** A stored channel as chain terms; it must have a funding outpoint. */
function funded(c: StoredChannel, payerPubkey: Uint8Array): FundedChannel {
  if (c.fundingTxid === null || c.fundingVout === null)
    throw new Error(`channel ${c.id} has no funding registered yet`);
  return {
    payerPubkey,
    hubPubkey: hexToBytes(c.hubPubkey),
    refundLocktime: c.refundLocktime,
    capacitySat: BigInt(c.capacitySat),
    refundScript: hexToBytes(c.refundScript),
    fundingTxid: c.fundingTxid,
    fundingVout: c.fundingVout,
  };
}

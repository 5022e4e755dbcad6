/**
 * Payers for the tests, over the real regtest node.
 *
 * `outsidePayer` is an independent client written from ../shared/DESIGN.md §5–6 alone: the payer
 * message and the closing template are built here from the contract's words, over primitives
 * checked against their own specs (BIP 143 vectors, low-S DER ECDSA) — none of the hub's or the SDK's
 * channel code. When the hub and the contract drift apart, its requests are the ones refused.
 * The SDK helpers below (`openChannel`, `signedPayment`) are the other client the hub must agree with.
 */
import { signDer } from "../src/chain/signature";
import { bip143Sighash, type Tx } from "../src/chain/tx";
import { SluiceClient } from "../src/client/api";
import { MemoryStorage } from "../src/client/storage";
import { PayerWallet } from "../src/client/wallet";
import { bytesToHex, hexToBytes, secp, sha256, utf8ToBytes } from "../src/crypto";
import type { Hub } from "./helpers";
import { fund, mine } from "./regtest";

/** The fields of a channel view (GET /v1/channels/{id}) a payer signs states over. */
export interface FundedView {
  readonly id: string;
  readonly witness_script: string;
  readonly capacity_sat: number;
  readonly refund_script_pubkey: string;
  readonly funding_txid: string | null;
  readonly funding_vout: number | null;
}

/** DESIGN.md §6: low-S DER over sha256(UTF-8 "sluice/<action>/v1:<channel_id>[:<more>]"), hex. */
function payerSignature(secretKey: Uint8Array, message: string): string {
  return bytesToHex(signDer(sha256(utf8ToBytes(message)), secretKey));
}

/** An outside payer with its own key: funding registrations and channel states per the contract. */
export function outsidePayer(secretKey: Uint8Array = secp.utils.randomSecretKey()) {
  return {
    secretKey,
    pubkey: bytesToHex(secp.getPublicKey(secretKey, true)),
    /** `POST /v1/channels/{id}/funding` body: `sluice/funding/v1:<channel_id>:<txid>:<vout>`. */
    funding(channelId: string, outpoint: { txid: string; vout: number }) {
      const message = `sluice/funding/v1:${channelId}:${outpoint.txid}:${outpoint.vout}`;
      return { txid: outpoint.txid, vout: outpoint.vout, signature: payerSignature(secretKey, message) };
    },
    /**
     * DESIGN.md §5: the BIP 143 signature of the closing template for state (seq, balance): version
     * 2, locktime 0, the funding input with nSequence 0x80000000 + seq, and at its index the payer
     * output of floor(balance / 1000) sat to the refund script (0x83), or none below 330 sat (0x82).
     */
    state(channel: FundedView, seq: number, payerBalanceMsat: bigint) {
      if (channel.funding_txid === null || channel.funding_vout === null) throw new Error("not funded");
      const payerSat = payerBalanceMsat / 1000n;
      const single = payerSat >= 330n;
      const template: Tx = {
        version: 2,
        locktime: 0,
        inputs: [{ txid: channel.funding_txid, vout: channel.funding_vout, sequence: 0x80000000 + seq }],
        outputs: single ? [{ valueSat: payerSat, script: hexToBytes(channel.refund_script_pubkey) }] : [],
      };
      const sighashType = single ? 0x83 : 0x82;
      const hash = bip143Sighash(
        template,
        0,
        hexToBytes(channel.witness_script),
        BigInt(channel.capacity_sat),
        sighashType,
      );
      const signature = bytesToHex(signDer(hash, secretKey));
      return { seq, payer_balance_msat: Number(payerBalanceMsat), sighash_type: sighashType, signature };
    },
    /** `POST /v1/payments` body paying `bolt11` with state (seq, balance). */
    payment(channel: FundedView, bolt11: string, seq: number, payerBalanceMsat: bigint) {
      return { invoice: bolt11, channel_id: channel.id, ...this.state(channel, seq, payerBalanceMsat) };
    },
    /** `POST /v1/channels/{id}/close` body: `sluice/close/v1:<channel_id>`. */
    close(channelId: string) {
      return { signature: payerSignature(secretKey, `sluice/close/v1:${channelId}`) };
    },
    /** `GET /v1/channels/{id}/refunds?signature=`: `sluice/refunds/v1:<channel_id>`. */
    refunds(channelId: string) {
      return payerSignature(secretKey, `sluice/refunds/v1:${channelId}`);
    },
  };
}

export type OutsidePayer = ReturnType<typeof outsidePayer>;

/** A wallet with one channel of `capacitySat`, funded on chain and open. */
export async function openChannel(h: Hub, capacitySat: number) {
  const client = new SluiceClient("http://hub.test", h.fetch);
  const storage = new MemoryStorage();
  const wallet = await PayerWallet.open(storage);
  const offer = await wallet.openChannel(client, capacitySat);
  await wallet.registerFunding(client, offer.id, await fund(offer.fundingScript, capacitySat));
  await mine(2);
  const view = await client.channel(offer.id);
  if (view.status !== "open") throw new Error(`channel did not open: ${view.status}`);
  return { wallet, client, storage, channelId: offer.id };
}

/** An outside payer's channel of `capacitySat`, offered, funded on chain, registered and open. */
export async function openOutsideChannel(h: Hub, capacitySat: number, payer = outsidePayer()) {
  const offer = await h.call("POST", "/v1/channels", {
    body: { payer_pubkey: payer.pubkey, capacity_sat: capacitySat },
  });
  if (offer.status !== 201) throw new Error(`offer refused: ${JSON.stringify(offer.body)}`);
  const outpoint = await fund(offer.body.funding_script_pubkey, capacitySat);
  const registered = await h.call("POST", `/v1/channels/${offer.body.id}/funding`, {
    body: payer.funding(offer.body.id, outpoint),
  });
  if (registered.status !== 200) throw new Error(`funding refused: ${JSON.stringify(registered.body)}`);
  await mine(2);
  const view = (await h.call("GET", `/v1/channels/${offer.body.id}`)).body;
  if (view.status !== "open") throw new Error(`channel did not open: ${view.status}`);
  return { payer, channel: view as FundedView & { seq: number; payer_balance_msat: number } };
}

/** The body of POST /v1/payments for the wallet's next state paying `amountMsat` (not sent, not saved). */
export async function signedPayment(
  wallet: PayerWallet,
  channelId: string,
  bolt11: string,
  amountMsat: number,
  state?: { seq: number; balanceMsat: bigint },
) {
  const c = await wallet.channel(channelId);
  const seq = state?.seq ?? c.seq + 1;
  const balance = (state?.balanceMsat ?? BigInt(c.payerBalanceMsat)) - BigInt(amountMsat);
  const { signature, sighashType } = await wallet.signState(channelId, { seq, payerBalanceMsat: balance });
  return {
    invoice: bolt11,
    channel_id: channelId,
    seq,
    payer_balance_msat: Number(balance),
    sighash_type: sighashType,
    signature,
  };
}

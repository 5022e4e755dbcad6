/** Payer-side helpers over the real regtest node: funded, open channels and signed states. */
import { SluiceClient } from "../src/client/api";
import { MemoryStorage } from "../src/client/storage";
import { PayerWallet } from "../src/client/wallet";
import type { Hub } from "./helpers";
import { fund, mine } from "./regtest";

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
  const { signature, sighashType } = await wallet.signState(channelId, balance);
  return {
    invoice: bolt11,
    channel_id: channelId,
    seq,
    payer_balance_msat: Number(balance),
    sighash_type: sighashType,
    signature,
  };
}

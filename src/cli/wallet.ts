/** `sluice wallet …`: the payer's side from a terminal, over the SDK. I/O comes in through `deps`. */
import type { RpcConfig } from "../chain/backends/bitcoind-rpc";
import { bitcoindRpc } from "../chain/backends/bitcoind-rpc";
import { p2wpkh, segwitAddress } from "../chain/script";
import type { SluiceClient } from "../client/api";
import type { WalletStorage } from "../client/storage";
import { PayerWallet } from "../client/wallet";
import { hexToBytes } from "../crypto";
import { faucetPay } from "../dev/faucet";

export const WALLET_USAGE = `usage:
  sluice wallet show
  sluice wallet open     --capacity <sat> [--refund-script <hex>]
  sluice wallet fund     --channel <ch_…> [--wait]   (regtest: pays from the dev faucet, then registers;
                                                     --wait: returns once the channel is open)
  sluice wallet register --channel <ch_…> --txid <hex> --vout <n>
  sluice wallet status   --channel <ch_…>
  sluice wallet close    --channel <ch_…>
  sluice pay <bolt11>    [--channel <ch_…>]          (verifies preimage and receipt before saving the state)
  sluice wallet refund   --channel <ch_…> [--fee-rate <sat/vB>] [--broadcast]`;

export interface WalletDeps {
  readonly client: SluiceClient;
  readonly storage: WalletStorage;
  /** The Bitcoin node, for `fund` (regtest) and `refund --broadcast`. */
  readonly rpc?: Pick<RpcConfig, "url" | "user" | "password">;
  /** Regtest only: the dev faucet's secret key (from .sluice/dev.json). */
  readonly faucetSecret?: string;
}

/** `--name value` pairs (a flag without a value is "true"). */
export function flags(args: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!;
    if (!name.startsWith("--")) throw new Error(`unexpected '${name}'`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith("--")) out.set(name.slice(2), "true");
    else {
      out.set(name.slice(2), value);
      i++;
    }
  }
  return out;
}

function need(f: Map<string, string>, name: string): string {
  const v = f.get(name);
  if (!v || v === "true") throw new Error(`--${name} is required`);
  return v;
}

function integer(f: Map<string, string>, name: string, fallback?: number): number {
  const raw = f.get(name);
  if (raw === undefined && fallback !== undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a whole number`);
  return n;
}

/** How long `fund --wait` waits for MIN_CONFIRMATIONS blocks before giving up. */
const OPEN_WAIT_MS = 180_000;

/** The channel once the hub sees it open (polling once a second); throws after OPEN_WAIT_MS. */
async function untilOpen(client: SluiceClient, channelId: string) {
  const deadline = Date.now() + OPEN_WAIT_MS;
  for (;;) {
    const channel = await client.channel(channelId);
    if (channel.status === "open") return channel;
    if (Date.now() > deadline)
      throw new Error(`channel ${channelId} is still ${channel.status} after ${OPEN_WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Runs one wallet command; returns what to print. Throws Error with a message on bad usage. */
export async function runWallet(args: readonly string[], deps: WalletDeps): Promise<unknown> {
  const [verb, ...afterVerb] = args;
  const positional = verb === "pay" ? afterVerb[0] : undefined;
  const f = flags(verb === "pay" ? afterVerb.slice(1) : afterVerb);
  const wallet = await PayerWallet.open(deps.storage);
  const rpc = () => {
    if (!deps.rpc)
      throw new Error("no Bitcoin node configured (run `npm start`, or set SLUICE_BITCOIN_RPC_URL)");
    return deps.rpc;
  };
  switch (verb) {
    case "show": {
      // The key's own P2WPKH address on the hub's network: default refund address, and handy as a demo payout address.
      const { network } = await deps.client.node();
      return {
        payer_pubkey: wallet.pubkey,
        address: segwitAddress(p2wpkh(hexToBytes(wallet.pubkey)), network),
      };
    }
    case "open": {
      const channel = await wallet.openChannel(deps.client, integer(f, "capacity"), f.get("refund-script"));
      return {
        ...channel,
        funding_address: await wallet.fundingAddress(channel.id),
        pay_exactly_sat: channel.capacitySat,
      };
    }
    case "fund": {
      if (!deps.faucetSecret)
        throw new Error(
          "`fund` pays from the regtest dev faucet; on other networks pay the funding address yourself and use `register`",
        );
      const channel = await wallet.channel(need(f, "channel"));
      const paid = await faucetPay(
        rpc(),
        hexToBytes(deps.faucetSecret),
        hexToBytes(channel.fundingScript),
        BigInt(channel.capacitySat),
      );
      const registered = await wallet.registerFunding(deps.client, channel.id, paid);
      return f.get("wait") === "true" ? untilOpen(deps.client, channel.id) : registered;
    }
    case "register":
      return wallet.registerFunding(deps.client, need(f, "channel"), {
        txid: need(f, "txid"),
        vout: integer(f, "vout"),
      });
    case "status":
      return deps.client.channel(need(f, "channel"));
    case "close":
      return wallet.requestClose(deps.client, need(f, "channel"));
    case "pay": {
      if (!positional || positional.startsWith("--"))
        throw new Error("usage: sluice pay <bolt11> [--channel <ch_…>]");
      const channelId = f.get("channel");
      const result = await wallet.pay(deps.client, positional, channelId ? { channelId } : {});
      return {
        payment_id: result.id,
        preimage: result.preimage,
        amount_msat: result.amount_msat,
        channel: result.channel,
      };
    }
    case "refund": {
      const refund = await wallet.buildRefund(need(f, "channel"), integer(f, "fee-rate", 2));
      if (f.get("broadcast") !== "true")
        return { txid: refund.txid, raw_tx: refund.hex, valid_from_height: refund.tx.locktime };
      const chain = bitcoindRpc({ ...rpc(), timeoutMs: 10_000, fallbackFeeRateSatPerVb: 2 });
      return { txid: await chain.broadcast(refund.hex), broadcast: true };
    }
    default:
      throw new Error(`unknown command 'wallet ${verb ?? ""}'`);
  }
}

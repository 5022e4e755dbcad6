/**
 * `sluice wallet refund --kit <file>`: the hub-gone exit from an emergency kit alone — decrypt the
 * key with the passphrase, sign each funded channel's CLTV refund (the SDK's), and optionally
 * broadcast through any Bitcoin node. Needs no hub, no wallet file, no API URL.
 */
import type { RpcConfig } from "../chain/backends/bitcoind-rpc";
import { bitcoindRpc } from "../chain/backends/bitcoind-rpc";
import { scriptFromAddress } from "../chain/script";
import { parseKit, walletFromKit } from "../client/kit";
import { bytesToHex } from "../crypto";
import { flags } from "./wallet";

export const KIT_REFUND_USAGE =
  "  sluice wallet refund   --kit <file> [--channel <ch_…>] [--to <address>] [--fee-rate <sat/vB>] [--broadcast]\n" +
  "                         (from the emergency kit alone: asks the passphrase, or reads SLUICE_KIT_PASSPHRASE)";

export interface KitRefundDeps {
  /** The kit file's text. */
  readonly kitText: string;
  readonly passphrase: () => Promise<string>;
  /** Any node of the kit's network, for --broadcast. */
  readonly rpc?: Pick<RpcConfig, "url" | "user" | "password">;
}

/** Runs the kit refund; returns what to print. */
export async function runKitRefund(args: readonly string[], deps: KitRefundDeps): Promise<unknown> {
  const f = flags(args);
  let json: unknown;
  try {
    json = JSON.parse(deps.kitText);
  } catch {
    throw new Error("the kit file is not JSON");
  }
  const kit = parseKit(json);
  const feeRate = Number(f.get("fee-rate") ?? 2);
  if (!Number.isSafeInteger(feeRate) || feeRate < 1) throw new Error("--fee-rate must be a whole number ≥ 1");
  const to = f.get("to");
  const destination = to ? scriptFromAddress(to, kit.network) : null;
  if (to && !destination) throw new Error(`--to is not a ${kit.network} address`);
  const only = f.get("channel");
  const channels = kit.channels.filter((c) => c.funding_txid !== null && (!only || c.id === only));
  if (channels.length === 0)
    throw new Error(only ? `the kit has no funded channel ${only}` : "the kit has no funded channel");
  const wallet = await walletFromKit(kit, await deps.passphrase());
  const broadcast = f.get("broadcast") === "true";
  if (broadcast && !deps.rpc)
    throw new Error("--broadcast needs a Bitcoin node: set SLUICE_BITCOIN_RPC_URL (and _USER, _PASSWORD)");
  const chain = deps.rpc
    ? bitcoindRpc({ ...deps.rpc, timeoutMs: 10_000, fallbackFeeRateSatPerVb: feeRate })
    : null;
  const refunds = [];
  for (const c of channels) {
    const refund = await wallet.buildRefund(c.id, feeRate, destination ? bytesToHex(destination) : undefined);
    refunds.push({
      channel_id: c.id,
      txid: refund.txid,
      raw_tx: refund.hex,
      valid_from_height: c.refund_locktime,
      value_sat: Number(refund.tx.outputs[0]!.valueSat),
      ...(broadcast && chain ? { broadcast: (await chain.broadcast(refund.hex)) === refund.txid } : {}),
    });
  }
  return { refunds };
}

/** `sluice wallet refund --kit`: the refund from an emergency kit alone, on a real regtest node. */
import { describe, expect, it } from "vitest";
import { runKitRefund } from "../src/cli/kit";
import { EncryptedStorage } from "../src/client/encrypted-storage";
import { buildKit } from "../src/client/kit";
import { PayerWallet } from "../src/client/wallet";
import { MapStore } from "./sync-store";
import { hub, testClock } from "./helpers";
import { openChannel } from "./payers";
import { CHAIN_ENV, call, mine, mineTo, rpcInfo } from "./regtest";

const PASS = "kit passphrase 1";
const h = hub(testClock(), CHAIN_ENV);

/** A kit for a fresh funded channel, as the web wallet would download it. */
async function kitFor(capacitySat: number) {
  const funded = await openChannel(h, capacitySat);
  const storage = await EncryptedStorage.create(new MapStore(), PASS, { iterations: 1_000 });
  const secret = await (funded.storage as unknown as { get(k: string): Promise<string> }).get("secret_key");
  const wallet = await PayerWallet.open(storage, secret);
  await wallet.adopt(await funded.wallet.channel(funded.channelId));
  const kit = await buildKit({ wallet, storage, hubUrl: "http://hub.test", nowSeconds: 1 });
  return { kit, channelId: funded.channelId };
}

describe("sluice wallet refund --kit", () => {
  it("signs from the kit alone, is refused before refund_locktime, then pays the refund script", async () => {
    const { kit, channelId } = await kitFor(40_000);
    const text = JSON.stringify(kit);
    const run = (args: string[], passphrase = PASS) =>
      runKitRefund(args, { kitText: text, passphrase: async () => passphrase, rpc: rpcInfo }) as Promise<any>;

    await expect(run([], "wrong passphrase")).rejects.toThrow(/wrong passphrase/);
    const signed = await run(["--fee-rate", "3"]);
    expect(signed.refunds).toHaveLength(1);
    expect(signed.refunds[0]).toMatchObject({
      channel_id: channelId,
      valid_from_height: kit.channels[0]!.refund_locktime,
    });
    expect(signed.refunds[0].broadcast).toBeUndefined();
    await expect(run(["--broadcast"])).rejects.toThrow();
    expect(await call<string[]>("getrawmempool")).not.toContain(signed.refunds[0].txid);

    await mineTo(kit.channels[0]!.refund_locktime);
    const sent = await run(["--broadcast"]);
    expect(sent.refunds[0].broadcast).toBe(true);
    await mine(1);
    const tx = await call<{
      confirmations: number;
      vout: { value: number; scriptPubKey: { hex: string } }[];
    }>("getrawtransaction", [sent.refunds[0].txid, true]);
    expect(tx.confirmations).toBeGreaterThanOrEqual(1);
    expect(tx.vout).toHaveLength(1);
    expect(tx.vout[0]!.scriptPubKey.hex).toBe(kit.channels[0]!.refund_script_pubkey);
    expect(Math.round(tx.vout[0]!.value * 1e8)).toBe(sent.refunds[0].value_sat);
    expect(sent.refunds[0].value_sat).toBeGreaterThan(40_000 - 1_000);
  });

  it("explains a bad kit, a bad address and a channel it does not hold", async () => {
    const { kit } = await kitFor(20_000);
    const run = (args: string[], kitText = JSON.stringify(kit)) =>
      runKitRefund(args, { kitText, passphrase: async () => PASS });
    await expect(run([], "not json")).rejects.toThrow(/not JSON/);
    await expect(run([], JSON.stringify({ format: "other" }))).rejects.toThrow(/not a Sluice emergency kit/);
    await expect(run(["--to", "bc1qnotanaddress"])).rejects.toThrow(/not a regtest address/);
    await expect(run(["--channel", "ch_other"])).rejects.toThrow(/no funded channel ch_other/);
    await expect(run(["--broadcast"])).rejects.toThrow(/needs a Bitcoin node/);
  });
});

import { describe, expect, it } from "vitest";
import { runWallet } from "../src/cli/wallet";
import { SluiceClient } from "../src/client/api";
import { MemoryStorage } from "../src/client/storage";
import { TEST_BINDINGS } from "./bindings";
import { hub, testClock } from "./helpers";
import { CHAIN_ENV, fundUnseen, mine, rpcInfo } from "./regtest";

const h = hub(testClock(), CHAIN_ENV);
const deps = {
  client: new SluiceClient("http://hub.test", h.fetch),
  storage: new MemoryStorage(),
  rpc: rpcInfo,
  faucetSecret: TEST_BINDINGS.FAUCET_SECRET,
};
const run = (...args: string[]) => runWallet(args, deps) as Promise<any>;

describe("sluice wallet (CLI over the SDK)", () => {
  it("opens, funds from the regtest faucet, watches the channel open, asks to close, and prepares a refund", async () => {
    const { payer_pubkey } = await run("show");
    expect(payer_pubkey).toMatch(/^0[23][0-9a-f]{64}$/);
    const opened = await run("open", "--capacity", "55000");
    expect(opened.funding_address).toMatch(/^bcrt1q/);
    expect(opened.pay_exactly_sat).toBe(55_000);
    const funded = await run("fund", "--channel", opened.id);
    expect(funded.status).toBe("opening");
    expect(funded.funding_verified_at).not.toBeNull();
    await mine(2);
    expect((await run("status", "--channel", opened.id)).status).toBe("open");
    expect((await run("close", "--channel", opened.id)).status).toBe("closing");
    const refund = await run("refund", "--channel", opened.id, "--fee-rate", "3");
    expect(refund.valid_from_height).toBe(opened.refundLocktime);
    expect(refund.raw_tx).toMatch(/^02000000/);
  });

  it("registers an outpoint signed by the wallet's key; one the node has not seen stays opening until it appears", async () => {
    const opened = await run("open", "--capacity", "33000");
    const deposit = await fundUnseen(opened.fundingScript, 33_000);
    const registered = await run("register", "--channel", opened.id, "--txid", deposit.txid, "--vout", "0");
    expect(registered).toMatchObject({
      status: "opening",
      funding_txid: deposit.txid,
      funding_verified_at: null,
    });
    await deposit.broadcast();
    await mine(2);
    expect(await run("status", "--channel", opened.id)).toMatchObject({
      status: "open",
      funding_txid: deposit.txid,
    });
  });

  it("explains bad usage", async () => {
    await expect(run("open")).rejects.toThrow(/--capacity must be a whole number/);
    await expect(run("status")).rejects.toThrow(/--channel is required/);
    await expect(run("teleport")).rejects.toThrow(/unknown command/);
    await expect(run("refund", "--channel", "ch_unknown")).rejects.toThrow(/no channel ch_unknown/);
  });
});

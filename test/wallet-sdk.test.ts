/**
 * What the web wallet needs of the payer SDK, against the real app and a real regtest node:
 * encrypted storage, payment history, the pre-payment check, the emergency kit and restore.
 */
import { describe, expect, it } from "vitest";
import {
  EncryptedStorage,
  MIN_PASSPHRASE_CHARS,
  WrongPassphraseError,
} from "../src/client/encrypted-storage";
import { buildKit, decryptKitKey, KIT_FORMAT, parseKit, restoreKit, walletFromKit } from "../src/client/kit";
import { MemoryStorage } from "../src/client/storage";
import { PayerWallet } from "../src/client/wallet";
import { MapStore } from "./sync-store";
import { hub, newMerchant, testClock } from "./helpers";
import { openChannel } from "./payers";
import { CHAIN_ENV } from "./regtest";
import BOLT11 from "./vectors/bolt11.json";

/** Tests run PBKDF2 at a low count: workerd caps it at 100,000 and the figure is not under test. */
const ITERATIONS = 1_000;
const PASS = "correct horse battery";

const h = hub(testClock(), CHAIN_ENV);

async function invoice(key: string, body: Record<string, unknown>) {
  const res = await h.call("POST", "/v1/invoices", { key, body });
  if (res.status !== 201) throw new Error(`invoice: ${JSON.stringify(res.body)}`);
  return res.body as { id: string; bolt11: string; amount_msat: number };
}

describe("EncryptedStorage", () => {
  it("round-trips values, stores nothing readable, and opens only with the passphrase", async () => {
    const store = new MapStore();
    const storage = await EncryptedStorage.create(store, PASS, { iterations: ITERATIONS });
    const wallet = await PayerWallet.open(storage);
    const secret = await storage.get("secret_key");
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    for (const value of store.map.values()) expect(value).not.toContain(secret);
    expect(JSON.parse(store.map.get("sluice:kdf")!)).toEqual({
      kdf: "PBKDF2-HMAC-SHA256",
      iterations: ITERATIONS,
      salt: expect.stringMatching(/^[0-9a-f]{32}$/),
    });

    const again = await EncryptedStorage.unlock(store, PASS);
    expect((await PayerWallet.open(again)).pubkey).toBe(wallet.pubkey);
    await expect(EncryptedStorage.unlock(store, `${PASS}!`)).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it("binds each sealed value to its name: values swapped between entries do not open", async () => {
    const store = new MapStore();
    const storage = await EncryptedStorage.create(store, PASS, { iterations: ITERATIONS });
    await storage.set("a", "one");
    await storage.set("b", "two");
    store.setItem("sluice:a", store.getItem("sluice:b")!);
    await expect(storage.get("a")).rejects.toBeInstanceOf(WrongPassphraseError);
    expect(await storage.get("b")).toBe("two");
  });

  it("refuses a short passphrase and a second wallet over the first", async () => {
    const store = new MapStore();
    await expect(
      EncryptedStorage.create(store, "x".repeat(MIN_PASSPHRASE_CHARS - 1), { iterations: ITERATIONS }),
    ).rejects.toThrow(/at least 8 characters/);
    expect(store.map.size).toBe(0);
    await EncryptedStorage.create(store, PASS, { iterations: ITERATIONS });
    await expect(EncryptedStorage.create(store, PASS, { iterations: ITERATIONS })).rejects.toThrow(
      /already holds a wallet/,
    );
    await expect(EncryptedStorage.unlock(new MapStore(), PASS)).rejects.toThrow(/holds no wallet/);
  });
});

describe("PayerWallet for the web wallet", () => {
  it("checks an invoice before anything is signed, and names each refusal", async () => {
    const { key } = await newMerchant(h, "Refusals");
    const { wallet, client, channelId } = await openChannel(h, 20_000);
    const before = await wallet.channel(channelId);
    const ok = await invoice(key, { amount_msat: 5_000, description: "ok" });
    const checked = await wallet.preparePayment(client, ok.bolt11);
    expect(checked.amountMsat).toBe(5_000n);
    expect(checked.channelId).toBe(channelId);
    expect(checked.invoice.description).toBe("ok");

    const big = await invoice(key, { amount_msat: 20_000_001 });
    await expect(wallet.preparePayment(client, big.bolt11)).rejects.toThrow(/no funded channel .* covers/);
    await expect(wallet.preparePayment(client, big.bolt11, { channelId })).rejects.toThrow(
      /holds 20000000 msat, the invoice asks 20000001/,
    );
    const soon = await invoice(key, { amount_msat: 1_000, expiry_seconds: 60 });
    await expect(
      wallet.preparePayment(client, soon.bolt11, { nowSeconds: Math.floor(Date.now() / 1000) + 61 }),
    ).rejects.toThrow(/has expired/);
    await expect(wallet.preparePayment(client, "lnbc1notaninvoice")).rejects.toThrow(/not a valid invoice/);
    // BOLT #11's own example: a mainnet invoice, signed by another node.
    const mainnet = BOLT11.valid.find((v) => v.network === "bc" && v.amount_msat !== null)!.invoice;
    await expect(wallet.preparePayment(client, mainnet)).rejects.toThrow(
      /is for mainnet, the hub runs regtest/,
    );
    expect(await wallet.channel(channelId)).toEqual(before);
  });

  it("keeps a history of verified payments, once each, and syncs the channel's status", async () => {
    const { key } = await newMerchant(h, "History");
    const { wallet, client, channelId } = await openChannel(h, 20_000);
    const inv = await invoice(key, { amount_msat: 7_000, description: "Tea" });
    const paid = await wallet.pay(client, inv.bolt11);
    const [entry, ...rest] = await wallet.history();
    expect(rest).toEqual([]);
    expect(entry).toEqual({
      paymentId: paid.id,
      invoiceId: inv.id,
      amountMsat: "7000",
      paymentHash: paid.receipt.payment_hash,
      preimage: paid.preimage,
      description: "Tea",
      channelId,
      seq: 1,
      createdAt: paid.receipt.created_at,
    });
    const view = await wallet.sync(client, channelId);
    expect(view.status).toBe("open");
    expect((await wallet.channel(channelId)).status).toBe("open");
    await wallet.importHistory([entry!]);
    expect(await wallet.history()).toHaveLength(1);
  });
});

describe("the emergency kit", () => {
  it("carries the sealed key and every channel's terms, and restores the wallet in a fresh store", async () => {
    const { key } = await newMerchant(h, "Kit");
    const { wallet: funded, client, channelId } = await openChannel(h, 30_000);
    // The funded wallet lives in memory; move it into encrypted storage as the web wallet keeps it.
    const store = new MapStore();
    const storage = await EncryptedStorage.create(store, PASS, { iterations: ITERATIONS });
    const wallet = await PayerWallet.open(storage, await exportKey(funded));
    await wallet.adopt(await funded.channel(channelId));
    await wallet.pay(client, (await invoice(key, { amount_msat: 2_000 })).bolt11);

    const kit = await buildKit({ wallet, storage, hubUrl: "http://hub.test", nowSeconds: 1_800_000_000 });
    expect(parseKit(JSON.parse(JSON.stringify(kit)))).toEqual(kit);
    expect(kit.format).toBe(KIT_FORMAT);
    expect(kit.payer_pubkey).toBe(wallet.pubkey);
    const view = await client.channel(channelId);
    expect(kit.channels).toEqual([
      {
        id: channelId,
        status: null,
        hub_pubkey: view.hub_pubkey,
        witness_script: view.witness_script,
        funding_script_pubkey: view.funding_script_pubkey,
        funding_address: view.funding_address,
        funding_txid: view.funding_txid,
        funding_vout: view.funding_vout,
        capacity_sat: 30_000,
        refund_script_pubkey: view.refund_script_pubkey,
        refund_locktime: view.refund_locktime,
        seq: 1,
        payer_balance_msat: 30_000_000 - 2_000,
      },
    ]);
    expect(kit.payments).toHaveLength(1);
    expect(JSON.stringify(kit)).not.toContain(await storage.get("secret_key"));
    expect(await decryptKitKey(kit, PASS)).toBe(await storage.get("secret_key"));
    await expect(decryptKitKey(kit, "not the passphrase")).rejects.toBeInstanceOf(WrongPassphraseError);

    const fresh = new MapStore();
    await expect(restoreKit(kit, "not the passphrase", fresh)).rejects.toBeInstanceOf(WrongPassphraseError);
    expect(fresh.map.size).toBe(0);
    const restored = await restoreKit(kit, PASS, fresh);
    expect(restored.wallet.pubkey).toBe(wallet.pubkey);
    expect(await restored.wallet.channels()).toEqual(await wallet.channels());
    expect(await restored.wallet.history()).toEqual(await wallet.history());
    // The restored profile unlocks with the same passphrase, like the original.
    expect((await PayerWallet.open(await EncryptedStorage.unlock(fresh, PASS))).pubkey).toBe(wallet.pubkey);

    // Alone, the kit still signs the refund the original wallet would.
    const alone = await walletFromKit(kit, PASS);
    expect((await alone.buildRefund(channelId, 2)).txid).toBe((await wallet.buildRefund(channelId, 2)).txid);
  });

  it("takes newer states from the hub after a restore from an older kit", async () => {
    const { key } = await newMerchant(h, "Stale kit");
    const { wallet: funded, client, channelId } = await openChannel(h, 30_000);
    const store = new MapStore();
    const storage = await EncryptedStorage.create(store, PASS, { iterations: ITERATIONS });
    const wallet = await PayerWallet.open(storage, await exportKey(funded));
    await wallet.adopt(await funded.channel(channelId));
    const kit = await buildKit({ wallet, storage, hubUrl: "http://hub.test", nowSeconds: 1 });
    await wallet.pay(client, (await invoice(key, { amount_msat: 4_000 })).bolt11);

    const { wallet: restored } = await restoreKit(kit, PASS, new MapStore());
    expect((await restored.channel(channelId)).seq).toBe(0);
    await restored.sync(client, channelId);
    expect(await restored.channel(channelId)).toMatchObject({ seq: 1, payerBalanceMsat: "29996000" });
  });

  it("refuses files that are not kits, and channels of another key", async () => {
    expect(() => parseKit(null)).toThrow(/not a JSON object/);
    expect(() => parseKit({ format: "x" })).toThrow(/format is not/);
    const { wallet: funded, channelId } = await openChannel(h, 20_000);
    const other = await PayerWallet.open(new MemoryStorage());
    await expect(other.adopt(await funded.channel(channelId))).rejects.toThrow(/does not belong to this key/);
    expect(await other.channelIds()).toEqual([]);
  });
});

/** The secret key of a MemoryStorage wallet (test only: the web wallet never exports it). */
async function exportKey(wallet: PayerWallet): Promise<string> {
  return (wallet as unknown as { storage: { get(k: string): Promise<string> } }).storage.get("secret_key");
}

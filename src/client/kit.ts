/**
 * The emergency kit: one JSON file with everything a payer needs to take their deposits back
 * without the hub — the encrypted key and how to decrypt it, and for each channel its witness
 * script, funding outpoint, capacity, refund script and `refund_locktime` — plus the steps. It
 * also restores the wallet on another device. Built from, and restored into, the SDK's own
 * `PayerWallet` and `EncryptedStorage`: no second copy of the channel rules.
 */
import { witnessScriptOf } from "../chain/channel";
import { segwitAddress } from "../chain/script";
import type { Network } from "../core/network";
import { NETWORKS } from "../core/network";
import { bytesToHex, hexToBytes } from "../crypto";
import { deriveKey, EncryptedStorage, type KdfHeader, open, type Sealed } from "./encrypted-storage";
import { MemoryStorage, type SyncStore } from "./storage";
import { type PaymentRecord, PayerWallet, type StoredChannel } from "./wallet";

export const KIT_FORMAT = "sluice-emergency-kit/v1";
/** The storage entry the key is sealed under: also the AES-GCM additional data. */
const KEY_ENTRY = "secret_key";

export interface KitChannel {
  id: string;
  status: string | null;
  hub_pubkey: string;
  witness_script: string;
  funding_script_pubkey: string;
  funding_address: string;
  funding_txid: string | null;
  funding_vout: number | null;
  capacity_sat: number;
  refund_script_pubkey: string;
  refund_locktime: number;
  seq: number;
  payer_balance_msat: number;
}

export interface EmergencyKit {
  format: typeof KIT_FORMAT;
  created_at: number;
  hub_url: string;
  network: Network;
  payer_pubkey: string;
  encrypted_key: KdfHeader & {
    cipher: "AES-256-GCM";
    iv: string;
    /** Ciphertext with the 16-byte GCM tag appended, hex. */
    ciphertext: string;
    additional_data: typeof KEY_ENTRY;
  };
  channels: KitChannel[];
  payments: PaymentRecord[];
  instructions: string[];
}

/** The steps, written for someone who has only this file, a passphrase and a Bitcoin node. */
export const KIT_INSTRUCTIONS = [
  "This file lets you take back the bitcoin in your Sluice channels without the hub. Keep it, and keep your passphrase apart from it: the file alone cannot spend anything.",
  "Each channel below can be refunded once the Bitcoin chain reaches its refund_locktime (a block height); before that, ask the hub to close it or wait.",
  "With Sluice's command line: `npm run sluice -- wallet refund --kit <this file> --broadcast` (it asks for the passphrase, or reads SLUICE_KIT_PASSPHRASE; SLUICE_BITCOIN_RPC_URL, _USER and _PASSWORD name any node of this network). Without --broadcast it prints the signed transactions for any other broadcaster.",
  "By hand: derive a 32-byte key with PBKDF2-HMAC-SHA256 over your passphrase (UTF-8), the salt (hex) and the iterations in encrypted_key; decrypt the ciphertext with AES-256-GCM using that key, the iv, and additional data 'secret_key' (the last 16 bytes of the ciphertext are the tag). The result is your secret key, 64 hex characters.",
  "Then, for each channel, build a version-2 transaction with nLockTime = refund_locktime, one input spending funding_txid:funding_vout with nSequence 0xfffffffe, and one output to your address of capacity_sat minus the fee. Sign it (BIP 143, SIGHASH_ALL, scriptCode = witness_script, value = capacity_sat) and set the witness to: <signature> <empty> <witness_script>.",
  "Broadcast it through any Bitcoin node or block explorer of this network. The coins return to the address you chose.",
];

/** The kit for `wallet`, whose key is sealed in `storage`. */
export async function buildKit(input: {
  wallet: PayerWallet;
  storage: EncryptedStorage;
  hubUrl: string;
  nowSeconds: number;
}): Promise<EmergencyKit> {
  const { wallet, storage } = input;
  const sealed = storage.sealed(KEY_ENTRY);
  if (!sealed) throw new Error("the wallet holds no key yet");
  const channels = await wallet.channels();
  const network = channels[0]?.network ?? "regtest";
  return {
    format: KIT_FORMAT,
    created_at: input.nowSeconds,
    hub_url: input.hubUrl,
    network,
    payer_pubkey: wallet.pubkey,
    encrypted_key: {
      ...storage.header,
      cipher: "AES-256-GCM",
      iv: sealed.iv,
      ciphertext: sealed.ciphertext,
      additional_data: KEY_ENTRY,
    },
    channels: channels.map((c) => kitChannel(c, wallet.pubkey)),
    payments: await wallet.history(),
    instructions: KIT_INSTRUCTIONS,
  };
}

function kitChannel(c: StoredChannel, payerPubkey: string): KitChannel {
  const witness = witnessScriptOf({
    payerPubkey: hexToBytes(payerPubkey),
    hubPubkey: hexToBytes(c.hubPubkey),
    refundLocktime: c.refundLocktime,
    capacitySat: BigInt(c.capacitySat),
    refundScript: hexToBytes(c.refundScript),
  });
  return {
    id: c.id,
    status: c.status ?? null,
    hub_pubkey: c.hubPubkey,
    witness_script: bytesToHex(witness),
    funding_script_pubkey: c.fundingScript,
    funding_address: segwitAddress(hexToBytes(c.fundingScript), c.network),
    funding_txid: c.fundingTxid,
    funding_vout: c.fundingVout,
    capacity_sat: c.capacitySat,
    refund_script_pubkey: c.refundScript,
    refund_locktime: c.refundLocktime,
    seq: c.seq,
    payer_balance_msat: Number(c.payerBalanceMsat),
  };
}

const HEX = /^([0-9a-f]{2})*$/;

/** Checks that `value` (a parsed file) is a kit of this format; throws saying what is wrong. */
export function parseKit(value: unknown): EmergencyKit {
  const kit = value as Partial<EmergencyKit> | null;
  const problem = (what: string): never => {
    throw new Error(`not a Sluice emergency kit: ${what}`);
  };
  if (!kit || typeof kit !== "object") problem("not a JSON object");
  if (kit!.format !== KIT_FORMAT) problem(`format is not ${KIT_FORMAT}`);
  if (!NETWORKS.includes(kit!.network as Network)) problem("unknown network");
  const key = kit!.encrypted_key;
  if (
    key?.kdf !== "PBKDF2-HMAC-SHA256" ||
    key.cipher !== "AES-256-GCM" ||
    !Number.isSafeInteger(key.iterations) ||
    key.iterations < 1 ||
    ![key.salt, key.iv, key.ciphertext].every((h) => typeof h === "string" && HEX.test(h))
  )
    problem("encrypted_key is incomplete");
  if (!Array.isArray(kit!.channels)) problem("no channels");
  for (const c of kit!.channels!) {
    if (
      typeof c?.id !== "string" ||
      ![c.hub_pubkey, c.witness_script, c.funding_script_pubkey, c.refund_script_pubkey].every(
        (h) => typeof h === "string" && HEX.test(h),
      ) ||
      !Number.isSafeInteger(c.capacity_sat) ||
      !Number.isSafeInteger(c.refund_locktime) ||
      !Number.isSafeInteger(c.seq) ||
      !Number.isSafeInteger(c.payer_balance_msat)
    )
      problem(`channel ${String(c?.id)} is incomplete`);
  }
  return { ...(kit as EmergencyKit), payments: Array.isArray(kit!.payments) ? kit!.payments : [] };
}

/** The kit's KDF header and sealed key, as EncryptedStorage keeps them. */
function sealedKey(kit: EmergencyKit): { header: KdfHeader; sealed: Sealed } {
  const { kdf, iterations, salt, iv, ciphertext } = kit.encrypted_key;
  return { header: { kdf, iterations, salt }, sealed: { iv, ciphertext } };
}

/** Decrypts the kit's key with `passphrase` (WrongPassphraseError otherwise): hex. */
export async function decryptKitKey(kit: EmergencyKit, passphrase: string): Promise<string> {
  const { header, sealed } = sealedKey(kit);
  return open(await deriveKey(passphrase, header), KEY_ENTRY, sealed);
}

function storedChannel(c: KitChannel, network: Network): StoredChannel {
  return {
    id: c.id,
    network,
    hubPubkey: c.hub_pubkey,
    refundLocktime: c.refund_locktime,
    capacitySat: c.capacity_sat,
    refundScript: c.refund_script_pubkey,
    fundingScript: c.funding_script_pubkey,
    fundingTxid: c.funding_txid,
    fundingVout: c.funding_vout,
    seq: c.seq,
    payerBalanceMsat: String(c.payer_balance_msat),
    ...(c.status ? { status: c.status } : {}),
  };
}

/** Puts the kit's channels and payments into `wallet` (each channel checked against its key). */
async function adoptKit(wallet: PayerWallet, kit: EmergencyKit) {
  if (wallet.pubkey !== kit.payer_pubkey) throw new Error("the kit's key does not match its payer key");
  for (const c of kit.channels) await wallet.adopt(storedChannel(c, kit.network));
  await wallet.importHistory(kit.payments);
}

/**
 * Restores the wallet in a fresh `store` (a new browser profile): the same passphrase, the same
 * sealed key, the kit's channels and payments. Sync each channel with the hub afterwards.
 */
export async function restoreKit(
  kit: EmergencyKit,
  passphrase: string,
  store: SyncStore,
  prefix?: string,
): Promise<{ wallet: PayerWallet; storage: EncryptedStorage }> {
  const { header, sealed } = sealedKey(kit);
  const storage = await EncryptedStorage.restore(store, passphrase, header, { [KEY_ENTRY]: sealed }, prefix);
  const wallet = await PayerWallet.open(storage);
  await adoptKit(wallet, kit);
  return { wallet, storage };
}

/** A throwaway wallet holding only what the kit holds: for refunding with nothing else at hand. */
export async function walletFromKit(kit: EmergencyKit, passphrase: string): Promise<PayerWallet> {
  const wallet = await PayerWallet.open(new MemoryStorage(), await decryptKitKey(kit, passphrase));
  await adoptKit(wallet, kit);
  return wallet;
}

/**
 * Wallet storage encrypted under a passphrase the payer chooses, for browsers (localStorage) and
 * any other `SyncStore`. Web Crypto only: PBKDF2-HMAC-SHA256 turns the passphrase and a random
 * salt into an AES-256-GCM key, held as a non-extractable CryptoKey for the session; every entry
 * is sealed with a fresh 96-bit IV and its own name as additional data, so entries cannot be
 * swapped or moved between names. Nothing readable is written: the store holds the KDF header
 * (salt, iterations) and sealed entries. The same header and the sealed `secret_key` entry are
 * what the emergency kit carries (kit.ts), so the key can be decrypted without this code.
 */
import { bytesToHex, hexToBytes, utf8ToBytes } from "../crypto";
import type { SyncStore, WalletStorage } from "./storage";

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about a second on a phone, once per unlock. */
export const KDF_ITERATIONS = 600_000;
/** Fewer is too guessable; the wallet says so before creating anything. */
export const MIN_PASSPHRASE_CHARS = 8;
/** Header entry (not secret): which KDF, its salt and iteration count. */
const HEADER = "kdf";
/** A known plaintext sealed under the key: a wrong passphrase fails to open it. */
const CHECK = "check";
const CHECK_TEXT = "sluice-wallet";

export interface KdfHeader {
  readonly kdf: "PBKDF2-HMAC-SHA256";
  readonly iterations: number;
  /** 16 random bytes, hex. */
  readonly salt: string;
}

/** One sealed value: AES-256-GCM ciphertext with its 16-byte tag appended, and the IV. */
export interface Sealed {
  readonly iv: string;
  readonly ciphertext: string;
}

/** The passphrase does not open this wallet (AES-GCM authentication failed). */
export class WrongPassphraseError extends Error {
  constructor() {
    super("wrong passphrase");
    this.name = "WrongPassphraseError";
  }
}

const subtle = () => {
  const s = typeof crypto === "undefined" ? undefined : crypto.subtle;
  if (!s) throw new Error("Web Crypto is not available (a secure context is needed)");
  return s;
};

/** The AES-256-GCM key for `passphrase` under `header`, non-extractable. */
export async function deriveKey(passphrase: string, header: KdfHeader): Promise<CryptoKey> {
  if (header.kdf !== "PBKDF2-HMAC-SHA256") throw new Error(`unknown key derivation ${header.kdf}`);
  const material = await subtle().importKey("raw", utf8ToBytes(passphrase), "PBKDF2", false, ["deriveKey"]);
  return subtle().deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: hexToBytes(header.salt), iterations: header.iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** Seals `plaintext` under `key`, bound to `name`. */
export async function seal(key: CryptoKey, name: string, plaintext: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await subtle().encrypt(
    { name: "AES-GCM", iv, additionalData: utf8ToBytes(name) },
    key,
    utf8ToBytes(plaintext),
  );
  return { iv: bytesToHex(iv), ciphertext: bytesToHex(new Uint8Array(ciphertext)) };
}

/** Opens a sealed value bound to `name`; a wrong key (or a tampered value) is WrongPassphraseError. */
export async function open(key: CryptoKey, name: string, sealed: Sealed): Promise<string> {
  let plaintext: ArrayBuffer;
  try {
    plaintext = await subtle().decrypt(
      { name: "AES-GCM", iv: hexToBytes(sealed.iv), additionalData: utf8ToBytes(name) },
      key,
      hexToBytes(sealed.ciphertext),
    );
  } catch {
    throw new WrongPassphraseError();
  }
  return new TextDecoder().decode(plaintext);
}

/** A WalletStorage whose every value is sealed; open one with `create`, `unlock` or `restore`. */
export class EncryptedStorage implements WalletStorage {
  private constructor(
    private readonly store: SyncStore,
    private readonly prefix: string,
    private readonly key: CryptoKey,
    /** The KDF header in force: the kit copies it. */
    readonly header: KdfHeader,
  ) {}

  /** Whether `store` already holds an encrypted wallet under `prefix`. */
  static exists(store: SyncStore, prefix = "sluice:"): boolean {
    return store.getItem(prefix + HEADER) !== null;
  }

  /** Starts an empty encrypted wallet; refuses to overwrite one, or a short passphrase. */
  static async create(
    store: SyncStore,
    passphrase: string,
    options: { prefix?: string; iterations?: number } = {},
  ): Promise<EncryptedStorage> {
    const prefix = options.prefix ?? "sluice:";
    if (EncryptedStorage.exists(store, prefix)) throw new Error("this browser already holds a wallet");
    if ([...passphrase].length < MIN_PASSPHRASE_CHARS)
      throw new Error(`the passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters`);
    const header: KdfHeader = {
      kdf: "PBKDF2-HMAC-SHA256",
      iterations: options.iterations ?? KDF_ITERATIONS,
      salt: bytesToHex(crypto.getRandomValues(new Uint8Array(16))),
    };
    const storage = new EncryptedStorage(store, prefix, await deriveKey(passphrase, header), header);
    await storage.set(CHECK, CHECK_TEXT);
    store.setItem(prefix + HEADER, JSON.stringify(header));
    return storage;
  }

  /** Opens the wallet in `store` for this session; WrongPassphraseError if `passphrase` is not its. */
  static async unlock(store: SyncStore, passphrase: string, prefix = "sluice:"): Promise<EncryptedStorage> {
    const raw = store.getItem(prefix + HEADER);
    if (raw === null) throw new Error("this browser holds no wallet");
    const header = JSON.parse(raw) as KdfHeader;
    const storage = new EncryptedStorage(store, prefix, await deriveKey(passphrase, header), header);
    if ((await storage.get(CHECK)) !== CHECK_TEXT) throw new WrongPassphraseError();
    return storage;
  }

  /**
   * Rebuilds an encrypted wallet in an empty `store` from a header and sealed entries (an emergency
   * kit's): the passphrase must open each of them, and the store keeps them as they are.
   */
  static async restore(
    store: SyncStore,
    passphrase: string,
    header: KdfHeader,
    entries: Readonly<Record<string, Sealed>>,
    prefix = "sluice:",
  ): Promise<EncryptedStorage> {
    if (EncryptedStorage.exists(store, prefix)) throw new Error("this browser already holds a wallet");
    const storage = new EncryptedStorage(store, prefix, await deriveKey(passphrase, header), header);
    for (const [name, sealed] of Object.entries(entries)) await open(storage.key, name, sealed);
    for (const [name, sealed] of Object.entries(entries))
      store.setItem(prefix + name, JSON.stringify(sealed));
    await storage.set(CHECK, CHECK_TEXT);
    store.setItem(prefix + HEADER, JSON.stringify(header));
    return storage;
  }

  /** The sealed form of an entry as stored (for the kit), or null. */
  sealed(name: string): Sealed | null {
    const raw = this.store.getItem(this.prefix + name);
    return raw === null ? null : (JSON.parse(raw) as Sealed);
  }

  async get(name: string): Promise<string | null> {
    const sealed = this.sealed(name);
    return sealed === null ? null : open(this.key, name, sealed);
  }

  async set(name: string, value: string): Promise<void> {
    this.store.setItem(this.prefix + name, JSON.stringify(await seal(this.key, name, value)));
  }
}

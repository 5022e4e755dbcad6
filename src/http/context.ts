import type { ChainBackend } from "../chain/backend";
import type { Ecdsa } from "../chain/signature";
import type { Config, Env } from "../config";
import type { Clock } from "../core/clock";
import type { RandomBytes } from "../core/ids";
import type { Db } from "../db/client";
import type { Scope } from "../merchants/merchant";
import type { MerchantFiat } from "../rates/rate";

/** Who is calling: a merchant's API key or the operator. */
export type Principal =
  | {
      readonly kind: "merchant";
      readonly merchantId: string;
      readonly keyId: string;
      readonly scopes: readonly Scope[];
      /** The merchant's display currency and spread, read with the key. */
      readonly fiat: MerchantFiat;
    }
  | { readonly kind: "operator" };

/** Per-request context every handler sees. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    db: Db;
    /** null when no Bitcoin node is configured. */
    chain: ChainBackend | null;
    clock: Clock;
    random: RandomBytes;
    /** ECDSA backend for the payment hot path (strictness is fixed in chain/signature.ts). */
    ecdsa: Ecdsa;
    principal: Principal | undefined;
    /** Raw JSON body text of a POST/PATCH, kept for the idempotency fingerprint. */
    rawBody: string | undefined;
  };
};

/** Dependencies the app is built with; tests pass their own clock. */
export interface AppDeps {
  readonly clock: Clock;
  readonly random: RandomBytes;
  /** The Worker passes libsecp256k1 (chain/secp256k1-wasm.ts); default: noble, which runs anywhere. */
  readonly ecdsa?: Ecdsa;
}

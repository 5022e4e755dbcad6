// Types the test env (`cloudflare:test` / `cloudflare:workers`) as the Worker's Env plus test bindings.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    NETWORK?: string;
    HUB_SEED?: string;
    OPERATOR_TOKEN?: string;
    DEV_MODE?: string;
    PUBLIC_URL?: string;
    LIGHTNING_ADDRESS_DOMAIN?: string;
    BITCOIN_RPC_URL?: string;
    BITCOIN_RPC_USER?: string;
    BITCOIN_RPC_PASSWORD?: string;
    MIN_CONFIRMATIONS?: string;
    SETTLEMENT_CONFIRMATIONS?: string;
    SETTLEMENT_BUMP_AFTER_BLOCKS?: string;
    SETTLEMENT_INTERVAL_SECONDS?: string;
    FALLBACK_FEE_RATE_SAT_PER_VB?: string;
    PAYOUT_THRESHOLD_MSAT?: string;
    SLUICE_DEV_FAUCET_SECRET?: string;
    MERCHANT_FEE_PPM?: string;
    MERCHANT_FEE_BASE_MSAT?: string;
    MIN_INVOICE_EXPIRY_SECONDS?: string;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

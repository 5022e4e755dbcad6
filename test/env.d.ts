// Types the test env (`cloudflare:test` / `cloudflare:workers`) as the Worker's Env plus test bindings.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    NETWORK?: string;
    HUB_SEED?: string;
    OPERATOR_TOKEN?: string;
    DEV_MODE?: string;
    PUBLIC_URL?: string;
    BITCOIN_RPC_URL?: string;
    BITCOIN_RPC_USER?: string;
    BITCOIN_RPC_PASSWORD?: string;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

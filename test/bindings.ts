/** Fixed secrets for tests only: a well-known seed so derived keys are reproducible. */
export const TEST_BINDINGS = {
  NETWORK: "regtest",
  HUB_SEED: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  OPERATOR_TOKEN: "test-operator-token-0123456789abcdef",
  DEV_MODE: "true",
  // Short channel lifetimes keep the regtest chain (and its halving subsidy) small in tests.
  MIN_CONFIRMATIONS: "2",
  CHANNEL_LIFETIME_BLOCKS: "40",
  CHANNEL_CLOSE_MARGIN_BLOCKS: "6",
  CHANNEL_MIN_CAPACITY_SAT: "10000",
  CHANNEL_MAX_CAPACITY_SAT: "50000000",
  /** The regtest faucet: global-setup mines its coinbases; tests fund channels from them. */
  FAUCET_SECRET: "0505050505050505050505050505050505050505050505050505050505050505",
} as const;

/** Fixed secrets for tests only: a well-known seed so derived keys are reproducible. */
export const TEST_BINDINGS = {
  NETWORK: "regtest",
  HUB_SEED: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  OPERATOR_TOKEN: "test-operator-token-0123456789abcdef",
  DEV_MODE: "true",
} as const;

/** The Bitcoin networks Sluice runs on, and what each calls itself on the wire. */
export const NETWORKS = ["mainnet", "testnet", "signet", "regtest"] as const;
export type Network = (typeof NETWORKS)[number];

/** BOLT #11 human-readable currency prefix (after `ln`) per network. */
export const BOLT11_CURRENCY: Record<Network, string> = {
  mainnet: "bc",
  testnet: "tb",
  signet: "tbs",
  regtest: "bcrt",
};

/** Parses a network name; unknown names are a configuration bug. */
export function parseNetwork(value: string | undefined): Network {
  const name = value ?? "regtest";
  if (!(NETWORKS as readonly string[]).includes(name)) {
    throw new Error(`NETWORK must be one of ${NETWORKS.join(", ")}`);
  }
  return name as Network;
}

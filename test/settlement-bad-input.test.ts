import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { p2wpkh, segwitAddress } from "../src/chain/script";
import { bytesToHex, secp } from "../src/crypto";
import { hub, newMerchant, OPERATOR, testClock } from "./helpers";
import { CHAIN_ENV, fund } from "./regtest";

const h = hub(testClock(), CHAIN_ENV);
let key: string;
let readOnlyKey: string;
let unconfirmed: { txid: string; vout: number };
let foreign: { txid: string; vout: number };
/** The address with its last character changed (to one it is not): the bech32 checksum fails. */
const badChecksum = (a: string) => `${a.slice(0, -1)}${a.endsWith("q") ? "p" : "q"}`;
const address = (network: "mainnet" | "testnet" | "regtest") =>
  segwitAddress(p2wpkh(secp.getPublicKey(secp.utils.randomSecretKey(), true)), network);

beforeAll(async () => {
  key = (await newMerchant(h, "Bad Input Shop")).key;
  readOnlyKey = (await h.call("POST", "/v1/api-keys", { key, body: { scopes: ["account:read"] } })).body
    .secret;
  const hubView = await h.call("GET", "/v1/admin/hub", { key: OPERATOR });
  const { scriptFromAddress } = await import("../src/chain/script");
  unconfirmed = await fund(bytesToHex(scriptFromAddress(hubView.body.wallet_address, "regtest")!), 100_000);
  foreign = await fund(bytesToHex(p2wpkh(secp.getPublicKey(secp.utils.randomSecretKey(), true))), 100_000);
});

/** Everything these endpoints could write: the merchant row, the wallet, the books, settlements. */
async function snapshot() {
  const merchant = await env.DB.prepare(
    "SELECT payout_script_pubkey, payout_threshold_msat FROM merchants",
  ).all();
  const counts: Record<string, number> = {};
  for (const t of ["hub_utxos", "settlements", "payouts", "journal_entries", "ledger_balances", "events"]) {
    counts[t] = (await env.DB.prepare(`SELECT count(*) AS n FROM ${t}`).first<{ n: number }>())!.n;
  }
  return { merchant: merchant.results, counts };
}

type Case = [
  name: string,
  method: string,
  path: () => string,
  auth: () => string | undefined,
  body: unknown,
  status: number,
  code: string,
];
const merchant = () => key;
const operator = () => OPERATOR;
const nobody = () => undefined;
const self = () => "/v1/merchant";
const utxos = () => "/v1/admin/wallet/utxos";

// One row per case; expected status and error code last.
const CASES: Case[] = [
  [
    "payout address of mainnet",
    "PATCH",
    self,
    merchant,
    { payout_address: address("mainnet") },
    400,
    "invalid_payout_address",
  ],
  [
    "payout address of testnet",
    "PATCH",
    self,
    merchant,
    { payout_address: address("testnet") },
    400,
    "invalid_payout_address",
  ],
  [
    "payout address base58 (P2PKH)",
    "PATCH",
    self,
    merchant,
    { payout_address: "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn" },
    400,
    "invalid_payout_address",
  ],
  [
    "payout address garbage",
    "PATCH",
    self,
    merchant,
    { payout_address: "not an address" },
    400,
    "invalid_payout_address",
  ],
  [
    "payout address mixed case",
    "PATCH",
    self,
    merchant,
    { payout_address: `BCRT1${address("regtest").slice(5)}` },
    400,
    "invalid_payout_address",
  ],
  [
    "payout address bad checksum",
    "PATCH",
    self,
    merchant,
    { payout_address: badChecksum(address("regtest")) },
    400,
    "invalid_payout_address",
  ],
  ["payout address a number", "PATCH", self, merchant, { payout_address: 42 }, 400, "invalid_parameter"],
  [
    "payout address too long",
    "PATCH",
    self,
    merchant,
    { payout_address: `bcrt1${"q".repeat(100)}` },
    400,
    "invalid_parameter",
  ],
  [
    "threshold below 1,000 sat",
    "PATCH",
    self,
    merchant,
    { payout_threshold_msat: 999_999 },
    400,
    "invalid_parameter",
  ],
  ["threshold negative", "PATCH", self, merchant, { payout_threshold_msat: -1 }, 400, "invalid_parameter"],
  [
    "threshold fractional",
    "PATCH",
    self,
    merchant,
    { payout_threshold_msat: 1_500_000.5 },
    400,
    "invalid_parameter",
  ],
  [
    "threshold as a string",
    "PATCH",
    self,
    merchant,
    { payout_threshold_msat: "2000000" },
    400,
    "invalid_parameter",
  ],
  [
    "threshold past 2^53",
    "PATCH",
    self,
    merchant,
    { payout_threshold_msat: 2 ** 53 },
    400,
    "invalid_parameter",
  ],
  [
    "unknown field",
    "PATCH",
    self,
    merchant,
    { payout_address: address("regtest"), fee_ppm: 0 },
    400,
    "unknown_parameter",
  ],
  ["no key", "PATCH", self, nobody, { payout_threshold_msat: 2_000_000 }, 401, "missing_api_key"],
  [
    "read-only key",
    "PATCH",
    self,
    () => readOnlyKey,
    { payout_threshold_msat: 2_000_000 },
    403,
    "insufficient_scope",
  ],
  [
    "utxo: txid not hex",
    "POST",
    utxos,
    operator,
    { txid: "zz".repeat(32), vout: 0 },
    400,
    "invalid_parameter",
  ],
  ["utxo: txid short", "POST", utxos, operator, { txid: "ab".repeat(31), vout: 0 }, 400, "invalid_parameter"],
  [
    "utxo: vout negative",
    "POST",
    utxos,
    operator,
    { txid: "ab".repeat(32), vout: -1 },
    400,
    "invalid_parameter",
  ],
  ["utxo: vout missing", "POST", utxos, operator, { txid: "ab".repeat(32) }, 400, "missing_parameter"],
  [
    "utxo: unknown transaction",
    "POST",
    utxos,
    operator,
    { txid: "ab".repeat(32), vout: 0 },
    422,
    "funding_not_found",
  ],
  [
    "utxo: no such output",
    "POST",
    utxos,
    operator,
    () => ({ ...unconfirmed, vout: 7 }),
    422,
    "funding_output_not_found",
  ],
  ["utxo: pays someone else", "POST", utxos, operator, () => foreign, 422, "utxo_not_hub_wallet"],
  ["utxo: not yet confirmed", "POST", utxos, operator, () => unconfirmed, 409, "utxo_unconfirmed"],
  ["utxo: merchant key", "POST", utxos, merchant, () => unconfirmed, 401, "invalid_operator_token"],
  ["hub: no token", "GET", () => "/v1/admin/hub", nobody, undefined, 401, "invalid_operator_token"],
  [
    "run: merchant key",
    "POST",
    () => "/v1/admin/settlements",
    merchant,
    undefined,
    401,
    "invalid_operator_token",
  ],
  ["payouts: limit 0", "GET", () => "/v1/payouts?limit=0", merchant, undefined, 400, "invalid_parameter"],
  [
    "payouts: bad status",
    "GET",
    () => "/v1/payouts?status=paid",
    merchant,
    undefined,
    400,
    "invalid_parameter",
  ],
  [
    "payouts: cursor of another kind",
    "GET",
    () => "/v1/payouts?starting_after=inv_x",
    merchant,
    undefined,
    400,
    "invalid_cursor",
  ],
  ["payouts: no key", "GET", () => "/v1/payouts", nobody, undefined, 401, "missing_api_key"],
  ["payout: unknown", "GET", () => "/v1/payouts/po_nope", merchant, undefined, 404, "payout_not_found"],
  [
    "settlement: unknown",
    "GET",
    () => "/v1/settlements/stl_nope",
    nobody,
    undefined,
    404,
    "settlement_not_found",
  ],
  [
    "proof: unknown settlement",
    "GET",
    () => "/v1/settlements/stl_nope/proof",
    merchant,
    undefined,
    404,
    "settlement_not_found",
  ],
  [
    "proof: no key, no signature",
    "GET",
    () => "/v1/settlements/stl_nope/proof",
    nobody,
    undefined,
    401,
    "missing_api_key",
  ],
  [
    "proof: signature not hex",
    "GET",
    () => "/v1/settlements/stl_nope/proof?channel_id=ch_x&signature=zz",
    nobody,
    undefined,
    400,
    "invalid_parameter",
  ],
];

describe("bad input on the settlement endpoints: a clear 4xx with a stable code, and nothing changes", () => {
  it.each(CASES)("%s → %s … %s %s", async (_name, method, path, auth, body, status, code) => {
    const before = await snapshot();
    const res = await h.call(method, path(), {
      ...(auth() ? { key: auth() } : {}),
      body: typeof body === "function" ? body() : (body ?? undefined),
    });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await snapshot()).toEqual(before);
  });

  it("a good payout address and threshold are kept, and null clears them", async () => {
    const payout = address("regtest");
    const set = await h.call("PATCH", "/v1/merchant", {
      key,
      body: { payout_address: payout, payout_threshold_msat: 5_000_000 },
    });
    expect(set.body).toMatchObject({
      payout_address: payout,
      payout_threshold_msat: 5_000_000,
      effective_payout_threshold_msat: 5_000_000,
    });
    expect((await h.call("GET", "/v1/merchant", { key: readOnlyKey })).body).toEqual(set.body);
    const cleared = await h.call("PATCH", "/v1/merchant", {
      key,
      body: { payout_address: null, payout_threshold_msat: null },
    });
    expect(cleared.body).toMatchObject({
      payout_address: null,
      payout_threshold_msat: null,
      effective_payout_threshold_msat: 100_000_000,
    });
  });
});

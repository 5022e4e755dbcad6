import { beforeAll, describe, expect, it } from "vitest";
import { hub, tableCounts, testClock } from "./helpers";
import { outsidePayer } from "./payers";
import { CHAIN_ENV } from "./regtest";

const h = hub(testClock(), CHAIN_ENV);
const payer = outsidePayer();
const P = payer.pubkey;
let channelId: string;

beforeAll(async () => {
  channelId = (await h.call("POST", "/v1/channels", { body: { payer_pubkey: P, capacity_sat: 50_000 } })).body
    .id;
});

type Case = [name: string, method: string, path: () => string, body: unknown, status: number, code: string];
const bodyOf = (body: unknown) => (typeof body === "function" ? body() : body);
const open = () => "/v1/channels";
const funding = () => `/v1/channels/${channelId}/funding`;
const close = () => `/v1/channels/${channelId}/close`;
const outpoint = { txid: "ab".repeat(32), vout: 0 };
// A well-formed signature (its value does not matter for rows refused before it is checked).
const goodFunding = { ...outpoint, signature: outsidePayer().funding("ch_x", outpoint).signature };

// One row per case; expected status and error code last.
const CASES: Case[] = [
  ["pubkey missing", "POST", open, { capacity_sat: 50_000 }, 400, "missing_parameter"],
  [
    "pubkey 32 bytes",
    "POST",
    open,
    { payer_pubkey: P.slice(2), capacity_sat: 50_000 },
    400,
    "invalid_pubkey",
  ],
  [
    "pubkey upper-case hex",
    "POST",
    open,
    { payer_pubkey: P.toUpperCase(), capacity_sat: 50_000 },
    400,
    "invalid_pubkey",
  ],
  [
    "pubkey off the curve",
    "POST",
    open,
    { payer_pubkey: `02${"ff".repeat(32)}`, capacity_sat: 50_000 },
    400,
    "invalid_pubkey",
  ],
  [
    "pubkey uncompressed",
    "POST",
    open,
    { payer_pubkey: `04${"11".repeat(64)}`, capacity_sat: 50_000 },
    400,
    "invalid_pubkey",
  ],
  [
    "pubkey with prefix 05",
    "POST",
    open,
    { payer_pubkey: `05${P.slice(2)}`, capacity_sat: 50_000 },
    400,
    "invalid_pubkey",
  ],
  ["pubkey a number", "POST", open, { payer_pubkey: 2, capacity_sat: 50_000 }, 400, "invalid_parameter"],
  ["capacity negative", "POST", open, { payer_pubkey: P, capacity_sat: -1 }, 400, "invalid_parameter"],
  [
    "capacity fractional",
    "POST",
    open,
    { payer_pubkey: P, capacity_sat: 50_000.5 },
    400,
    "invalid_parameter",
  ],
  ["capacity a string", "POST", open, { payer_pubkey: P, capacity_sat: "50000" }, 400, "invalid_parameter"],
  ["capacity 2^53", "POST", open, { payer_pubkey: P, capacity_sat: 2 ** 53 }, 400, "invalid_parameter"],
  [
    "capacity below the minimum",
    "POST",
    open,
    { payer_pubkey: P, capacity_sat: 999 },
    400,
    "capacity_out_of_range",
  ],
  [
    "capacity above the maximum",
    "POST",
    open,
    { payer_pubkey: P, capacity_sat: 2 ** 40 },
    400,
    "capacity_out_of_range",
  ],
  [
    "refund script not hex",
    "POST",
    open,
    { payer_pubkey: P, capacity_sat: 50_000, refund_script_pubkey: "zz" },
    400,
    "invalid_refund_script",
  ],
  [
    "refund script odd length",
    "POST",
    open,
    { payer_pubkey: P, capacity_sat: 50_000, refund_script_pubkey: "001" },
    400,
    "invalid_refund_script",
  ],
  [
    "refund script P2PKH",
    "POST",
    open,
    { payer_pubkey: P, capacity_sat: 50_000, refund_script_pubkey: `76a914${"11".repeat(20)}88ac` },
    400,
    "invalid_refund_script",
  ],
  [
    "refund script bare OP_RETURN",
    "POST",
    open,
    { payer_pubkey: P, capacity_sat: 50_000, refund_script_pubkey: "6a00" },
    400,
    "invalid_refund_script",
  ],
  [
    "unknown field",
    "POST",
    open,
    { payer_pubkey: P, capacity_sat: 50_000, hub_pubkey: P },
    400,
    "unknown_parameter",
  ],
  ["funding: txid too short", "POST", funding, { txid: "ab".repeat(31), vout: 0 }, 400, "invalid_parameter"],
  ["funding: txid upper-case", "POST", funding, { txid: "AB".repeat(32), vout: 0 }, 400, "invalid_parameter"],
  ["funding: txid not hex", "POST", funding, { txid: "zz".repeat(32), vout: 0 }, 400, "invalid_parameter"],
  ["funding: vout negative", "POST", funding, { ...goodFunding, vout: -1 }, 400, "invalid_parameter"],
  ["funding: vout 2^32", "POST", funding, { ...goodFunding, vout: 2 ** 32 }, 400, "invalid_parameter"],
  ["funding: vout a string", "POST", funding, { ...goodFunding, vout: "0" }, 400, "invalid_parameter"],
  [
    "funding: vout missing",
    "POST",
    funding,
    { txid: goodFunding.txid, signature: goodFunding.signature },
    400,
    "missing_parameter",
  ],
  ["funding: signature missing", "POST", funding, outpoint, 400, "missing_parameter"],
  [
    "funding: signature not hex",
    "POST",
    funding,
    { ...outpoint, signature: "nothex" },
    400,
    "invalid_parameter",
  ],
  [
    "funding: signature not DER",
    "POST",
    funding,
    { ...outpoint, signature: "00".repeat(70) },
    422,
    "invalid_signature",
  ],
  ["funding: signed by another key", "POST", funding, goodFunding, 422, "invalid_signature"],
  [
    "funding: the payer's signature of another outpoint",
    "POST",
    funding,
    () => ({ ...outpoint, signature: payer.funding(channelId, { ...outpoint, vout: 1 }).signature }),
    422,
    "invalid_signature",
  ],
  [
    "funding: the payer's signature for another channel",
    "POST",
    funding,
    () => ({ ...outpoint, signature: payer.funding("ch_other", outpoint).signature }),
    422,
    "invalid_signature",
  ],
  [
    "funding: unknown channel",
    "POST",
    () => "/v1/channels/ch_nope/funding",
    goodFunding,
    404,
    "channel_not_found",
  ],
  ["close: signature not hex", "POST", close, { signature: "nothex" }, 400, "invalid_parameter"],
  ["close: signature not DER", "POST", close, { signature: "00".repeat(70) }, 422, "invalid_signature"],
  [
    "close: unknown channel",
    "POST",
    () => "/v1/channels/ch_nope/close",
    { signature: "30".repeat(8) },
    404,
    "channel_not_found",
  ],
  ["read: unknown channel", "GET", () => "/v1/channels/ch_nope", undefined, 404, "channel_not_found"],
];

describe("bad input on the channel endpoints: a clear 4xx with a stable code, and nothing changes", () => {
  it.each(CASES)("%s → %s … %s %s", async (_name, method, path, body, status, code) => {
    const before = await tableCounts();
    const res = await h.call(method, path(), { body: bodyOf(body) ?? undefined });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await tableCounts()).toEqual(before);
  });

  it("leaves the channel awaiting funding", async () => {
    expect((await h.call("GET", `/v1/channels/${channelId}`)).body.status).toBe("awaiting_funding");
  });
});

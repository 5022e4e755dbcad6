/**
 * Bad input to the Lightning Address API and the public LNURL-pay endpoints: a clear 4xx with a
 * stable code (LNURL routes in LNURL's `{status: "ERROR", reason}` shape, with the code beside it),
 * and nothing changes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../src/core/limits";
import { hub, newMerchant, tableCounts, testClock } from "./helpers";

const h = hub(testClock());
let key: string;
let otherKey: string;
let disabledId: string;

beforeAll(async () => {
  ({ key } = await newMerchant(h, "Bad Input Shop"));
  ({ key: otherKey } = await newMerchant(h, "Other Shop"));
  const claim = (name: string, extra: Record<string, unknown> = {}) =>
    h.call("POST", "/v1/lightning-addresses", { key, body: { name, ...extra } });
  expect((await claim("taken")).status).toBe(201);
  expect((await claim("bounded", { min_sendable_msat: 5_000, max_sendable_msat: 9_000 })).status).toBe(201);
  expect((await claim("talky", { comment_allowed: 5 })).status).toBe(201);
  disabledId = (await claim("gone")).body.id;
  expect((await h.call("POST", `/v1/lightning-addresses/${disabledId}/disable`, { key })).status).toBe(200);
});

type Case = [
  name: string,
  method: string,
  path: string,
  body: unknown,
  status: number,
  code: string,
  opts?: { shape?: "lnurl"; other?: boolean },
];

const lnurl = { shape: "lnurl" } as const;
const long = "x".repeat(LIMITS.maxAddressNameChars + 1);

// One row per case; expected status and error code last.
const CASES: Case[] = [
  // Claiming names: LUD-16 characters, length, dot-atoms, reserved, taken, limits.
  ["name missing", "POST", "/v1/lightning-addresses", {}, 400, "missing_parameter"],
  ["name empty", "POST", "/v1/lightning-addresses", { name: "" }, 400, "address_name_invalid"],
  ["name upper case", "POST", "/v1/lightning-addresses", { name: "Tips" }, 400, "address_name_invalid"],
  ["name with a space", "POST", "/v1/lightning-addresses", { name: "my tips" }, 400, "address_name_invalid"],
  ["name with @", "POST", "/v1/lightning-addresses", { name: "a@b" }, 400, "address_name_invalid"],
  ["name with +", "POST", "/v1/lightning-addresses", { name: "a+b" }, 400, "address_name_invalid"],
  ["name non-ASCII", "POST", "/v1/lightning-addresses", { name: "café" }, 400, "address_name_invalid"],
  ["name leading dot", "POST", "/v1/lightning-addresses", { name: ".tips" }, 400, "address_name_invalid"],
  ["name trailing dot", "POST", "/v1/lightning-addresses", { name: "tips." }, 400, "address_name_invalid"],
  ["name double dot", "POST", "/v1/lightning-addresses", { name: "a..b" }, 400, "address_name_invalid"],
  ["name 65 characters", "POST", "/v1/lightning-addresses", { name: long }, 400, "address_name_invalid"],
  ["name a number", "POST", "/v1/lightning-addresses", { name: 7 }, 400, "invalid_parameter"],
  ["name reserved", "POST", "/v1/lightning-addresses", { name: "admin" }, 400, "address_name_reserved"],
  [
    "name reserved: postmaster",
    "POST",
    "/v1/lightning-addresses",
    { name: "postmaster" },
    400,
    "address_name_reserved",
  ],
  [
    "name taken (same merchant)",
    "POST",
    "/v1/lightning-addresses",
    { name: "taken" },
    409,
    "address_name_taken",
  ],
  [
    "name taken (another merchant)",
    "POST",
    "/v1/lightning-addresses",
    { name: "taken" },
    409,
    "address_name_taken",
    { other: true },
  ],
  [
    "name of a disabled address",
    "POST",
    "/v1/lightning-addresses",
    { name: "gone" },
    409,
    "address_name_taken",
  ],
  [
    "unknown field",
    "POST",
    "/v1/lightning-addresses",
    { name: "new1", nostr: true },
    400,
    "unknown_parameter",
  ],
  [
    "min above max",
    "POST",
    "/v1/lightning-addresses",
    { name: "new2", min_sendable_msat: 10_000, max_sendable_msat: 9_999 },
    400,
    "invalid_parameter",
  ],
  [
    "min zero",
    "POST",
    "/v1/lightning-addresses",
    { name: "new3", min_sendable_msat: 0 },
    400,
    "invalid_parameter",
  ],
  [
    "max past 2^53",
    "POST",
    "/v1/lightning-addresses",
    { name: "new4", max_sendable_msat: 2 ** 53 },
    400,
    "invalid_parameter",
  ],
  [
    "min as a string",
    "POST",
    "/v1/lightning-addresses",
    { name: "new5", min_sendable_msat: "1000" },
    400,
    "invalid_parameter",
  ],
  [
    "comment_allowed above 255",
    "POST",
    "/v1/lightning-addresses",
    { name: "new6", comment_allowed: 256 },
    400,
    "invalid_parameter",
  ],
  [
    "comment_allowed negative",
    "POST",
    "/v1/lightning-addresses",
    { name: "new7", comment_allowed: -1 },
    400,
    "invalid_parameter",
  ],
  [
    "success_message over 144 characters",
    "POST",
    "/v1/lightning-addresses",
    { name: "new8", success_message: "m".repeat(145) },
    400,
    "invalid_parameter",
  ],
  [
    "description blank",
    "POST",
    "/v1/lightning-addresses",
    { name: "new9", description: "   " },
    400,
    "invalid_parameter",
  ],
  [
    "unknown address id",
    "GET",
    "/v1/lightning-addresses/lna_missing",
    undefined,
    404,
    "lightning_address_not_found",
  ],
  [
    "another merchant's address",
    "POST",
    "/v1/lightning-addresses/DISABLED/disable",
    undefined,
    404,
    "lightning_address_not_found",
    { other: true },
  ],
  ["bad cursor", "GET", "/v1/lightning-addresses?starting_after=inv_x", undefined, 400, "invalid_cursor"],
  ["limit 101", "GET", "/v1/lightning-addresses?limit=101", undefined, 400, "invalid_parameter"],

  // The public LNURL-pay endpoints.
  [
    "pay request: unknown name",
    "GET",
    "/.well-known/lnurlp/nobody",
    undefined,
    404,
    "lightning_address_not_found",
    lnurl,
  ],
  [
    "pay request: upper-case name",
    "GET",
    "/.well-known/lnurlp/TAKEN",
    undefined,
    404,
    "lightning_address_not_found",
    lnurl,
  ],
  [
    "pay request: name too long",
    "GET",
    `/.well-known/lnurlp/${long}`,
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "pay request: disabled",
    "GET",
    "/.well-known/lnurlp/gone",
    undefined,
    410,
    "lightning_address_disabled",
    lnurl,
  ],
  [
    "callback: unknown name",
    "GET",
    "/lnurlp/nobody/callback?amount=1000",
    undefined,
    404,
    "lightning_address_not_found",
    lnurl,
  ],
  [
    "callback: disabled",
    "GET",
    "/lnurlp/gone/callback?amount=1000",
    undefined,
    410,
    "lightning_address_disabled",
    lnurl,
  ],
  ["callback: amount missing", "GET", "/lnurlp/taken/callback", undefined, 400, "missing_parameter", lnurl],
  [
    "callback: amount empty",
    "GET",
    "/lnurlp/taken/callback?amount=",
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: amount zero",
    "GET",
    "/lnurlp/taken/callback?amount=0",
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: amount negative",
    "GET",
    "/lnurlp/taken/callback?amount=-1000",
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: amount fractional",
    "GET",
    "/lnurlp/taken/callback?amount=1000.5",
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: amount exponent",
    "GET",
    "/lnurlp/taken/callback?amount=1e6",
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: amount hex",
    "GET",
    "/lnurlp/taken/callback?amount=0x3e8",
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: amount leading zero",
    "GET",
    "/lnurlp/taken/callback?amount=01000",
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: amount with spaces",
    "GET",
    "/lnurlp/taken/callback?amount=%201000",
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: amount 2^53",
    "GET",
    `/lnurlp/taken/callback?amount=${2 ** 53}`,
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: amount 20 digits",
    "GET",
    `/lnurlp/taken/callback?amount=${"9".repeat(20)}`,
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: amount twice",
    "GET",
    "/lnurlp/taken/callback?amount=1000&amount=2000",
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "callback: below minSendable",
    "GET",
    "/lnurlp/bounded/callback?amount=4999",
    undefined,
    400,
    "amount_out_of_range",
    lnurl,
  ],
  [
    "callback: above maxSendable",
    "GET",
    "/lnurlp/bounded/callback?amount=9001",
    undefined,
    400,
    "amount_out_of_range",
    lnurl,
  ],
  [
    "callback: sub-minimum default (999 msat)",
    "GET",
    "/lnurlp/taken/callback?amount=999",
    undefined,
    400,
    "amount_out_of_range",
    lnurl,
  ],
  [
    "callback: comment where none allowed",
    "GET",
    "/lnurlp/taken/callback?amount=1000&comment=hi",
    undefined,
    400,
    "comment_too_long",
    lnurl,
  ],
  [
    "callback: comment too long",
    "GET",
    "/lnurlp/talky/callback?amount=1000&comment=123456",
    undefined,
    400,
    "comment_too_long",
    lnurl,
  ],
  [
    "callback: comment twice",
    "GET",
    "/lnurlp/talky/callback?amount=1000&comment=a&comment=b",
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
  [
    "verify: unknown name",
    "GET",
    "/lnurlp/nobody/verify/inv_x",
    undefined,
    404,
    "lightning_address_not_found",
    lnurl,
  ],
  [
    "verify: unknown invoice",
    "GET",
    "/lnurlp/taken/verify/inv_missing",
    undefined,
    404,
    "invoice_not_found",
    lnurl,
  ],
  [
    "verify: id too long",
    "GET",
    `/lnurlp/taken/verify/${"i".repeat(65)}`,
    undefined,
    400,
    "invalid_parameter",
    lnurl,
  ],
];

describe("bad input to Lightning Addresses and LNURL-pay gets a clear 4xx with a stable code, and nothing changes", () => {
  it("has a row for each way in", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
  });

  it.each(CASES)("%s → %s %s … %s %s", async (_name, method, path, body, status, code, opts = {}) => {
    const expected = code;
    const before = await tableCounts();
    const res = await h.call(method, path.replace("DISABLED", disabledId), {
      key: opts.other ? otherKey : key,
      body: body ?? undefined,
      headers: { "idempotency-key": `bad-${Math.random()}` },
    });
    expect(res.status).toBe(status);
    if (opts.shape === "lnurl") {
      expect(res.body).toEqual({ status: "ERROR", reason: expect.any(String), code: expected });
    } else {
      expect(res.body.error.code).toBe(expected);
      expect(res.body.error.message).toBeTypeOf("string");
    }
    expect(await tableCounts()).toEqual(before);
  });
});

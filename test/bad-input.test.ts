import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { LIMITS } from "../src/core/limits";
import { openDb } from "../src/db/client";
import { refreshRates } from "../src/rates/service";
import { hub, newMerchant, OPERATOR, tableCounts, testClock } from "./helpers";

const h = hub(testClock());
let key: string;
let openInvoice: string;

beforeAll(async () => {
  ({ key } = await newMerchant(h, "Bad Input Shop"));
  // Fresh (fixed) rates, so fiat prices fail for what is wrong with them, not for want of a rate.
  await refreshRates(openDb(env.DB), loadConfig(h.env).rates, h.clock.nowMs());
  openInvoice = (await h.call("POST", "/v1/invoices", { key, body: { amount_msat: 1_000 } })).body.id;
});

type Case = [
  name: string,
  method: string,
  path: string,
  body: unknown,
  status: number,
  code: string,
  opts?: { raw?: string; headers?: Record<string, string>; operator?: boolean },
];

const bigMetadata = Object.fromEntries(
  Array.from({ length: LIMITS.maxMetadataKeys + 1 }, (_, i) => [`k${i}`, "v"]),
);
const hash = "ab".repeat(32);

// One row per case; expected status and error code last.
const CASES: Case[] = [
  ["amount missing", "POST", "/v1/invoices", {}, 400, "missing_parameter"],
  ["amount as a string", "POST", "/v1/invoices", { amount_msat: "1000" }, 400, "invalid_parameter"],
  ["amount zero", "POST", "/v1/invoices", { amount_msat: 0 }, 400, "invalid_parameter"],
  ["amount negative", "POST", "/v1/invoices", { amount_msat: -5 }, 400, "invalid_parameter"],
  ["amount fractional", "POST", "/v1/invoices", { amount_msat: 1000.5 }, 400, "invalid_parameter"],
  [
    "amount 2^53 (past the exact range)",
    "POST",
    "/v1/invoices",
    { amount_msat: 2 ** 53 },
    400,
    "invalid_parameter",
  ],
  ["amount 1e300", "POST", "/v1/invoices", null, 400, "invalid_parameter", { raw: '{"amount_msat": 1e300}' }],
  ["amount as boolean", "POST", "/v1/invoices", { amount_msat: true }, 400, "invalid_parameter"],
  ["amount null", "POST", "/v1/invoices", { amount_msat: null }, 400, "invalid_parameter"],
  ["amount as an object", "POST", "/v1/invoices", { amount_msat: { value: 1 } }, 400, "invalid_parameter"],
  ["unknown field", "POST", "/v1/invoices", { amount_msat: 1000, currency: "usd" }, 400, "unknown_parameter"],
  [
    "description and description_hash together",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, description: "x", description_hash: hash },
    400,
    "description_conflict",
  ],
  [
    "description over 639 bytes",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, description: "é".repeat(320) },
    400,
    "invalid_parameter",
  ],
  [
    "description not a string",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, description: 42 },
    400,
    "invalid_parameter",
  ],
  [
    "description_hash not hex",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, description_hash: "zz".repeat(32) },
    400,
    "invalid_parameter",
  ],
  [
    "description_hash too short",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, description_hash: "abcd" },
    400,
    "invalid_parameter",
  ],
  [
    "expiry below 60 s",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, expiry_seconds: 59 },
    400,
    "invalid_parameter",
  ],
  [
    "expiry above a week",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, expiry_seconds: 604_801 },
    400,
    "invalid_parameter",
  ],
  [
    "expiry fractional",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, expiry_seconds: 90.5 },
    400,
    "invalid_parameter",
  ],
  [
    "expiry as a string",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, expiry_seconds: "3600" },
    400,
    "invalid_parameter",
  ],
  [
    "metadata with too many keys",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, metadata: bigMetadata },
    400,
    "invalid_parameter",
  ],
  [
    "metadata key too long",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, metadata: { ["k".repeat(41)]: "v" } },
    400,
    "invalid_parameter",
  ],
  [
    "metadata value too long",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, metadata: { k: "v".repeat(501) } },
    400,
    "invalid_parameter",
  ],
  [
    "metadata value not a string",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, metadata: { k: 1 } },
    400,
    "invalid_parameter",
  ],
  [
    "metadata as an array",
    "POST",
    "/v1/invoices",
    { amount_msat: 1000, metadata: ["a"] },
    400,
    "invalid_parameter",
  ],
  ["order_id empty", "POST", "/v1/invoices", { amount_msat: 1000, order_id: "" }, 400, "invalid_parameter"],
  ["malformed JSON", "POST", "/v1/invoices", null, 400, "invalid_json", { raw: '{"amount_msat": 1000' }],
  ["JSON array body", "POST", "/v1/invoices", null, 400, "invalid_json", { raw: "[1000]" }],
  ["JSON string body", "POST", "/v1/invoices", null, 400, "invalid_json", { raw: '"amount"' }],
  ["empty body", "POST", "/v1/invoices", null, 400, "invalid_json", { raw: "" }],
  [
    "form-encoded body",
    "POST",
    "/v1/invoices",
    null,
    400,
    "invalid_content_type",
    { raw: "amount_msat=1000", headers: { "content-type": "application/x-www-form-urlencoded" } },
  ],
  [
    "oversized body",
    "POST",
    "/v1/invoices",
    null,
    413,
    "body_too_large",
    { raw: JSON.stringify({ amount_msat: 1000, description: "x".repeat(LIMITS.maxBodyBytes) }) },
  ],
  ["bad cursor", "GET", "/v1/invoices?starting_after=garbage", undefined, 400, "invalid_cursor"],
  [
    "cursor of another kind",
    "GET",
    "/v1/invoices?starting_after=mer_01m8800w6vjctbpk14gzvx78s3",
    undefined,
    400,
    "invalid_cursor",
  ],
  ["limit zero", "GET", "/v1/invoices?limit=0", undefined, 400, "invalid_parameter"],
  ["limit 101", "GET", "/v1/invoices?limit=101", undefined, 400, "invalid_parameter"],
  ["limit not a number", "GET", "/v1/invoices?limit=ten", undefined, 400, "invalid_parameter"],
  ["unknown status filter", "GET", "/v1/invoices?status=pending", undefined, 400, "invalid_parameter"],
  ["unknown query parameter", "GET", "/v1/invoices?sort=asc", undefined, 400, "unknown_parameter"],
  ["unknown invoice id", "GET", "/v1/invoices/inv_doesnotexist", undefined, 404, "invoice_not_found"],
  [
    "cancel unknown invoice",
    "POST",
    "/v1/invoices/inv_doesnotexist/cancel",
    undefined,
    404,
    "invoice_not_found",
  ],
  ["unknown route", "GET", "/v1/nothing-here", undefined, 404, "route_not_found"],
  // fiat prices (docs/fiat.md)
  ...(
    [
      [
        "price and amount_msat together",
        { amount_msat: 1000, price: { currency: "EUR", amount_minor: 350 } },
        "amount_conflict",
      ],
      ["price currency lower case", { price: { currency: "eur", amount_minor: 350 } }, "invalid_currency"],
      ["price currency not ISO 4217", { price: { currency: "EUX", amount_minor: 350 } }, "invalid_currency"],
      [
        "price currency gold (no minor unit)",
        { price: { currency: "XAU", amount_minor: 1 } },
        "invalid_currency",
      ],
      ["price currency four letters", { price: { currency: "EURO", amount_minor: 350 } }, "invalid_currency"],
      ["price currency a number", { price: { currency: 978, amount_minor: 350 } }, "invalid_parameter"],
      [
        "price currency the hub does not price in",
        { price: { currency: "BHD", amount_minor: 1250 } },
        "currency_not_supported",
      ],
      ["price amount zero", { price: { currency: "EUR", amount_minor: 0 } }, "invalid_parameter"],
      ["price amount negative", { price: { currency: "EUR", amount_minor: -350 } }, "invalid_parameter"],
      ["price amount fractional", { price: { currency: "EUR", amount_minor: 3.5 } }, "invalid_parameter"],
      [
        "price amount a decimal string",
        { price: { currency: "EUR", amount_minor: "3.50" } },
        "invalid_parameter",
      ],
      ["price amount 2^53", { price: { currency: "EUR", amount_minor: 2 ** 53 } }, "invalid_parameter"],
      [
        "price amount past the msat range",
        { price: { currency: "EUR", amount_minor: 2 ** 53 - 1 } },
        "amount_out_of_range",
      ],
      ["price amount missing", { price: { currency: "EUR" } }, "missing_parameter"],
      ["price currency missing", { price: { amount_minor: 350 } }, "missing_parameter"],
      [
        "price unknown field",
        { price: { currency: "EUR", amount_minor: 350, exponent: 2 } },
        "unknown_parameter",
      ],
      ["price as a string", { price: "EUR 3.50" }, "invalid_parameter"],
      ["price null", { price: null }, "invalid_parameter"],
    ] as const
  ).map(([name, body, code]): Case => [name, "POST", "/v1/invoices", body, 400, code]),
  ...(
    [
      ["display currency lower case", { display_currency: "eur" }, "invalid_currency"],
      ["display currency the hub does not price in", { display_currency: "BHD" }, "currency_not_supported"],
      ["spread negative", { rate_spread_ppm: -1 }, "invalid_parameter"],
      ["spread past 10 %", { rate_spread_ppm: 100_001 }, "invalid_parameter"],
      ["spread fractional", { rate_spread_ppm: 0.5 }, "invalid_parameter"],
    ] as const
  ).map(([name, body, code]): Case => [`merchant: ${name}`, "PATCH", "/v1/merchant", body, 400, code]),
  // refunds in fiat: the request's shape (the payment does not exist, so nothing could change anyway)
  ...(
    [
      [
        "amount_msat and fiat together",
        { payment_id: "pay_x", amount_msat: 1, fiat: { amount_minor: 1, rate: "original" } },
        "amount_conflict",
      ],
      [
        "fiat rate unknown",
        { payment_id: "pay_x", fiat: { amount_minor: 1, rate: "yesterday" } },
        "invalid_parameter",
      ],
      [
        "fiat amount zero",
        { payment_id: "pay_x", fiat: { amount_minor: 0, rate: "original" } },
        "invalid_parameter",
      ],
      [
        "fiat amount fractional",
        { payment_id: "pay_x", fiat: { amount_minor: 1.5, rate: "current" } },
        "invalid_parameter",
      ],
      ["fiat rate missing", { payment_id: "pay_x", fiat: { amount_minor: 1 } }, "missing_parameter"],
      [
        "fiat currency given (it is the payment's)",
        { payment_id: "pay_x", fiat: { amount_minor: 1, rate: "original", currency: "EUR" } },
        "unknown_parameter",
      ],
    ] as const
  ).map(([name, body, code]): Case => [`refund: ${name}`, "POST", "/v1/refunds", body, 400, code]),
  // CSV exports: bad ranges
  ...(
    [
      ["from missing", "to=2026-12-01", "missing_parameter"],
      ["to missing", "from=2026-12-01", "missing_parameter"],
      ["from not a time", "from=yesterday&to=2026-12-01", "invalid_parameter"],
      ["a date that does not exist", "from=2026-02-30&to=2026-03-31", "invalid_parameter"],
      ["a time with an offset", "from=2026-12-01T10:00:00%2B01:00&to=2026-12-02", "invalid_parameter"],
      ["negative seconds", "from=-5&to=100", "invalid_parameter"],
      ["from after to", "from=2026-12-02&to=2026-12-01", "invalid_range"],
      ["an empty range", "from=1764547200&to=1764547200", "invalid_range"],
      ["more than 366 days", "from=2025-01-01&to=2026-01-03", "invalid_range"],
      ["unknown parameter", "from=2026-12-01&to=2026-12-02&format=xlsx", "unknown_parameter"],
    ] as const
  ).flatMap(([name, query, code]): Case[] =>
    ["payments", "refunds", "payouts"].map(
      (kind): Case => [
        `${kind}.csv: ${name}`,
        "GET",
        `/v1/reports/${kind}.csv?${query}`,
        undefined,
        400,
        code,
      ],
    ),
  ),
  [
    "decode: not an invoice",
    "POST",
    "/v1/bolt11/decode",
    { invoice: "hello" },
    400,
    "bolt11_missing_separator",
  ],
  ["decode: invoice missing", "POST", "/v1/bolt11/decode", {}, 400, "missing_parameter"],
  ["decode: invoice a number", "POST", "/v1/bolt11/decode", { invoice: 5 }, 400, "invalid_parameter"],
  ["merchant: name missing", "POST", "/v1/admin/merchants", {}, 400, "missing_parameter", { operator: true }],
  [
    "merchant: blank name",
    "POST",
    "/v1/admin/merchants",
    { name: "   " },
    400,
    "invalid_parameter",
    { operator: true },
  ],
  [
    "merchant: unknown scope",
    "POST",
    "/v1/admin/merchants",
    { name: "X", scopes: ["root"] },
    400,
    "invalid_parameter",
    { operator: true },
  ],
  ["api key: empty scope list", "POST", "/v1/api-keys", { scopes: [] }, 400, "invalid_parameter"],
  [
    "api key: unknown field",
    "POST",
    "/v1/api-keys",
    { scopes: ["invoices:read"], admin: true },
    400,
    "unknown_parameter",
  ],
];

describe("bad input gets a clear 4xx with a stable code, and nothing changes", () => {
  it("has at least 30 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)("%s → %s %s … %s %s", async (_name, method, path, body, status, code, opts = {}) => {
    const before = await tableCounts();
    const res = await h.call(method, path, {
      key: opts.operator ? OPERATOR : key,
      body: body ?? undefined,
      raw: opts.raw,
      headers: { "idempotency-key": `bad-${Math.random()}`, ...opts.headers },
    });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.type).toBeTypeOf("string");
    expect(res.body.error.message).toBeTypeOf("string");
    expect(await tableCounts()).toEqual(before);
  });

  it("leaves the existing invoice untouched after all of that", async () => {
    const res = await h.call("GET", `/v1/invoices/${openInvoice}`, { key });
    expect(res.body.status).toBe("open");
  });
});

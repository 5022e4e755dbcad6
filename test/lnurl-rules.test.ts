/** Table tests of the pure LNURL-pay decisions (src/lnurl/rules.ts): one row per case, outcome last. */
import { describe, expect, it } from "vitest";
import type { LightningAddress } from "../src/lnurl/address";
import {
  checkAddressName,
  decideCallback,
  lnurlHost,
  metadataHash,
  payRequestMetadata,
} from "../src/lnurl/rules";

const address: LightningAddress = {
  id: "lna_x",
  merchantId: "mer_x",
  name: "tips",
  status: "active",
  description: "Tips",
  minSendableMsat: 1_000n,
  maxSendableMsat: 100_000n,
  commentAllowed: 3,
  successMessage: "Thanks",
  createdAt: 0,
  disabledAt: null,
};

describe("checkAddressName: LUD-16 names", () => {
  const rows: [name: string, outcome: string][] = [
    ["tips", "ok"],
    ["a", "ok"],
    ["satoshi.nakamoto", "ok"],
    ["a-b_c.9", "ok"],
    ["x".repeat(64), "ok"],
    ["x".repeat(65), "address_name_invalid"],
    ["", "address_name_invalid"],
    ["Tips", "address_name_invalid"],
    ["tips!", "address_name_invalid"],
    [".a", "address_name_invalid"],
    ["a.", "address_name_invalid"],
    ["a..b", "address_name_invalid"],
    ["ünïcode", "address_name_invalid"],
    ["admin", "address_name_reserved"],
    ["sluice", "address_name_reserved"],
    ["admin1", "ok"],
  ];
  it.each(rows)("%j → %s", (name, outcome) => {
    const result = checkAddressName(name);
    expect(result.ok ? "ok" : result.error.code).toBe(outcome);
  });
});

describe("decideCallback: LUD-06 amount, LUD-12 comment", () => {
  const rows: [amount: string[], comment: string[], outcome: string][] = [
    [["1000"], [], "ok 1000 -"],
    [["100000"], [], "ok 100000 -"],
    [["999"], [], "amount_out_of_range"],
    [["100001"], [], "amount_out_of_range"],
    [[], [], "missing_parameter"],
    [["1000", "1000"], [], "invalid_parameter"],
    [["1000.0"], [], "invalid_parameter"],
    [["+1000"], [], "invalid_parameter"],
    [["9007199254740992"], [], "invalid_parameter"],
    [["1000"], [""], "ok 1000 -"],
    [["1000"], ["abc"], "ok 1000 abc"],
    [["1000"], ["☕☕☕"], "ok 1000 ☕☕☕"],
    [["1000"], ["abcd"], "comment_too_long"],
    [["1000"], ["a", "b"], "invalid_parameter"],
  ];
  it.each(rows)("amount %j comment %j → %s", (amount, comment, outcome) => {
    const result = decideCallback(address, { amount, comment });
    const got = result.ok
      ? `ok ${result.value.amountMsat} ${result.value.comment ?? "-"}`
      : result.error.code;
    expect(got).toBe(outcome);
  });

  it("a disabled address decides nothing", () => {
    const result = decideCallback({ ...address, status: "disabled" }, { amount: ["1000"], comment: [] });
    expect(result.ok ? "ok" : result.error.code).toBe("lightning_address_disabled");
  });
});

describe("metadata and hosts", () => {
  it("the metadata string is LUD-06's array with LUD-16's text/identifier, and h is sha256 of its UTF-8", () => {
    const host = { origin: "https://pay.example", domain: "pay.example" };
    const metadata = payRequestMetadata({ ...address, description: "Café ☕" }, host);
    expect(metadata).toBe('[["text/plain","Café ☕"],["text/identifier","tips@pay.example"]]');
    // sha256 of those exact UTF-8 bytes, computed apart from the code under test (node:crypto).
    expect(metadataHash(metadata)).toBe("359867de21a8f5fb1178fcad768a84f81644563d10394e24cfd9f67084b406aa");
  });

  const hostRows: [
    domain: string | null,
    publicUrl: string | null,
    request: string,
    origin: string,
    at: string,
  ][] = [
    ["pay.example", "https://api.example", "http://127.0.0.1:8787/x", "https://pay.example", "pay.example"],
    [null, "https://api.example", "http://127.0.0.1:8787/x", "https://api.example", "api.example"],
    [null, null, "http://127.0.0.1:8787/x", "http://127.0.0.1:8787", "127.0.0.1:8787"],
  ];
  it.each(hostRows)(
    "LIGHTNING_ADDRESS_DOMAIN %s, PUBLIC_URL %s, request %s → %s, @%s",
    (d, p, r, origin, at) => {
      expect(lnurlHost({ lightningAddressDomain: d, publicUrl: p }, r)).toEqual({ origin, domain: at });
    },
  );
});

import { describe, expect, it } from "vitest";
import { adminRequest } from "../src/cli/admin";
import { hub, OPERATOR, testClock } from "./helpers";

describe("operator CLI", () => {
  it.each([
    [
      ["merchant", "create", "--name", "Shop"],
      { method: "POST", path: "/v1/admin/merchants", body: { name: "Shop" } },
    ],
    [
      ["merchant", "create", "--name", "Shop", "--scopes", "invoices:read"],
      { method: "POST", path: "/v1/admin/merchants", body: { name: "Shop", scopes: ["invoices:read"] } },
    ],
    [
      ["keys", "list", "--merchant", "mer_1"],
      { method: "GET", path: "/v1/admin/merchants/mer_1/api-keys?limit=100" },
    ],
    [
      ["keys", "create", "--merchant", "mer_1", "--label", "pos"],
      { method: "POST", path: "/v1/admin/merchants/mer_1/api-keys", body: { label: "pos" } },
    ],
    [
      ["keys", "revoke", "--merchant", "mer_1", "--key", "key_2"],
      { method: "DELETE", path: "/v1/admin/merchants/mer_1/api-keys/key_2" },
    ],
    [["hub"], { method: "GET", path: "/v1/admin/hub" }],
    [["settle"], { method: "POST", path: "/v1/admin/settlements" }],
    [
      ["wallet", "deposit", "--txid", "ab".repeat(32), "--vout", "1"],
      { method: "POST", path: "/v1/admin/wallet/utxos", body: { txid: "ab".repeat(32), vout: 1 } },
    ],
  ])("maps %j to the operator API request", (args, expected) => {
    expect(adminRequest(args)).toEqual(expected);
  });

  it.each([
    [["merchant", "create"], /--name is required/],
    [["merchant", "create", "--name"], /flag value pairs/],
    [["keys", "create", "--merchant", "mer_1", "--scopes", "root"], /unknown scope 'root'/],
    [["keys", "delete", "--merchant", "mer_1"], /unknown command/],
    [["wallet", "deposit", "--txid", "ab", "--vout", "-1"], /--vout must be an output index/],
  ])("refuses %j with a clear message", (args, message) => {
    expect(() => adminRequest(args)).toThrow(message);
  });

  it("the requests it builds are accepted by the real API", async () => {
    const h = hub(testClock());
    const create = adminRequest(["merchant", "create", "--name", "CLI Shop"]);
    const res = await h.call(create.method, create.path, { key: OPERATOR, body: create.body });
    expect(res.status).toBe(201);
    const list = adminRequest(["keys", "list", "--merchant", res.body.merchant.id]);
    const keys = await h.call(list.method, list.path, { key: OPERATOR });
    expect(keys.body.data).toHaveLength(1);
  });
});

import { describe, expect, it } from "vitest";
import { type CheckoutView, viewAt } from "./view";

const view = (status: CheckoutView["status"]): CheckoutView =>
  ({ id: "inv_1", status, expires_at: 1_000, server_time: 900, paid_at: null }) as unknown as CheckoutView;

describe("viewAt: a cached checkout view as at a later second", () => {
  it.each([
    ["open before its expiry stays open", "open", 999, "open"],
    ["open at its expiry shows expired", "open", 1_000, "expired"],
    ["paid stays paid after the expiry time", "paid", 5_000, "paid"],
    ["canceled stays canceled", "canceled", 5_000, "canceled"],
    ["expired stays expired", "expired", 5_000, "expired"],
  ] as const)("%s", (_name, status, nowSeconds, expected) => {
    expect(viewAt(view(status), nowSeconds)).toMatchObject({ status: expected, server_time: nowSeconds });
  });
});

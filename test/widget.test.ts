/** The widget's pure parts (widget/src): formatting, the status it shows, the QR path. */
import { describe, expect, it } from "vitest";
import { formatCountdown, formatFiat, formatSats, qrPayload, safeHttpUrl } from "../widget/src/format";
import { modulePath } from "../widget/src/qr-path";
import { type CheckoutView, displayStatus } from "../widget/src/state";

describe("widget formatting", () => {
  it.each([
    [1_000, "1"],
    [150_000, "150"],
    [1_234_567_000, "1,234,567"],
    [1, "0.001"],
    [10, "0.01"],
    [1_500, "1.5"],
    [123_456_789, "123,456.789"],
    [Number.MAX_SAFE_INTEGER, "9,007,199,254,740.991"],
  ])("%i msat shows as %s sats, exactly (no float rounding)", (msat, text) => {
    expect(formatSats(msat)).toBe(text);
  });

  it.each([
    [350, 2, "EUR", "€3.50"],
    [1_500, 0, "JPY", "¥1,500"],
    [1_250, 3, "BHD", "BHD\u00a01.250"],
    [123_456_789, 2, "USD", "$1,234,567.89"],
  ])(
    "%i minor units (exponent %i) of %s show as %s, with exactly the hub's exponent",
    (minor, exponent, currency, text) => {
      expect(formatFiat(minor, exponent, currency)).toBe(text);
    },
  );

  it.each([
    [0, "0:00"],
    [-5, "0:00"],
    [59, "0:59"],
    [61, "1:01"],
    [3_599, "59:59"],
    [3_600, "1:00:00"],
    [90_061, "25:01:01"],
  ])("a countdown of %i s reads %s", (seconds, text) => {
    expect(formatCountdown(seconds)).toBe(text);
  });

  it("puts the upper-cased lightning: URI in the QR code (alphanumeric mode)", () => {
    expect(qrPayload("lnbcrt10n1pabc")).toBe("LIGHTNING:LNBCRT10N1PABC");
  });

  it("navigates only to http(s) URLs", () => {
    const base = "https://shop.example/checkout";
    expect(safeHttpUrl("javascript:alert(1)", base)).toBeNull();
    expect(safeHttpUrl("data:text/html,x", base)).toBeNull();
    expect(safeHttpUrl(null, base)).toBeNull();
    expect(safeHttpUrl("/thanks", base)).toBe("https://shop.example/thanks");
    expect(safeHttpUrl("http://localhost:3000/ok", base)).toBe("http://localhost:3000/ok");
  });

  it("draws one rectangle per horizontal run of dark modules", () => {
    expect(
      modulePath([
        [true, true, false, true],
        [false, false, false, false],
        [false, true, true, true],
      ]),
    ).toBe("M0 0h2v1H0zM3 0h1v1H3zM1 2h3v1H1z");
  });
});

describe("the status the widget shows", () => {
  const view = (status: CheckoutView["status"]): CheckoutView => ({
    id: "inv_x",
    status,
    merchant_name: "m",
    description: null,
    amount_msat: 1_000,
    bolt11: "lnbcrt1",
    payment_hash: "00",
    expires_at: 1_000,
    paid_at: null,
    success_url: null,
    metadata: {},
    fiat: null,
    server_time: 900,
  });

  it.each([
    ["open", 999_999, false, "open"],
    ["open", 999_999, true, "paying"],
    ["open", 1_000_000, false, "expired"],
    ["open", 1_000_000, true, "expired"],
    ["paid", 2_000_000, false, "paid"],
    ["expired", 0, false, "expired"],
    ["canceled", 0, true, "canceled"],
  ] as const)("server says %s at %i ms (paying: %s) → shows %s", (status, nowMs, paying, shown) => {
    expect(displayStatus(view(status), nowMs, paying)).toBe(shown);
  });
});

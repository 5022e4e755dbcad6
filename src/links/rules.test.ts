import { expect } from "vitest";
import { decisionTable } from "../../test/table";
import type { LinkRequest, PaymentLink, PreviousInvoice, VisitAsk } from "./link";
import { checkConverted, checkLinkRequest, decideVisit, type VisitQuery, visitAmount } from "./rules";

const rulesFile = new URL("./rules.ts", import.meta.url);
const NOW = 1_750_000_000;
const MAX_MSAT = 16_777_215_000n;

const request = (over: Partial<LinkRequest> = {}): LinkRequest => ({
  amountMsat: null,
  price: null,
  openPrice: null,
  description: null,
  successUrl: null,
  ...over,
});

const link = (over: Partial<PaymentLink> = {}): PaymentLink => ({
  id: "pl_test",
  merchantId: "mer_test",
  status: "active",
  url: "http://localhost/l/pl_test",
  createdAt: NOW,
  disabledAt: null,
  ...request(),
  ...over,
});

const eur = (amountMinor: bigint) => ({ currency: "EUR", amountMinor });
const openEur = link({ openPrice: { currency: "EUR", minAmountMinor: 100n, maxAmountMinor: 5_000n } });
const openJpy = link({ openPrice: { currency: "JPY", minAmountMinor: 1n, maxAmountMinor: null } });

decisionTable("checkLinkRequest", {
  outcomes: ["currency_not_supported", "invalid_range", "ok"],
  source: { file: rulesFile, fn: "checkLinkRequest" },
  run: (r: LinkRequest) => checkLinkRequest(r, ["EUR", "USD", "JPY"]),
  outcomeOf: (r) => (r.ok ? "ok" : r.error.code),
  rows: [
    {
      name: "a fixed price in a currency the hub does not price in is refused",
      input: request({ price: { currency: "BHD", amountMinor: 1_000n } }),
      outcome: "currency_not_supported",
      check: (r) => expect(r.ok ? null : r.error.param).toBe("price.currency"),
    },
    {
      name: "an open amount in such a currency is refused",
      input: request({ openPrice: { currency: "CHF", minAmountMinor: 1n, maxAmountMinor: null } }),
      outcome: "currency_not_supported",
      check: (r) => expect(r.ok ? null : r.error.param).toBe("open_price.currency"),
    },
    {
      name: "an open amount whose most is below its least is refused",
      input: request({ openPrice: { currency: "EUR", minAmountMinor: 500n, maxAmountMinor: 499n } }),
      outcome: "invalid_range",
    },
    {
      name: "an open amount whose least and most are equal is a fixed amount in effect, and fine",
      input: request({ openPrice: { currency: "EUR", minAmountMinor: 500n, maxAmountMinor: 500n } }),
      outcome: "ok",
    },
    { name: "a fixed EUR price is fine", input: request({ price: eur(450n) }), outcome: "ok" },
    { name: "a sat link needs no currency", input: request({ amountMsat: 1_000n }), outcome: "ok" },
  ],
});

type VisitInput = { link: PaymentLink; query: VisitQuery };
const askOf = (r: ReturnType<typeof visitAmount>) => (r.ok ? r.value : null);

decisionTable("visitAmount", {
  outcomes: [
    "payment_link_disabled",
    "invalid_parameter",
    "msat",
    "price",
    "missing_parameter",
    "amount_out_of_range",
  ],
  run: (i: VisitInput) => visitAmount(i.link, i.query, MAX_MSAT),
  outcomeOf: (r) => (r.ok ? r.value.kind : r.error.code),
  rows: [
    {
      name: "a disabled link takes nothing",
      input: { link: link({ status: "disabled", price: eur(450n) }), query: {} },
      outcome: "payment_link_disabled",
    },
    {
      name: "a fixed fiat link refuses an amount sent with it (not ignored)",
      input: { link: link({ price: eur(450n) }), query: { amount: "9.99" } },
      outcome: "invalid_parameter",
      check: (r) => expect(r.ok ? null : r.error.param).toBe("amount"),
    },
    {
      name: "a fixed sat link refuses amount_sat",
      input: { link: link({ amountMsat: 5_000n }), query: { amountSat: "5" } },
      outcome: "invalid_parameter",
    },
    {
      name: "an open fiat link refuses amount_sat (its unit is the currency)",
      input: { link: openEur, query: { amountSat: "5000" } },
      outcome: "invalid_parameter",
      check: (r) => expect(r.ok ? null : r.error.param).toBe("amount_sat"),
    },
    {
      name: "an open sat link refuses a fiat amount",
      input: { link: link(), query: { amount: "4.50" } },
      outcome: "invalid_parameter",
      check: (r) => expect(r.ok ? null : r.error.param).toBe("amount"),
    },
    {
      name: "a fixed sat link pays its msat",
      input: { link: link({ amountMsat: 5_000n }), query: {} },
      outcome: "msat",
      check: (r) => expect(askOf(r)).toEqual({ kind: "msat", amountMsat: 5_000n }),
    },
    {
      name: "a fixed fiat link asks its price (converted later, at the visit's rate)",
      input: { link: link({ price: eur(450n) }), query: {} },
      outcome: "price",
      check: (r) => expect(askOf(r)).toEqual({ kind: "price", price: eur(450n) }),
    },
    {
      name: "an open fiat link takes the typed amount in major units, exactly",
      input: { link: openEur, query: { amount: "4.5" } },
      outcome: "price",
      check: (r) => expect(askOf(r)).toEqual({ kind: "price", price: eur(450n) }),
    },
    {
      name: "JPY has no decimals: 1500 is ¥1,500, and there is no default most",
      input: { link: openJpy, query: { amount: "1500000" } },
      outcome: "price",
      check: (r) =>
        expect(askOf(r)).toEqual({ kind: "price", price: { currency: "JPY", amountMinor: 1_500_000n } }),
    },
    {
      name: "an open fiat link needs an amount",
      input: { link: openEur, query: {} },
      outcome: "missing_parameter",
    },
    {
      name: "more decimals than the currency has is refused, not rounded",
      input: { link: openEur, query: { amount: "4.505" } },
      outcome: "invalid_parameter",
    },
    {
      name: "a JPY amount with decimals is refused",
      input: { link: openJpy, query: { amount: "15.5" } },
      outcome: "invalid_parameter",
    },
    ...["-4", "4,50", "1e3", "", " 4", "0x10", "04.50", "4."].map((amount) => ({
      name: `an amount written '${amount}' is refused`,
      input: { link: openEur, query: { amount } },
      outcome: "invalid_parameter" as const,
    })),
    {
      name: "below the link's least is out of range",
      input: { link: openEur, query: { amount: "0.99" } },
      outcome: "amount_out_of_range",
      check: (r) => expect(r.ok ? null : r.error.message).toContain("EUR 1.00"),
    },
    {
      name: "zero is below any least",
      input: { link: openEur, query: { amount: "0" } },
      outcome: "amount_out_of_range",
    },
    {
      name: "above the link's most is out of range",
      input: { link: openEur, query: { amount: "50.01" } },
      outcome: "amount_out_of_range",
      check: (r) => expect(r.ok ? null : r.error.message).toContain("EUR 50.00"),
    },
    {
      name: "the link's most itself is fine",
      input: { link: openEur, query: { amount: "50" } },
      outcome: "price",
    },
    {
      name: "an open sat amount past the largest channel is out of range",
      input: { link: link(), query: { amountSat: "16777216" } },
      outcome: "amount_out_of_range",
    },
  ],
});

decisionTable("checkConverted", {
  outcomes: ["amount_out_of_range", "ok"],
  source: { file: rulesFile, fn: "checkConverted" },
  run: (i: { link: PaymentLink; msat: bigint }) => checkConverted(i.link, i.msat, MAX_MSAT),
  outcomeOf: (r) => r?.code ?? "ok",
  rows: [
    {
      name: "an open fiat amount worth more than the largest channel today is out of range",
      input: { link: openJpy, msat: MAX_MSAT + 1n },
      outcome: "amount_out_of_range",
    },
    { name: "up to the largest channel is fine", input: { link: openJpy, msat: MAX_MSAT }, outcome: "ok" },
    {
      name: "a fixed price is the merchant's own choice: not capped",
      input: { link: link({ price: eur(10n ** 9n) }), msat: MAX_MSAT * 10n },
      outcome: "ok",
    },
  ],
});

const previous = (over: Partial<PreviousInvoice> = {}): PreviousInvoice => ({
  id: "inv_prev",
  amountMsat: 3_888_889n,
  price: eur(350n),
  expiresAt: NOW + 600,
  open: true,
  ...over,
});
const priceAsk = (minor: bigint): VisitAsk => ({ kind: "price", price: eur(minor) });

decisionTable("decideVisit", {
  outcomes: ["reuse", "mint"],
  source: { file: rulesFile, fn: "decideVisit" },
  run: (i: { previous: PreviousInvoice | null; ask: VisitAsk; now?: number }) =>
    decideVisit(i.previous, i.ask, i.now ?? NOW),
  outcomeOf: (r) => r.kind,
  rows: [
    {
      name: "the same fiat price again gets the same invoice, at the rate it locked",
      input: { previous: previous(), ask: priceAsk(350n) },
      outcome: "reuse",
    },
    {
      name: "the same msat again gets the same invoice",
      input: {
        previous: previous({ price: null, amountMsat: 5_000n }),
        ask: { kind: "msat", amountMsat: 5_000n },
      },
      outcome: "reuse",
    },
    {
      name: "with exactly the least time left it is still reused",
      input: { previous: previous(), ask: priceAsk(350n), now: NOW + 600 - 120 },
      outcome: "reuse",
    },
    { name: "a first visit mints", input: { previous: null, ask: priceAsk(350n) }, outcome: "mint" },
    { name: "another price mints", input: { previous: previous(), ask: priceAsk(351n) }, outcome: "mint" },
    {
      name: "the same minor units in another currency mint",
      input: { previous: previous({ price: { currency: "USD", amountMinor: 350n } }), ask: priceAsk(350n) },
      outcome: "mint",
    },
    {
      name: "an msat ask never reuses a fiat-priced invoice of the same msat",
      input: { previous: previous(), ask: { kind: "msat", amountMsat: 3_888_889n } },
      outcome: "mint",
    },
    {
      name: "a paid, canceled or expired invoice is not reused",
      input: { previous: previous({ open: false }), ask: priceAsk(350n) },
      outcome: "mint",
    },
    {
      name: "too little time left to pay mints a fresh one",
      input: { previous: previous(), ask: priceAsk(350n), now: NOW + 600 - 119 },
      outcome: "mint",
    },
  ],
});

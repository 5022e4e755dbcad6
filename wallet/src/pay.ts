/**
 * Paying: paste, scan or arrive by link; the SDK checks the invoice; the confirm screen shows who,
 * how much, what and until when; only a tap pays (the SDK's WebLN provider asks this screen);
 * then the receipt, whose preimage and signature the SDK verified.
 */
import type { CheckoutView } from "../../src/client/api";
import type { PaymentAsk } from "../../src/client/webln";
import { formatCountdown } from "../../widget/src/format";
import { alertBox, app, busy, explain, type Linked, sats, show, statusBox } from "./app";
import { button, details, el, field } from "./dom";
import { invoiceFromText } from "./format";
import { home } from "./funds";
import { scanQr } from "./scan";

/** What the hub told us of an invoice under review: whom it pays (the provider's ask has the rest). */
const merchants = new Map<string, string>();

const session = () => {
  if (!app.session) throw new Error("the wallet is locked");
  return app.session;
};

/** The pay screen: paste or scan an invoice. `problem` shows a refusal from a previous try. */
export function pay(prefill = "", problem = "") {
  return show("pay", "Pay an invoice", (screen, signal) => {
    const invoice = field(
      "Lightning invoice",
      { rows: "4", autocomplete: "off", spellcheck: "false", required: "" },
      "Paste the invoice (lnbc…, lnbcrt…) the shop shows, or scan its QR code.",
    );
    const input = invoice.input as unknown as HTMLTextAreaElement;
    input.value = prefill;
    const alert = alertBox();
    alert.textContent = problem;
    const status = statusBox();
    const submit = el("button", { type: "submit", class: "primary" }, "Continue");
    const form = el("form", { novalidate: "" }, invoice.wrap, alert, status, submit);
    const go = (text: string) =>
      busy(submit, alert, status, "Checking the invoice…", async () => {
        const bolt11 = invoiceFromText(text);
        if (!bolt11) throw new Error("This is not a Lightning invoice");
        await review(bolt11);
      });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void go(input.value);
    });
    const video = el("video", {
      class: "camera",
      muted: "",
      playsinline: "",
      hidden: "",
      "aria-label": "Camera view",
    });
    const stop = button("Stop scanning", () => scanning?.abort(), { hidden: "" });
    let scanning: AbortController | null = null;
    const scan = button("Scan a QR code", async () => {
      scanning = new AbortController();
      signal.addEventListener("abort", () => scanning?.abort());
      video.hidden = false;
      stop.hidden = false;
      scan.hidden = true;
      status.textContent = "Point the camera at the invoice's QR code.";
      try {
        const text = await scanQr(video, scanning.signal);
        input.value = text;
        await go(text);
      } catch (error) {
        if (!scanning.signal.aborted) alert.textContent = explain(error);
        status.textContent = "";
      } finally {
        video.hidden = true;
        stop.hidden = true;
        scan.hidden = false;
      }
    });
    screen.append(
      form,
      el("div", { class: "actions" }, scan, stop),
      video,
      button("Back to the wallet", home, { class: "link" }),
    );
  });
}

/** Checks the invoice with the SDK (nothing signed yet), learns the merchant, then asks to confirm. */
async function review(bolt11: string, view?: CheckoutView) {
  const { wallet, provider } = session();
  let checked: Awaited<ReturnType<typeof wallet.preparePayment>>;
  let shown: CheckoutView;
  try {
    checked = await wallet.preparePayment(app.client, bolt11);
    shown = view ?? (await app.client.lookupInvoice(bolt11));
  } catch (error) {
    throw new Error(`${explain(error)} Nothing was sent`);
  }
  if (shown.status !== "open") {
    const why = { paid: "already paid", expired: "expired", canceled: "canceled by the shop" }[shown.status];
    throw new Error(`This invoice is ${why}. Nothing was sent`);
  }
  merchants.set(bolt11, shown.merchant_name);
  let paid: { preimage: string };
  try {
    paid = await provider.sendPayment(bolt11);
  } catch (error) {
    if (error instanceof Error && /rejected by the user/.test(error.message)) return home();
    return pay(bolt11, `${explain(error)} Nothing was paid.`);
  } finally {
    merchants.delete(bolt11);
  }
  return receipt(shown.merchant_name, checked.amountMsat, checked.invoice.description, paid.preimage);
}

/**
 * The confirm step the SDK's WebLN provider calls before it pays (its `confirm`, which it requires):
 * shows the invoice the SDK decoded and checked, and resolves true only on a tap of "Pay"; false on
 * "Cancel", when anything else replaces the screen, or for an invoice this page did not review.
 */
export async function confirmPayment(ask: PaymentAsk): Promise<boolean> {
  const merchantName = merchants.get(ask.paymentRequest);
  if (merchantName === undefined || !app.session) return false;
  const channel = await app.session.wallet.channel(ask.channelId);
  const balanceAfterMsat = BigInt(channel.payerBalanceMsat) - ask.amountMsat;
  return new Promise<boolean>((resolve) => {
    void show("confirm", "Confirm payment", (screen, signal) => {
      signal.addEventListener("abort", () => resolve(false));
      const left = el("span", {});
      const tick = () => {
        const seconds = ask.invoice.expires_at - Math.floor(Date.now() / 1000);
        left.textContent = seconds > 0 ? `in ${formatCountdown(seconds)}` : "expired";
      };
      tick();
      const timer = setInterval(tick, 1000);
      signal.addEventListener("abort", () => clearInterval(timer));
      const amount = `${sats(ask.amountMsat)} sats`;
      const yes = button(`Pay ${amount}`, () => resolve(true), { class: "primary" });
      yes.addEventListener("click", () => {
        yes.disabled = true;
        yes.textContent = "Paying…";
      });
      screen.append(
        el("p", { class: "amount" }, amount),
        details([
          ["To", merchantName],
          ["For", ask.description ?? "(no description)"],
          ["Expires", left],
          ["From channel", el("code", { class: "break" }, ask.channelId)],
          ["Balance after", `${sats(balanceAfterMsat)} sats`],
        ]),
        el(
          "div",
          { class: "actions" },
          yes,
          button("Cancel", () => resolve(false)),
        ),
      );
    });
  });
}

/** The verified receipt (the SDK checked the preimage against the hash and the hub's signature). */
async function receipt(
  merchantName: string,
  amountMsat: bigint,
  description: string | null,
  preimage: string,
) {
  const { wallet } = session();
  const paid = (await wallet.history()).findLast((p) => p.preimage === preimage);
  return show("receipt", "Paid", (screen) => {
    screen.append(
      el("p", { class: "amount ok" }, `${sats(amountMsat)} sats to ${merchantName}`),
      details([
        ["For", description ?? "(no description)"],
        ["Payment", el("code", { class: "break" }, paid?.paymentId ?? "")],
        ["Preimage", el("code", { class: "break" }, preimage)],
      ]),
      el(
        "ul",
        { class: "checks" },
        el("li", {}, "The preimage matches the invoice's payment hash."),
        el("li", {}, "The receipt is signed by the hub's node key."),
      ),
      app.fromCheckout ? el("p", {}, "You can go back to the shop: its page shows the payment.") : "",
      el("div", { class: "actions" }, button("Done", home, { class: "primary" })),
    );
  });
}

/** Opens an invoice the wallet was linked with (`#pay=` or `?invoice=`). */
export async function openLinked(linked: Linked) {
  app.fromCheckout = true;
  let view: CheckoutView | undefined;
  let bolt11: string;
  try {
    if ("invoiceId" in linked) {
      view = await app.client.checkout(linked.invoiceId);
      bolt11 = view.bolt11;
    } else bolt11 = linked.bolt11;
  } catch (error) {
    return pay("", explain(error));
  }
  await show("review", "Checking the invoice", async (screen) => {
    const alert = alertBox();
    const status = statusBox();
    status.textContent = "Checking the invoice…";
    screen.append(status, alert);
  });
  try {
    await review(bolt11, view);
  } catch (error) {
    return pay(bolt11, explain(error));
  }
}

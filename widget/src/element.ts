/**
 * <sluice-checkout invoice="inv_…">: the shopper's side of a Sluice invoice. Polls the public
 * GET /v1/checkout/{id}, shows amount, QR, countdown and actions, pays through `window.webln`
 * when there is one, and fires `sluice:paid` / `sluice:expired` / `sluice:canceled` on itself.
 * Built with DOM calls only (no innerHTML, no inline styles): it runs under strict CSP and
 * Trusted Types.
 */
import { formatCountdown, formatFiat, formatSats, qrPayload, safeHttpUrl } from "./format";
import { qrSvg } from "./qr";
import {
  type CheckoutView,
  type DisplayStatus,
  displayStatus,
  isFinal,
  OVERLAY_TEXT,
  STATUS_TEXT,
} from "./state";
import { CSS } from "./styles";

/** Poll interval: a payment made anywhere shows here within this plus one cached second (< 2 s). */
const POLL_INTERVAL_MS = 1000;
/** After network errors, back off up to this long between polls. */
const MAX_BACKOFF_MS = 15_000;
/** How long the paid state shows before a redirect to the success URL. */
const REDIRECT_DELAY_MS = 1500;
const COPIED_MS = 2000;

interface WebLN {
  enable(): Promise<void>;
  sendPayment(paymentRequest: string): Promise<{ preimage: string }>;
}

const webln = (): WebLN | undefined => (globalThis as { webln?: WebLN }).webln;

/** `el("p", {class: "x"}, "text", child)`: a small DOM builder (no HTML parsing anywhere). */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** Icons for the final states: 24×24 stroked paths. */
const ICONS: Partial<Record<DisplayStatus, string>> = {
  paid: "M20 6 9 17l-5-5",
  expired: "M12 7v5l3 2M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z",
  canceled: "M18 6 6 18M6 6l12 12",
  not_found: "M18 6 6 18M6 6l12 12",
};

function icon(path: string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", path);
  svg.append(p);
  return svg;
}

async function sha256Hex(hex: string): Promise<string | null> {
  if (!globalThis.crypto?.subtle || !/^([0-9a-f]{2})+$/i.test(hex)) return null;
  const bytes = new Uint8Array(hex.match(/../g)!.map((b) => Number.parseInt(b, 16)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class SluiceCheckout extends HTMLElement {
  static observedAttributes = ["invoice", "api"];
  /** Set by the entry script: the origin the widget was loaded from, the default API origin. */
  static scriptOrigin: string | null = null;

  #ui: ReturnType<typeof this.build> | null = null;
  #view: CheckoutView | null = null;
  #status: DisplayStatus = "loading";
  /** Server clock minus local clock, so the countdown is right on a skewed device. */
  #skewMs = 0;
  #paying = false;
  #poll: ReturnType<typeof setTimeout> | undefined;
  #tick: ReturnType<typeof setInterval> | undefined;
  #failures = 0;
  #generation = 0;
  #qrFor = "";
  #redirect: ReturnType<typeof setTimeout> | undefined;

  /** The status the shopper sees: loading, open, paying, paid, expired, canceled, not_found or error. */
  get status(): DisplayStatus {
    return this.#status;
  }

  connectedCallback() {
    if (!this.#ui) this.#ui = this.build();
    this.restart();
  }

  disconnectedCallback() {
    this.stop();
  }

  attributeChangedCallback() {
    if (this.isConnected && this.#ui) this.restart();
  }

  private get apiOrigin(): string {
    return (this.getAttribute("api") ?? SluiceCheckout.scriptOrigin ?? location.origin).replace(/\/+$/, "");
  }

  private build() {
    const root = this.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    const qr = el("a", { class: "qr", part: "qr" });
    const overlayIcon = el("span");
    const overlayText = el("span");
    const overlay = el("div", { class: "overlay", "aria-hidden": "true" }, overlayIcon, overlayText);
    const pay = el("button", { type: "button", class: "pay", hidden: "" }, "Pay with browser wallet");
    const open = el("a", { class: "button open" }, "Open in wallet");
    const copy = el("button", { type: "button", class: "copy" }, "Copy invoice");
    // The hub's own payer wallet, with this invoice; a new tab, so this page keeps polling and flips to paid.
    const wallet = el(
      "a",
      { class: "button wallet", target: "_blank", rel: "noopener" },
      "Pay with Sluice wallet",
    );
    const walletHint = el(
      "p",
      { class: "hint" },
      "No Sluice wallet? It opens in your browser, nothing to install.",
    );
    const status = el("p", { class: "status", role: "status", "aria-atomic": "true" });
    const notice = el("p", { class: "sr", role: "status" });
    const countdown = el("p", { class: "countdown" });
    const card = el(
      "section",
      { class: "card", part: "card", "aria-label": "Lightning payment", "data-status": "loading" },
      el("p", { class: "merchant" }),
      el("p", { class: "amount" }),
      el("p", { class: "fiat" }),
      el("p", { class: "description" }),
      el("div", { class: "stage" }, qr, overlay),
      status,
      countdown,
      el("div", { class: "actions" }, pay, el("div", { class: "row" }, open, copy), wallet, walletHint),
      notice,
    );
    root.append(card);
    pay.addEventListener("click", () => void this.payWithWebln());
    copy.addEventListener("click", () => void this.copy());
    const find = (selector: string) => card.querySelector(selector) as HTMLElement;
    return {
      card,
      merchant: find(".merchant"),
      amount: find(".amount"),
      fiat: find(".fiat"),
      description: find(".description"),
      qr,
      overlayIcon,
      overlayText,
      pay,
      open,
      copy,
      wallet,
      status,
      notice,
      countdown,
    };
  }

  private stop() {
    clearTimeout(this.#poll);
    clearInterval(this.#tick);
    clearTimeout(this.#redirect);
    this.#poll = this.#tick = this.#redirect = undefined;
  }

  private restart() {
    this.stop();
    this.#generation++;
    this.#view = null;
    this.#failures = 0;
    this.#qrFor = "";
    this.setStatus("loading", false);
    this.#tick = setInterval(() => this.render(), 1000);
    void this.refresh();
  }

  /** Fetches the public view once and schedules the next poll while the outcome is open. */
  private async refresh() {
    const generation = this.#generation;
    clearTimeout(this.#poll);
    const id = this.getAttribute("invoice") ?? "";
    const startedMs = Date.now();
    let delay = POLL_INTERVAL_MS;
    try {
      const res = await fetch(`${this.apiOrigin}/v1/checkout/${encodeURIComponent(id)}`, {
        cache: "no-store",
        credentials: "omit",
      });
      if (generation !== this.#generation) return;
      if (res.status === 404) {
        this.setStatus("not_found", true);
        return;
      }
      if (!res.ok) throw new Error(`status ${res.status}`);
      const view = (await res.json()) as CheckoutView;
      if (generation !== this.#generation) return;
      this.#failures = 0;
      this.#skewMs = view.server_time * 1000 - Date.now();
      this.#view = view;
      // A fixed rate, not a fixed pause: a slow answer does not stretch the time to notice a payment.
      delay = Math.max(0, POLL_INTERVAL_MS - (Date.now() - startedMs));
    } catch {
      if (generation !== this.#generation) return;
      this.#failures++;
      delay = Math.min(MAX_BACKOFF_MS, POLL_INTERVAL_MS * 2 ** this.#failures);
    }
    this.render();
    if (this.#view && isFinal(this.#view.status)) return;
    this.#poll = setTimeout(() => void this.refresh(), delay);
  }

  private render() {
    const ui = this.#ui;
    const view = this.#view;
    if (!ui) return;
    if (!view) {
      if (this.#failures > 0) ui.status.textContent = STATUS_TEXT.error;
      return;
    }
    const now = Date.now() + this.#skewMs;
    ui.merchant.textContent = view.merchant_name;
    // Both amounts: a fiat price leads (sats below); a sat amount leads with its fiat estimate below.
    const sats = `${formatSats(view.amount_msat)} sats`;
    const fiat = view.fiat && formatFiat(view.fiat.amount_minor, view.fiat.exponent, view.fiat.currency);
    ui.amount.textContent = view.fiat?.basis === "price" && fiat ? fiat : sats;
    ui.fiat.textContent = !fiat ? "" : view.fiat?.basis === "price" ? sats : `≈ ${fiat}`;
    ui.description.textContent = view.description ?? "";
    if (this.#qrFor !== view.bolt11) {
      this.#qrFor = view.bolt11;
      const href = `lightning:${view.bolt11}`;
      ui.qr.replaceChildren(qrSvg(qrPayload(view.bolt11), "QR code of the Lightning invoice"));
      ui.qr.setAttribute("href", href);
      ui.qr.setAttribute("aria-label", "Lightning invoice QR code: open in your wallet");
      ui.open.setAttribute("href", href);
      ui.wallet.setAttribute("href", `${this.apiOrigin}/wallet?invoice=${encodeURIComponent(view.id)}`);
    }
    ui.pay.hidden = webln() === undefined;
    const next = displayStatus(view, now, this.#paying);
    const left = view.expires_at - Math.floor(now / 1000);
    ui.countdown.textContent =
      next === "open" || next === "paying"
        ? `Expires in ${formatCountdown(left)}`
        : next === "paid" && view.paid_at !== null
          ? `Paid at ${new Date(view.paid_at * 1000).toLocaleTimeString()}`
          : "";
    this.setStatus(next, view.status !== "open");
  }

  /** Shows a status; on a final one the server confirmed, fires the matching DOM event once. */
  private setStatus(next: DisplayStatus, confirmed: boolean) {
    const ui = this.#ui;
    if (!ui) return;
    const changed = next !== this.#status || ui.card.dataset.status !== next;
    this.#status = next;
    if (changed) {
      ui.card.dataset.status = next;
      ui.status.textContent = STATUS_TEXT[next];
      ui.overlayText.textContent = OVERLAY_TEXT[next] ?? "";
      const path = ICONS[next];
      ui.overlayIcon.replaceChildren(...(path ? [icon(path)] : []));
      ui.pay.disabled = next === "paying";
    }
    if (confirmed && isFinal(next) && ui.card.dataset.announced !== next) {
      ui.card.dataset.announced = next;
      clearInterval(this.#tick);
      this.announce(next);
    }
  }

  private announce(status: DisplayStatus) {
    const view = this.#view;
    if (!view || (status !== "paid" && status !== "expired" && status !== "canceled")) return;
    const proceed = this.dispatchEvent(
      new CustomEvent(`sluice:${status}`, {
        bubbles: true,
        composed: true,
        cancelable: status === "paid",
        detail: { invoice: view.id, status, payment_hash: view.payment_hash },
      }),
    );
    if (status !== "paid" || !proceed) return;
    const target = safeHttpUrl(this.getAttribute("success-url") ?? view.success_url, location.href);
    if (target) this.#redirect = setTimeout(() => location.assign(target), REDIRECT_DELAY_MS);
  }

  /** Pays through the page's WebLN provider, checks the preimage, then asks the hub at once. */
  private async payWithWebln() {
    const provider = webln();
    const view = this.#view;
    if (!provider || !view || this.#paying) return;
    this.#paying = true;
    this.render();
    try {
      await provider.enable();
      const { preimage } = await provider.sendPayment(view.bolt11);
      const hash = await sha256Hex(preimage);
      if (hash !== null && hash !== view.payment_hash)
        throw new Error("the wallet returned a wrong preimage");
    } catch (e) {
      this.#ui!.notice.textContent = `Payment failed: ${(e as Error).message ?? "unknown error"}`;
    } finally {
      this.#paying = false;
    }
    await this.refresh();
  }

  private async copy() {
    const ui = this.#ui;
    const view = this.#view;
    if (!ui || !view) return;
    let copied = false;
    try {
      await navigator.clipboard.writeText(view.bolt11);
      copied = true;
    } catch {
      // No async clipboard (insecure context or denied): the legacy path still works in most browsers.
      const area = el("textarea", { class: "sr", "aria-hidden": "true" });
      area.value = view.bolt11;
      ui.card.append(area);
      area.select();
      copied = document.execCommand("copy");
      area.remove();
    }
    ui.notice.textContent = copied ? "Invoice copied" : "Copying failed: use Open in wallet";
    ui.copy.textContent = copied ? "Copied" : "Copy invoice";
    setTimeout(() => {
      ui.copy.textContent = "Copy invoice";
    }, COPIED_MS);
  }
}

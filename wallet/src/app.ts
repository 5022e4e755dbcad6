/**
 * The wallet's state and navigation: the API client for this origin, the unlocked session (the
 * decrypted key lives only in this page's memory, inside the SDK's PayerWallet), and `show`, which
 * renders one screen at a time and moves focus to its heading.
 */
import { type NodeInfo, SluiceApiError, SluiceClient } from "../../src/client/api";
import type { EncryptedStorage } from "../../src/client/encrypted-storage";
import type { PayerWallet } from "../../src/client/wallet";
import type { WebLNProvider } from "../../src/client/webln";
import { el } from "./dom";

export interface Session {
  readonly storage: EncryptedStorage;
  readonly wallet: PayerWallet;
  readonly provider: WebLNProvider;
}

/** An invoice the wallet was opened with, waiting for the wallet to be unlocked. */
export type Linked = { bolt11: string } | { invoiceId: string };

export const app = {
  client: new SluiceClient(location.origin),
  store: localStorage,
  session: null as Session | null,
  /** /v1/node as last fetched; null while the hub is unreachable. */
  node: null as NodeInfo | null,
  pending: null as Linked | null,
  /** Opened from a checkout (a link with an invoice): the receipt says the shop shows the payment. */
  fromCheckout: false,
};

let current: AbortController | null = null;

/**
 * Shows a screen: `<section data-screen=name>` with an `<h1>` that takes focus (keyboard and
 * screen-reader users start at the top of each screen). `build` fills it; `signal` aborts its
 * timers and requests when another screen replaces it.
 */
export function show(
  name: string,
  title: string,
  build: (screen: HTMLElement, signal: AbortSignal) => void | Promise<void>,
): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const heading = el("h1", { tabindex: "-1" }, title);
  const screen = el("section", { "data-screen": name, "aria-labelledby": "screen-title" }, heading);
  heading.id = "screen-title";
  const root = document.getElementById("app")!;
  root.replaceChildren(screen);
  document.title = `${title} · Sluice wallet`;
  const done = Promise.resolve(build(screen, controller.signal));
  heading.focus();
  return done;
}

/** A region for errors, announced when its text changes. */
export const alertBox = () => el("p", { class: "error", role: "alert" });

/** A polite region for progress and confirmations. */
export const statusBox = () => el("p", { class: "status", role: "status" });

/** A person-readable sentence for an error from the SDK or the API. */
export function explain(error: unknown): string {
  if (error instanceof SluiceApiError) {
    const messages: Record<string, string> = {
      invoice_paid: "This invoice is already paid.",
      invoice_expired: "This invoice has expired.",
      invoice_canceled: "The shop canceled this invoice.",
      insufficient_balance: "Your channel's balance is too low for this invoice.",
      channel_not_open: "This channel is not open for payments.",
      channel_closing: "This channel is closing: it takes no more payments.",
      channel_expiring: "This channel is near its refund time: it takes no more payments.",
    };
    return messages[error.code] ?? `The hub refused: ${error.message}.`;
  }
  if (error instanceof TypeError) return "The hub cannot be reached. Check your connection.";
  const message = error instanceof Error ? error.message : String(error);
  return `${message.charAt(0).toUpperCase()}${message.slice(1)}${/[.!?]$/.test(message) ? "" : "."}`;
}

/** /v1/node, remembered; null when the hub does not answer. */
export async function refreshNode(): Promise<NodeInfo | null> {
  try {
    app.node = await app.client.node();
  } catch {
    app.node = null;
  }
  return app.node;
}

/** Runs `task` with `button` disabled and `status` saying what happens; errors land in `alert`. */
export async function busy(
  button: HTMLButtonElement,
  alert: HTMLElement,
  status: HTMLElement | null,
  doing: string,
  task: () => Promise<unknown>,
): Promise<void> {
  button.disabled = true;
  alert.textContent = "";
  if (status) status.textContent = doing;
  try {
    await task();
  } catch (error) {
    if (status) status.textContent = "";
    alert.textContent = explain(error);
  } finally {
    button.disabled = false;
  }
}

/** Sats (whole) for an msat amount held as a decimal string or number, grouped: "12,345". */
export const sats = (msat: string | number | bigint): string =>
  new Intl.NumberFormat("en-US").format(BigInt(msat) / 1000n);

/** Home, channels and money in and out: open and fund a channel, history, close, refund. */
import type { ChannelView } from "../../src/client/api";
import type { StoredChannel } from "../../src/client/wallet";
import { formatFiat } from "../../widget/src/format";
import { qrSvg } from "../../widget/src/qr";
import { alertBox, app, busy, explain, refreshNode, sats, show, statusBox } from "./app";
import { button, copyButton, details, el, field } from "./dom";
import { bip21, parseSats, satToBtc } from "./format";
import { kit } from "./kit";
import { pay } from "./pay";
import { unlock } from "./setup";

const POLL_MS = 2_000;
/** Channels whose status can still change by itself. */
const LIVE = new Set(["awaiting_funding", "opening", "open", "closing"]);

const session = () => {
  if (!app.session) throw new Error("the wallet is locked");
  return app.session;
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

const STATUS_TEXT: Record<string, string> = {
  awaiting_funding: "Waiting for your deposit",
  opening: "Deposit seen, confirming",
  open: "Open",
  closing: "Closing",
  closed: "Closed",
  expired: "Offer expired (never funded)",
  refunded: "Refunded to you",
};
const statusText = (status: string | undefined) => (status ? (STATUS_TEXT[status] ?? status) : "Unknown");

/** Asks the hub for each live channel's state; false when the hub cannot be reached. */
async function syncAll(channels: StoredChannel[]): Promise<boolean> {
  const { wallet } = session();
  try {
    for (const c of channels) if (!c.status || LIVE.has(c.status)) await wallet.sync(app.client, c.id);
    return true;
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  }
}

const spendable = (channels: StoredChannel[]) =>
  channels.filter((c) => c.status === "open").reduce((sum, c) => sum + BigInt(c.payerBalanceMsat), 0n);

/** The balance and what to do next. Works offline from the last states this device saw. */
export function home() {
  return show("home", "Your wallet", async (screen, signal) => {
    const { wallet } = session();
    const balance = el("p", { class: "balance" });
    const note = el("p", { class: "note", role: "status" });
    const list = el("ul", { class: "channels" });
    const render = async () => {
      const channels = await wallet.channels();
      balance.replaceChildren(el("span", { class: "label" }, "Balance"), `${sats(spendable(channels))} sats`);
      list.replaceChildren(
        ...channels.map((c) =>
          el(
            "li",
            {},
            el(
              "span",
              {},
              `${sats(c.payerBalanceMsat)} of ${new Intl.NumberFormat("en-US").format(c.capacitySat)} sats`,
            ),
            el("span", { class: "muted" }, statusText(c.status)),
            c.status === "awaiting_funding" || c.status === "opening"
              ? button("Continue funding", () => funding(c.id), { class: "link" })
              : null,
          ),
        ),
      );
      if (channels.length === 0) note.textContent = "Add funds to open your first channel.";
    };
    screen.append(
      balance,
      note,
      el(
        "div",
        { class: "actions" },
        button("Pay", () => pay(), { class: "primary" }),
        button("Add funds", openChannel),
        button("History and channels", history),
        button("Emergency kit", kit),
        button("Lock", lock, { class: "link" }),
      ),
      el("h2", {}, "Channels"),
      list,
    );
    await render();
    const online = await syncAll(await wallet.channels());
    if (signal.aborted) return;
    if (!online) note.textContent = "Offline: this is the balance this device last saw.";
    await render();
  });
}

function lock() {
  app.session = null;
  return unlock();
}

/** Choose an amount and get a channel offer, checked by the SDK before any money moves. */
export function openChannel() {
  return show("open", "Add funds", async (screen) => {
    const node = await refreshNode();
    const alert = alertBox();
    if (!node) {
      alert.textContent = "The hub cannot be reached: opening a channel needs it.";
      screen.append(alert, button("Back", home, { class: "link" }));
      return;
    }
    const min = node.channel.min_capacity_sat;
    const max = node.channel.max_capacity_sat;
    const fmt = new Intl.NumberFormat("en-US");
    const amount = field(
      "Amount in sats",
      { type: "text", inputmode: "numeric", autocomplete: "off", required: "" },
      `Between ${fmt.format(min)} and ${fmt.format(max)} sats. You can take back what you do not spend, alone, after about ${node.channel.lifetime_blocks} blocks.`,
    );
    const status = statusBox();
    const submit = el("button", { type: "submit", class: "primary" }, "Open channel");
    const form = el("form", { novalidate: "" }, amount.wrap, alert, status, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = parseSats(amount.input.value);
      if (value === null || value < min || value > max) {
        alert.textContent = `Enter a whole number of sats between ${fmt.format(min)} and ${fmt.format(max)}.`;
        amount.input.focus();
        return;
      }
      void busy(submit, alert, status, "Asking the hub for a channel and checking its offer…", async () => {
        const offer = await session().wallet.openChannel(app.client, value);
        await funding(offer.id);
      });
    });
    screen.append(
      el(
        "p",
        {},
        "A channel holds bitcoin you deposit once. Each payment moves part of it to the hub, signed here.",
      ),
      form,
      button("Back", home, { class: "link" }),
    );
  });
}

/** Where to send the deposit, and the channel's state until it is open. */
export function funding(id: string) {
  return show("funding", "Fund your channel", async (screen, signal) => {
    const { wallet } = session();
    const c = await wallet.channel(id);
    const address = await wallet.fundingAddress(id);
    const uri = bip21(address, c.capacitySat);
    const notice = el("p", { class: "sr", role: "status" });
    const alert = alertBox();
    const state = el("p", { class: "state", role: "status", "aria-live": "polite" });
    const actions = el("div", { class: "actions" });
    screen.append(
      el(
        "p",
        {},
        `Send exactly ${new Intl.NumberFormat("en-US").format(c.capacitySat)} sats (${satToBtc(c.capacitySat)} BTC) to this address, in one output. The hub's offer was checked here: its script refunds you after block ${c.refundLocktime}.`,
      ),
      el("div", { class: "qr" }, qrSvg(uri, `QR code: pay ${satToBtc(c.capacitySat)} BTC to ${address}`)),
      details([
        ["Address", el("code", { class: "break" }, address)],
        ["Amount", `${satToBtc(c.capacitySat)} BTC`],
      ]),
      el(
        "div",
        { class: "row" },
        copyButton("Copy address", () => address, notice),
        copyButton("Copy amount", () => satToBtc(c.capacitySat), notice),
        copyButton("Copy payment link", () => uri, notice),
      ),
      notice,
      state,
      alert,
      actions,
    );

    const register = async (outpoint: { txid: string; vout: number }) => {
      await wallet.registerFunding(app.client, id, outpoint);
      await poll();
    };
    const faucetAvailable = await app.client.devFaucetAvailable().catch(() => false);
    if (faucetAvailable && c.fundingTxid === null) {
      const faucet = button("Fund from the test faucet", () =>
        busy(faucet, alert, state, "Paying from the regtest faucet…", async () =>
          register(await app.client.devFaucet(id)),
        ),
      );
      faucet.classList.add("primary");
      actions.append(faucet);
    }
    if (c.fundingTxid === null) actions.append(manualRegistration(alert, register));
    actions.append(button("Back to the wallet", home, { class: "link" }));

    let view: ChannelView | null = null;
    const poll = async () => {
      try {
        view = await wallet.sync(app.client, id);
        alert.textContent = "";
      } catch (error) {
        alert.textContent = explain(error);
        return;
      }
      const need = app.node?.min_confirmations ?? 1;
      if (view.status === "awaiting_funding") state.textContent = "Waiting for your deposit.";
      else if (view.status === "opening" && view.funding_verified_at === null)
        state.textContent = "Deposit registered: waiting for the hub's node to see it.";
      else if (view.status === "opening")
        state.textContent = `Deposit seen: ${view.funding_confirmations} of ${need} confirmations.`;
      else if (view.status === "open") {
        state.textContent = `Your channel is open: ${sats(view.payer_balance_msat)} sats to spend.`;
        actions.replaceChildren(
          button("Done", home, { class: "primary" }),
          ...(app.pending ? [] : [button("Pay an invoice", () => pay())]),
        );
      } else state.textContent = statusText(view.status);
    };
    await refreshNode();
    while (!signal.aborted) {
      await poll();
      if (view && !["awaiting_funding", "opening"].includes((view as ChannelView).status)) break;
      await sleep(POLL_MS, signal);
    }
  });
}

/** "Paid from another wallet": the funding outpoint typed in. */
function manualRegistration(
  alert: HTMLElement,
  register: (o: { txid: string; vout: number }) => Promise<void>,
) {
  const txid = field("Transaction id", { type: "text", autocomplete: "off", spellcheck: "false" });
  const vout = field("Output index", { type: "text", inputmode: "numeric", value: "0" });
  const submit = el("button", { type: "submit" }, "Register the deposit");
  const form = el("form", { novalidate: "" }, txid.wrap, vout.wrap, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const index = parseSats(vout.input.value);
    if (!/^[0-9a-f]{64}$/i.test(txid.input.value.trim()) || index === null) {
      alert.textContent = "Enter the 64-character transaction id and the output's index.";
      return;
    }
    void busy(submit, alert, null, "", () =>
      register({ txid: txid.input.value.trim().toLowerCase(), vout: index }),
    );
  });
  return el("details", {}, el("summary", {}, "Paid from another wallet? Register the deposit"), form);
}

/** Payments made, and every channel with its state. */
export function history() {
  return show("history", "History and channels", async (screen) => {
    const { wallet } = session();
    const payments = (await wallet.history()).slice().reverse();
    const channels = await wallet.channels();
    const refunds = el("div", {}, el("p", { class: "muted" }, "Asking the hub…"));
    screen.append(
      el("h2", {}, "Payments"),
      payments.length === 0
        ? el("p", { class: "muted" }, "No payments yet.")
        : el(
            "ul",
            { class: "payments" },
            ...payments.map((p) =>
              el(
                "li",
                {},
                el("span", { class: "amount" }, `${sats(p.amountMsat)} sats`),
                el("span", {}, p.description ?? p.invoiceId),
                el("span", { class: "muted" }, new Date(p.createdAt * 1000).toLocaleString()),
              ),
            ),
          ),
      el("h2", {}, "Refunds to you"),
      refunds,
      el("h2", {}, "Channels"),
      channels.length === 0
        ? el("p", { class: "muted" }, "No channels yet.")
        : el(
            "ul",
            { class: "channels" },
            ...channels.map((c) =>
              el(
                "li",
                {},
                el("span", {}, `${sats(c.payerBalanceMsat)} sats · ${statusText(c.status)}`),
                button("Details", () => channel(c.id), {
                  class: "link",
                  "aria-label": `Details of channel ${c.id}`,
                }),
              ),
            ),
          ),
      button("Back to the wallet", home, { class: "link" }),
    );
    refunds.replaceChildren(await refundList(channels.filter((c) => c.fundingTxid !== null)));
  });
}

const REFUND_STATUS = {
  owed: "Owed: paid to your refund address at the hub's next settlement",
  paying: "On its way in a settlement transaction",
  paid: "Paid to your refund address",
};

/** Refunds merchants issued to this wallet (the hub lists them to the channel key's signature). */
async function refundList(channels: StoredChannel[]): Promise<Node> {
  const { wallet } = session();
  try {
    const refunds = (await Promise.all(channels.map((c) => wallet.refunds(app.client, c.id))))
      .flat()
      .sort((a, b) => b.created_at - a.created_at);
    if (refunds.length === 0) return el("p", { class: "muted" }, "No refunds.");
    return el(
      "ul",
      { class: "payments refunds" },
      ...refunds.map((r) =>
        el(
          "li",
          {},
          el(
            "span",
            { class: "amount" },
            `${sats(r.amount_msat)} sats`,
            r.fiat_value &&
              ` (${formatFiat(r.fiat_value.amount_minor, r.fiat_value.exponent, r.fiat_value.currency)})`,
          ),
          el("span", {}, `from ${r.merchant_name}`),
          el("span", {}, REFUND_STATUS[r.status]),
          el("span", { class: "muted" }, new Date(r.created_at * 1000).toLocaleString()),
        ),
      ),
    );
  } catch (error) {
    return el("p", { class: "muted" }, `Refunds need the hub: ${explain(error)}`);
  }
}

/** One channel: its terms, and the ways out (ask to close; after refund_locktime, the refund). */
function channel(id: string) {
  return show("channel", "Channel", async (screen) => {
    const { wallet } = session();
    const node = await refreshNode();
    if (node) await wallet.sync(app.client, id).catch(() => {});
    const c = await wallet.channel(id);
    const alert = alertBox();
    const status = statusBox();
    const tip = node?.block_height ?? null;
    const funded = c.fundingTxid !== null;
    screen.append(
      details([
        ["Channel", el("code", { class: "break" }, c.id)],
        ["Status", statusText(c.status)],
        ["Balance", `${sats(c.payerBalanceMsat)} sats`],
        ["Deposit", `${new Intl.NumberFormat("en-US").format(c.capacitySat)} sats`],
        [
          "Deposit outpoint",
          el("code", { class: "break" }, funded ? `${c.fundingTxid}:${c.fundingVout}` : "not funded"),
        ],
        ["Refund possible from block", `${c.refundLocktime}${tip === null ? "" : ` (now ${tip})`}`],
      ]),
      alert,
      status,
    );
    const actions = el("div", { class: "actions" });
    if (c.status === "open") {
      const close = button("Ask the hub to close", () =>
        busy(close, alert, status, "Asking…", async () => {
          await wallet.requestClose(app.client, id);
          await wallet.sync(app.client, id);
          status.textContent =
            "The hub will close this channel at its next settlement and pay your balance to you.";
          close.remove();
        }),
      );
      actions.append(close);
    }
    if (funded && c.status !== "closed" && c.status !== "refunded") {
      const early = tip !== null && tip < c.refundLocktime;
      actions.append(
        button("Build the refund transaction", () => refund(id), {
          ...(early ? { "aria-describedby": "refund-early" } : {}),
        }),
      );
      if (early)
        actions.append(
          el(
            "p",
            { class: "hint", id: "refund-early" },
            `The chain accepts the refund from block ${c.refundLocktime}; until then ask the hub to close.`,
          ),
        );
    }
    actions.append(button("Back", history, { class: "link" }));
    screen.append(actions);
  });
}

/** The signed refund: broadcast through the hub's node when it is up, and always shown raw. */
function refund(id: string) {
  return show("refund", "Refund transaction", async (screen) => {
    const { wallet } = session();
    const c = await wallet.channel(id);
    const built = await wallet.buildRefund(id, 2);
    const notice = el("p", { class: "sr", role: "status" });
    const alert = alertBox();
    const status = statusBox();
    const raw = field("Signed transaction (hex)", { rows: "6", readonly: "", spellcheck: "false" });
    (raw.input as unknown as HTMLTextAreaElement).value = built.hex;
    const broadcast = button("Broadcast through the hub's node", () =>
      busy(broadcast, alert, status, "Broadcasting…", async () => {
        const sent = await app.client.broadcastRefund(id, built.hex);
        status.textContent = `Broadcast: transaction ${sent.txid}.`;
      }),
    );
    broadcast.classList.add("primary");
    screen.append(
      el(
        "p",
        {},
        `This transaction returns the whole deposit, less a fee of 2 sat/vB, to your refund address. Any Bitcoin node accepts it from block ${c.refundLocktime}.`,
      ),
      details([["Transaction id", el("code", { class: "break" }, built.txid)]]),
      raw.wrap,
      el(
        "div",
        { class: "row" },
        copyButton("Copy transaction", () => built.hex, notice),
        broadcast,
      ),
      notice,
      alert,
      status,
      button("Back", () => channel(id), { class: "link" }),
    );
  });
}

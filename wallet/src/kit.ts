/** The emergency kit: download it, print it, read it — offline too (it is built from this device). */
import { buildKit, type EmergencyKit } from "../../src/client/kit";
import { app, show } from "./app";
import { button, details, el } from "./dom";
import { home } from "./funds";

/** The kit as a printable page section. */
function printable(kit: EmergencyKit) {
  const key = kit.encrypted_key;
  return el(
    "article",
    { class: "kit", "aria-label": "Emergency kit contents" },
    el("h2", {}, "Sluice emergency kit"),
    details([
      ["Made", new Date(kit.created_at * 1000).toLocaleString()],
      ["Hub", kit.hub_url],
      ["Network", kit.network],
      ["Your public key", el("code", { class: "break" }, kit.payer_pubkey)],
    ]),
    el("h3", {}, "Encrypted key"),
    details([
      ["Key derivation", `${key.kdf}, ${key.iterations} iterations`],
      ["Salt", el("code", { class: "break" }, key.salt)],
      ["Cipher", `${key.cipher}, additional data “${key.additional_data}”`],
      ["IV", el("code", { class: "break" }, key.iv)],
      ["Ciphertext", el("code", { class: "break" }, key.ciphertext)],
    ]),
    ...kit.channels.flatMap((c) => [
      el("h3", {}, `Channel ${c.id}`),
      details([
        ["Deposit", `${c.capacity_sat} sat`],
        [
          "Funding outpoint",
          el(
            "code",
            { class: "break" },
            c.funding_txid ? `${c.funding_txid}:${c.funding_vout}` : "not funded",
          ),
        ],
        ["Funding address", el("code", { class: "break" }, c.funding_address)],
        ["Refund from block", String(c.refund_locktime)],
        ["Refund script", el("code", { class: "break" }, c.refund_script_pubkey)],
        ["Witness script", el("code", { class: "break" }, c.witness_script)],
      ]),
    ]),
    el("h3", {}, "How to get your money back"),
    el("ol", {}, ...kit.instructions.map((step) => el("li", {}, step))),
  );
}

export function kit() {
  return show("kit", "Emergency kit", async (screen) => {
    const { wallet, storage } = app.session!;
    const made = await buildKit({
      wallet,
      storage,
      hubUrl: location.origin,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    const file = `sluice-kit-${wallet.pubkey.slice(0, 8)}.json`;
    const download = button(
      "Download the kit",
      () => {
        const url = URL.createObjectURL(
          new Blob([`${JSON.stringify(made, null, 2)}\n`], { type: "application/json" }),
        );
        const a = el("a", { href: url, download: file, hidden: "" });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
      { class: "primary" },
    );
    screen.append(
      el(
        "p",
        {},
        "With this file and your passphrase you can take back what is in your channels without the hub, or restore this wallet in another browser. Download it again after you open a channel.",
      ),
      el(
        "div",
        { class: "actions no-print" },
        download,
        button("Print", () => window.print()),
        button("Back to the wallet", home, { class: "link" }),
      ),
      printable(made),
    );
  });
}

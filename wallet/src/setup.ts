/** First run, unlock and restore: the screens before a session exists. */
import {
  EncryptedStorage,
  MIN_PASSPHRASE_CHARS,
  WrongPassphraseError,
} from "../../src/client/encrypted-storage";
import { parseKit, restoreKit } from "../../src/client/kit";
import { PayerWallet } from "../../src/client/wallet";
import { createWebLNProvider } from "../../src/client/webln";
import { alertBox, app, busy, show, statusBox } from "./app";
import { button, el, field } from "./dom";
import { home } from "./funds";
import { confirmPayment, openLinked } from "./pay";

/** Starts the session and goes where the person was headed: a linked invoice, or home. */
async function enter(storage: EncryptedStorage, wallet: PayerWallet) {
  // The SDK's WebLN provider pays only after this wallet's own confirm screen says yes. The one
  // origin that uses it is the wallet's own page, which the person opened to pay: it allows itself
  // for this session (no other origin reaches the provider: it is not on `window`); every payment
  // still waits for the tap on "Pay".
  const provider = createWebLNProvider(wallet, app.client, {
    origin: location.origin,
    enable: async (origin) => origin === location.origin,
    confirm: confirmPayment,
  });
  app.session = { storage, wallet, provider };
  await provider.enable();
  if (app.pending) {
    const linked = app.pending;
    app.pending = null;
    return openLinked(linked);
  }
  return home();
}

const pendingNote = () =>
  app.pending ? el("p", { class: "note" }, "Then you can pay the invoice you came with.") : null;

/** No wallet in this browser yet. */
export function welcome() {
  return show("welcome", "Sluice wallet", (screen) => {
    screen.append(
      el(
        "p",
        {},
        "Pay shops that use Sluice from a payment channel you open with this hub. Your key is made and kept in this browser, encrypted with a passphrase you choose; it never leaves this page.",
      ),
      pendingNote() ?? "",
      el(
        "div",
        { class: "actions" },
        button("Create a wallet", create, { class: "primary" }),
        button("Restore from an emergency kit", restore),
      ),
    );
  });
}

function create() {
  return show("create", "Create your wallet", (screen) => {
    const pass = field(
      "Passphrase",
      {
        type: "password",
        autocomplete: "new-password",
        minlength: String(MIN_PASSPHRASE_CHARS),
        required: "",
      },
      `At least ${MIN_PASSPHRASE_CHARS} characters. Nobody can reset it: with it and your emergency kit you can always get your money back.`,
    );
    const again = field("Repeat the passphrase", {
      type: "password",
      autocomplete: "new-password",
      required: "",
    });
    const alert = alertBox();
    const status = statusBox();
    const submit = el("button", { type: "submit", class: "primary" }, "Create wallet");
    const form = el("form", { novalidate: "" }, pass.wrap, again.wrap, alert, status, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (pass.input.value !== again.input.value) {
        alert.textContent = "The two passphrases differ.";
        again.input.focus();
        return;
      }
      void busy(submit, alert, status, "Creating your key and encrypting it…", async () => {
        const storage = await EncryptedStorage.create(app.store, pass.input.value);
        await enter(storage, await PayerWallet.open(storage));
      });
    });
    screen.append(pendingNote() ?? "", form, button("Back", welcome, { class: "link" }));
  });
}

/** A wallet is here but locked. */
export function unlock() {
  return show("unlock", "Unlock your wallet", (screen) => {
    const pass = field("Passphrase", { type: "password", autocomplete: "current-password", required: "" });
    const alert = alertBox();
    const status = statusBox();
    const submit = el("button", { type: "submit", class: "primary" }, "Unlock");
    const form = el("form", { novalidate: "" }, pass.wrap, alert, status, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void busy(submit, alert, status, "Unlocking…", async () => {
        try {
          const storage = await EncryptedStorage.unlock(app.store, pass.input.value);
          await enter(storage, await PayerWallet.open(storage));
        } catch (error) {
          if (!(error instanceof WrongPassphraseError)) throw error;
          pass.input.select();
          throw new Error("Wrong passphrase. Nothing was unlocked");
        }
      });
    });
    screen.append(pendingNote() ?? "", form);
  });
}

function restore() {
  return show("restore", "Restore from an emergency kit", (screen) => {
    const file = field(
      "Emergency kit file",
      { type: "file", accept: ".json,application/json", required: "" },
      "The sluice-kit-….json file you downloaded from your wallet.",
    );
    const pass = field("Passphrase", { type: "password", autocomplete: "current-password", required: "" });
    const alert = alertBox();
    const status = statusBox();
    const submit = el("button", { type: "submit", class: "primary" }, "Restore");
    const form = el("form", { novalidate: "" }, file.wrap, pass.wrap, alert, status, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void busy(submit, alert, status, "Decrypting the kit…", async () => {
        const chosen = file.input.files?.[0];
        if (!chosen) throw new Error("Choose the kit file first");
        let json: unknown;
        try {
          json = JSON.parse(await chosen.text());
        } catch {
          throw new Error("This file is not an emergency kit (not JSON)");
        }
        const kit = parseKit(json);
        try {
          const { wallet, storage } = await restoreKit(kit, pass.input.value, app.store);
          status.textContent = "Asking the hub for your channels…";
          for (const id of await wallet.channelIds()) await wallet.sync(app.client, id).catch(() => {});
          await enter(storage, wallet);
        } catch (error) {
          if (error instanceof WrongPassphraseError)
            throw new Error("Wrong passphrase for this kit. Nothing was restored");
          throw error;
        }
      });
    });
    screen.append(form, button("Back", welcome, { class: "link" }));
  });
}

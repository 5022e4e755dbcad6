/**
 * The Sluice payer wallet at /wallet: boots the page, installs the service worker (offline use),
 * reads an invoice the page was linked with, and shows the first screen.
 */
import { EncryptedStorage } from "../../src/client/encrypted-storage";
import { app } from "./app";
import { linkedInvoice } from "./format";
import { unlock, welcome } from "./setup";

/**
 * The page runs under `require-trusted-types-for 'script'`: the one script URL it hands the
 * browser is the service worker's, through a policy that allows exactly that URL.
 */
interface TrustedTypes {
  createPolicy(
    name: string,
    rules: { createScriptURL(url: string): string },
  ): { createScriptURL(url: string): string };
}
const SW_URL = "/wallet/sw.js";

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  const tt = (globalThis as { trustedTypes?: TrustedTypes }).trustedTypes;
  const policy = tt?.createPolicy("sluice-wallet", {
    createScriptURL(url) {
      if (url !== SW_URL) throw new TypeError(`script URL not allowed: ${url}`);
      return url;
    },
  });
  const url = policy ? policy.createScriptURL(SW_URL) : SW_URL;
  navigator.serviceWorker.register(url as unknown as string, { scope: "/wallet" }).catch(() => {
    // Without a service worker the wallet still works online.
  });
}

registerServiceWorker();
app.pending = linkedInvoice(location.search, location.hash);
if (app.pending) history.replaceState(null, "", "/wallet");
void (EncryptedStorage.exists(app.store) ? unlock() : welcome());

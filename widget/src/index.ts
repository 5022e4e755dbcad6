/** Entry of /widget.js: remembers where it was loaded from (the default API origin) and defines the element. */
import { SluiceCheckout } from "./element";

const script = document.currentScript as HTMLScriptElement | null;
if (script?.src) SluiceCheckout.scriptOrigin = new URL(script.src).origin;
if (!customElements.get("sluice-checkout")) customElements.define("sluice-checkout", SluiceCheckout);

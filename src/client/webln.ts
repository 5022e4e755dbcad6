/**
 * A WebLN provider (webln.guide) over a Sluice payer wallet, so any WebLN-aware checkout can pay
 * from a Sluice channel: `window.webln = createWebLNProvider(wallet, client)`.
 */
import type { SluiceClient } from "./api";
import type { PayerWallet } from "./wallet";

export interface WebLNProvider {
  enable(): Promise<void>;
  getInfo(): Promise<{ node: { alias: string; pubkey: string }; methods: string[] }>;
  sendPayment(paymentRequest: string): Promise<{ preimage: string }>;
}

/** Wraps a wallet as a WebLN provider; `confirm` (e.g. a dialog) may veto each payment. */
export function createWebLNProvider(
  wallet: PayerWallet,
  client: SluiceClient,
  confirm: (paymentRequest: string) => Promise<boolean> = async () => true,
): WebLNProvider {
  let enabled = false;
  const requireEnabled = () => {
    if (!enabled) throw new Error("call enable() first");
  };
  return {
    async enable() {
      enabled = true;
    },
    async getInfo() {
      requireEnabled();
      const node = await client.node();
      return { node: { alias: "Sluice", pubkey: node.node_pubkey }, methods: ["getInfo", "sendPayment"] };
    },
    async sendPayment(paymentRequest) {
      requireEnabled();
      if (!(await confirm(paymentRequest))) throw new Error("payment rejected by the user");
      const result = await wallet.pay(client, paymentRequest);
      return { preimage: result.preimage };
    },
  };
}

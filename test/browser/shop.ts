/**
 * A small test shop on its own origin: pages that embed the widget from the hub the way the README
 * tells shops to, under the Content-Security-Policy the README documents for them.
 */
import { createServer, type Server } from "node:http";

/** What the shop page records for the test: the widget's DOM events and any CSP violation. */
const RECORDER = `
window.__shop = { events: [], violations: [] };
document.addEventListener("securitypolicyviolation", (e) => {
  window.__shop.violations.push(e.violatedDirective + " " + e.blockedURI);
});
for (const type of ["sluice:paid", "sluice:expired", "sluice:canceled"]) {
  document.addEventListener(type, (e) => window.__shop.events.push({ type, at: Date.now(), detail: e.detail }));
}
`;

export interface ShopOptions {
  /** Load the Sluice payer SDK as window.webln. */
  wallet?: boolean;
}

/** The CSP the README documents for shops embedding the widget (plus nothing else). */
export const shopCsp = (hubUrl: string) =>
  `default-src 'none'; script-src 'self' ${hubUrl}; connect-src ${hubUrl}`;

function page(hubUrl: string, widgetVersion: string, invoiceId: string, options: ShopOptions): string {
  const wallet = options.wallet ? `<script src="/wallet.js" data-api="${hubUrl}"></script>\n` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test shop</title>
<script src="/recorder.js"></script>
${wallet}<script src="${hubUrl}/widget.js?v=${widgetVersion}" defer></script>
</head>
<body>
<h1>Test shop</h1>
<sluice-checkout invoice="${invoiceId}"></sluice-checkout>
</body>
</html>
`;
}

/** Starts the shop on 127.0.0.1:`port`. */
export async function startShop(input: {
  port: number;
  hubUrl: string;
  widgetVersion: string;
  walletJs: string;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://shop");
    const send = (type: string, body: string, headers: Record<string, string> = {}) =>
      res.writeHead(200, { "content-type": type, "cache-control": "no-store", ...headers }).end(body);
    if (url.pathname === "/shop") {
      const options = { wallet: url.searchParams.get("wallet") === "1" };
      const html = page(input.hubUrl, input.widgetVersion, url.searchParams.get("invoice") ?? "", options);
      send("text/html; charset=utf-8", html, { "content-security-policy": shopCsp(input.hubUrl) });
    } else if (url.pathname === "/recorder.js") send("text/javascript", RECORDER);
    else if (url.pathname === "/wallet.js") send("text/javascript", input.walletJs);
    else if (url.pathname === "/thanks")
      send("text/html; charset=utf-8", "<!doctype html><title>Thanks</title><h1>Thanks!</h1>");
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(input.port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${input.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

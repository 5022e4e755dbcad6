/** The hosted checkout page /pay/{id}: the widget full-page, under a strict Content-Security-Policy. */
/** The page's only inline code: this stylesheet, allowed by its hash (no 'unsafe-inline'). */
const PAGE_CSS =
  "html{color-scheme:light dark}body{margin:0;min-height:100vh;display:flex;justify-content:center;" +
  "align-items:flex-start;padding:24px 12px;box-sizing:border-box;background:Canvas;color:CanvasText;" +
  "font:16px/1.4 system-ui,sans-serif}main{width:100%;max-width:400px}noscript p{overflow-wrap:anywhere}" +
  "form{display:flex;gap:8px;margin:16px 0}input,button{font:inherit;padding:10px 14px}input{flex:1;min-width:0}";

let styleHash: Promise<string> | undefined;

/** 'sha256-…' of PAGE_CSS, computed once per isolate. */
function pageStyleHash(): Promise<string> {
  styleHash ??= crypto.subtle
    .digest("SHA-256", new TextEncoder().encode(PAGE_CSS))
    .then((d) => `'sha256-${btoa(String.fromCharCode(...new Uint8Array(d)))}'`);
  return styleHash;
}

/**
 * The hub's strict page policy (the hosted checkout, payment link pages and the wallet): scripts
 * only from this origin, requests only to this origin, no inline script, no plugins, no framing, no
 * form posts (payment link pages post to themselves, nowhere else), no <base>, and DOM sinks locked
 * by Trusted Types (`trustedTypes` names the only policies a page may create; 'none' for pages that
 * build their DOM without them).
 */
export function strictPageCsp(options: {
  styleSrc: string;
  trustedTypes: string;
  forms?: "none" | "self";
  extra?: string[];
}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "connect-src 'self'",
    `style-src ${options.styleSrc}`,
    "img-src 'self'",
    "base-uri 'none'",
    `form-action '${options.forms ?? "none"}'`,
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    `trusted-types ${options.trustedTypes}`,
    ...(options.extra ?? []),
  ].join("; ");
}

/** The checkout and payment link pages' policy: the widget pinned by SRI, its one stylesheet by hash. */
export async function checkoutPageCsp(forms: "none" | "self" = "none"): Promise<string> {
  return strictPageCsp({ styleSrc: await pageStyleHash(), trustedTypes: "'none'", forms });
}

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
  );

/** Headers every hosted page response carries. */
export async function pageHeaders(forms: "none" | "self" = "none"): Promise<Record<string, string>> {
  return {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": await checkoutPageCsp(forms),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  };
}

/** A hosted page: the shared head (charset, viewport, the hashed stylesheet) around `body`. */
export function htmlDocument(title: string, body: string, head = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<style>${PAGE_CSS}</style>
${head}</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The page for one invoice: the widget, and the plain invoice for browsers without JavaScript. */
export function checkoutPage(input: {
  invoiceId: string;
  merchantName: string;
  bolt11: string;
  /** Both amounts for browsers without JavaScript, e.g. "3,889 sats (EUR 3.50)". */
  amountText: string;
  widgetSrc: string;
  widgetIntegrity: string;
}): string {
  const lightning = escapeHtml(`lightning:${input.bolt11}`);
  return htmlDocument(
    `Pay ${input.merchantName}`,
    `<sluice-checkout invoice="${escapeHtml(input.invoiceId)}"></sluice-checkout>
<noscript><p>Pay ${escapeHtml(input.amountText)} with your Lightning wallet:</p><p><a href="${lightning}">${escapeHtml(input.bolt11)}</a></p></noscript>`,
    `<script src="${escapeHtml(input.widgetSrc)}" integrity="${escapeHtml(input.widgetIntegrity)}" defer></script>\n`,
  );
}

/** The page for an invoice id that does not exist. */
export const notFoundPage = (): string =>
  htmlDocument("Invoice not found", "<p>This invoice does not exist. Check the link the shop gave you.</p>");

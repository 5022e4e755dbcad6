/**
 * The widget's styles, adopted as a constructed stylesheet (CSSOM): a shop's CSP needs no
 * `style-src` grant for it, unlike a <style> element or style attributes.
 */
const DARK =
  "--sl-bg:#16181d;--sl-fg:#eceef2;--sl-muted:#a9aeb8;--sl-border:#3a3f4a;--sl-ok:#4ac26b;--sl-focus:#7aa7ff;color-scheme:dark";

export const CSS = `
:host{display:block;box-sizing:border-box;width:100%;max-width:380px;margin-inline:auto;container-type:inline-size;
--sl-bg:#fff;--sl-fg:#14161a;--sl-muted:#4f535b;--sl-border:#d5d8de;--sl-accent:#f7931a;--sl-accent-fg:#14161a;
--sl-ok:#1a7f37;--sl-focus:#0b5fff;color-scheme:light;
font:16px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--sl-fg)}
:host([hidden]),[hidden]{display:none!important}
@media (prefers-color-scheme:dark){:host(:not([theme=light])){${DARK}}}
:host([theme=dark]){${DARK}}
*,*::before,*::after{box-sizing:border-box}
p{margin:0}
.card{position:relative;display:grid;gap:8px;padding:16px;text-align:center;color:var(--sl-fg);background:var(--sl-bg);border:1px solid var(--sl-border);border-radius:12px}
.merchant,.status,.countdown{min-height:1.4em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.merchant{font-weight:600}
.amount{font-size:1.75rem;font-weight:700;line-height:1.25;min-height:1.25em;overflow-wrap:anywhere}
.fiat{min-height:1.4em;color:var(--sl-muted);font-variant-numeric:tabular-nums}
.description{height:2.8em;overflow:hidden;color:var(--sl-muted);overflow-wrap:anywhere;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}
.stage{position:relative;width:100%;max-width:260px;aspect-ratio:1;margin:0 auto}
.qr{display:block;width:100%;height:100%;border-radius:8px;overflow:hidden;background:#fff}
.qr svg{display:block;width:100%;height:100%}
.overlay{position:absolute;inset:0;display:none;align-content:center;justify-items:center;gap:8px;border-radius:8px;background:var(--sl-bg);color:var(--sl-muted);font-size:1.25rem;font-weight:700}
.overlay svg{width:72px;height:72px;fill:none;stroke:currentColor;stroke-width:2.5;stroke-linecap:round;stroke-linejoin:round}
.card:not([data-status=open]):not([data-status=paying]):not([data-status=error]) .overlay{display:grid}
[data-status=paid] .overlay{color:var(--sl-ok)}
.status{font-weight:600}
.countdown{color:var(--sl-muted);font-variant-numeric:tabular-nums}
.hint{color:var(--sl-muted);font-size:.85rem}
.actions{display:grid;gap:8px}
.row{display:grid;grid-template-columns:1fr 1fr;gap:8px}
@container (max-width:340px){.amount{font-size:1.5rem}}
@container (max-width:300px){.row{grid-template-columns:1fr}}
button,a.button{display:inline-flex;align-items:center;justify-content:center;min-height:44px;padding:8px 10px;border:1px solid var(--sl-border);border-radius:8px;background:transparent;color:var(--sl-fg);font:inherit;font-size:.95rem;font-weight:600;text-decoration:none;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;cursor:pointer}
button.pay{background:var(--sl-accent);border-color:var(--sl-accent);color:var(--sl-accent-fg)}
button:disabled{opacity:.6;cursor:default}
:focus-visible{outline:3px solid var(--sl-focus);outline-offset:2px}
.card:not([data-status=open]):not([data-status=paying]):not([data-status=error]) .actions{visibility:hidden}
.sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
@media (prefers-reduced-motion:no-preference){.overlay{animation:sl-in .2s ease-out}@keyframes sl-in{from{opacity:0}to{opacity:1}}}
`;

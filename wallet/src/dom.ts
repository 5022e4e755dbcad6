/** A small DOM builder: the wallet makes every node with DOM calls (no HTML parsing: Trusted Types). */

type Child = Node | string | null | undefined | false;

/** `el("p", {class: "x"}, "text", child)`. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === true) node.setAttribute(k, "");
    else if (v !== false) node.setAttribute(k, v);
  }
  node.append(...(children.filter((c) => c !== null && c !== undefined && c !== false) as (Node | string)[]));
  return node;
}

let ids = 0;
/** A fresh element id, for label/aria wiring. */
export const uid = (prefix: string) => `${prefix}-${++ids}`;

/** A button that runs `action` on click. */
export function button(label: string, action: () => unknown, attributes: Record<string, string> = {}) {
  const b = el("button", { type: "button", ...attributes }, label);
  b.addEventListener("click", () => void action());
  return b;
}

/** A labelled input with an optional hint (aria-describedby). */
export function field(label: string, attributes: Record<string, string>, hint?: string) {
  const id = uid("f");
  const hintId = hint ? `${id}-hint` : undefined;
  const tag = attributes.rows ? "textarea" : "input";
  const input = el(tag as "input", { id, ...(hintId ? { "aria-describedby": hintId } : {}), ...attributes });
  const wrap = el(
    "div",
    { class: "field" },
    el("label", { for: id }, label),
    input,
    hint ? el("p", { class: "hint", id: hintId! }, hint) : null,
  );
  return { wrap, input };
}

/** A term/definition list from pairs. */
export function details(rows: [string, Node | string][]) {
  return el("dl", {}, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

/** A button that copies `text` and says so in `notice`. */
export function copyButton(label: string, text: () => string, notice: HTMLElement) {
  const b = button(label, async () => {
    try {
      await navigator.clipboard.writeText(text());
      notice.textContent = `${label.replace(/^Copy /, "")} copied`;
    } catch {
      notice.textContent = "Copying failed: select the text and copy it";
    }
  });
  b.classList.add("secondary");
  return b;
}

/** The QR code as an inline SVG built with DOM calls: no images, no inline styles, so no CSP grant is needed. */
import { encode } from "uqr";

const SVG = "http://www.w3.org/2000/svg";
/** ISO/IEC 18004 asks for a quiet zone of four modules around the symbol. */
const QUIET_ZONE = 4;

/** SVG path data for the dark modules, one rectangle per horizontal run (a much shorter path). */
export function modulePath(modules: readonly (readonly boolean[])[]): string {
  const parts: string[] = [];
  modules.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) {
      if (!row[x]) continue;
      let end = x;
      while (row[end + 1]) end++;
      parts.push(`M${x} ${y}h${end - x + 1}v1H${x}z`);
      x = end;
    }
  });
  return parts.join("");
}

/** An `<svg role="img">` of `text`, error correction M, dark modules on a white quiet zone. */
export function qrSvg(text: string, label: string): SVGSVGElement {
  const { data, size } = encode(text, { ecc: "M", border: 0 });
  const svg = document.createElementNS(SVG, "svg");
  const extent = size + 2 * QUIET_ZONE;
  svg.setAttribute("viewBox", `${-QUIET_ZONE} ${-QUIET_ZONE} ${extent} ${extent}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  const background = document.createElementNS(SVG, "rect");
  for (const [k, v] of [
    ["x", -QUIET_ZONE],
    ["y", -QUIET_ZONE],
    ["width", extent],
    ["height", extent],
  ] as const)
    background.setAttribute(k, String(v));
  background.setAttribute("fill", "#fff");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", modulePath(data));
  path.setAttribute("fill", "#000");
  svg.append(background, path);
  return svg;
}

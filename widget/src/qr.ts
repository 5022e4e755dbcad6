/** The QR code as an inline SVG built with DOM calls: no images, no inline styles, so no CSP grant is needed. */
import { encode } from "uqr";
import { modulePath } from "./qr-path";

const SVG = "http://www.w3.org/2000/svg";
/** ISO/IEC 18004 asks for a quiet zone of four modules around the symbol. */
const QUIET_ZONE = 4;

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

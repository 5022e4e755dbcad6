/** The QR code's geometry as SVG path data: pure, no DOM. */

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

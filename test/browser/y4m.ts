/**
 * A one-frame YUV4MPEG2 video of a QR code, for Chromium's fake camera
 * (`--use-file-for-fake-video-capture`): the code's modules drawn black on white, centred,
 * with its quiet zone, in the luma plane; chroma neutral.
 */
import { writeFileSync } from "node:fs";
import { encode } from "uqr";

export function writeQrVideo(path: string, text: string, width = 640, height = 480): void {
  const { data, size } = encode(text, { ecc: "M", border: 4 });
  const module = Math.floor((Math.min(width, height) * 0.9) / size);
  const left = Math.floor((width - module * size) / 2);
  const top = Math.floor((height - module * size) / 2);
  const luma = new Uint8Array(width * height).fill(235);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      if (!data[y]![x]) continue;
      for (let dy = 0; dy < module; dy++)
        luma.fill(
          16,
          (top + y * module + dy) * width + left + x * module,
          (top + y * module + dy) * width + left + (x + 1) * module,
        );
    }
  const chroma = new Uint8Array((width / 2) * (height / 2) * 2).fill(128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`);
  writeFileSync(path, Buffer.concat([header, luma, chroma]));
}

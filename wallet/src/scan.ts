/**
 * Reads a QR code from the camera: `getUserMedia`, then the browser's BarcodeDetector where it
 * reads QR codes, else the `qr` package's decoder over canvas frames. Stops the camera when done.
 */
import decodeQR from "qr/decode.js";

const FRAME_MS = 150;

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
type DetectorClass = { new (o: { formats: string[] }): Detector; getSupportedFormats(): Promise<string[]> };

async function nativeDetector(): Promise<Detector | null> {
  const Native = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (!Native) return null;
  const formats: string[] = await Native.getSupportedFormats().catch(() => []);
  return formats.includes("qr_code") ? new Native({ formats: ["qr_code"] }) : null;
}

/** Resolves with the first QR code's text; rejects when the camera is refused or `signal` aborts. */
export async function scanQr(video: HTMLVideoElement, signal: AbortSignal): Promise<string> {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error("This browser cannot use a camera here");
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment" },
      audio: false,
    });
  } catch {
    throw new Error("The camera is not available or was not allowed");
  }
  const stop = () => {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  signal.addEventListener("abort", stop);
  try {
    video.srcObject = stream;
    await video.play();
    const detector = await nativeDetector();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true })!;
    while (!signal.aborted) {
      const found = detector
        ? (await detector.detect(video))[0]?.rawValue
        : readFrame(video, canvas, context);
      if (found) return found;
      await new Promise((r) => setTimeout(r, FRAME_MS));
    }
    throw new Error("scanning stopped");
  } finally {
    stop();
  }
}

function readFrame(video: HTMLVideoElement, canvas: HTMLCanvasElement, context: CanvasRenderingContext2D) {
  const { videoWidth: width, videoHeight: height } = video;
  if (!width || !height) return null;
  canvas.width = width;
  canvas.height = height;
  context.drawImage(video, 0, 0, width, height);
  try {
    return decodeQR({ width, height, data: context.getImageData(0, 0, width, height).data });
  } catch {
    return null; // no QR code in this frame
  }
}

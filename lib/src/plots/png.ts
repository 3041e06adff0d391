/**
 * A minimal PNG reader (8-bit greyscale/RGB/RGBA, non-interlaced: what Chromium writes) used to
 * check that an exported figure has real content, not a blank canvas. Follows the PNG
 * specification (ISO/IEC 15948): chunks, zlib-compressed IDAT, per-row filters 0–4.
 */
import * as zlib from "node:zlib";

/** Decoded image: RGBA bytes, row-major. */
export interface PngImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** Paeth predictor of the PNG specification. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a),
    pb = Math.abs(p - b),
    pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decode a PNG file's bytes. Throws on unsupported or corrupt input. */
export function decodePng(buf: Uint8Array): PngImage {
  for (let i = 0; i < 8; i++) if (buf[i] !== SIGNATURE[i]) throw new Error("not a PNG file (bad signature)");
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 8,
    width = 0,
    height = 0,
    bitDepth = 0,
    colorType = 0,
    interlace = 0;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= buf.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(buf[pos + 4], buf[pos + 5], buf[pos + 6], buf[pos + 7]);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      bitDepth = data[8];
      colorType = data[9];
      interlace = data[12];
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (bitDepth !== 8 || !channels || interlace !== 0)
    throw new Error(
      `unsupported PNG (bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace})`,
    );
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? cur[x - channels] : 0,
        b = prev[x],
        c = x >= channels ? prev[x - channels] : 0;
      const pred =
        filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, c);
      cur[x] = (line[x] + pred) & 255;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4,
        i = x * channels;
      const g = channels <= 2;
      out[o] = cur[i];
      out[o + 1] = g ? cur[i] : cur[i + 1];
      out[o + 2] = g ? cur[i] : cur[i + 2];
      out[o + 3] = channels === 4 ? cur[i + 3] : channels === 2 ? cur[i + 1] : 255;
    }
    prev = cur;
  }
  return { width, height, rgba: out };
}

/** How much of an image is not background. */
export interface PngContent {
  width: number;
  height: number;
  /** Number of distinct RGBA colours. */
  distinctColors: number;
  /** Share of pixels that differ from the most common colour (the background). */
  nonBackgroundFraction: number;
}

/** Measure the content of a PNG: distinct colours and the share of non-background pixels. */
export function pngContent(buf: Uint8Array): PngContent {
  const img = decodePng(buf);
  const counts = new Map<number, number>();
  const px = new Uint32Array(img.rgba.buffer, img.rgba.byteOffset, img.width * img.height);
  for (const c of px) counts.set(c, (counts.get(c) ?? 0) + 1);
  let top = 0;
  for (const n of counts.values()) top = Math.max(top, n);
  return {
    width: img.width,
    height: img.height,
    distinctColors: counts.size,
    nonBackgroundFraction: px.length ? (px.length - top) / px.length : 0,
  };
}

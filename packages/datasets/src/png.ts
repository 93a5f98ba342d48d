/**
 * PNG grids of images. The encoder is a few lines over fflate's zlib so it runs in Node and
 * in browsers alike (pngjs needs Node streams); 8-bit gray, gray+alpha, RGB or RGBA,
 * filter type 0 on every row.
 */
import { zlibSync } from "fflate";
import { crc32 } from "./crc32.ts";

export { crc32 };

/** An 8-bit image: `channels` bytes per pixel, row-major. */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array;
}

export interface GridOptions {
  /** Number of images in `images` to lay out. */
  count: number;
  height: number;
  width: number;
  /** Channels per source image: 1 (gray) or 3 (RGB), layout HWC. */
  channels: 1 | 3;
  /** Images per row (default: ceil(sqrt(count))). */
  columns?: number;
  /** Pixels between images and around the border (default 2). */
  gap?: number;
  /** Gap brightness in [0, 1] (default 0.5: visible between black and white images). */
  gapValue?: number;
  /** Each source pixel becomes zoom × zoom output pixels (default 1). */
  zoom?: number;
}

/** Lays out `count` float images (values in [0, 1], clamped) in a grid, as an 8-bit image. */
export function imageGrid(images: Float32Array, opts: GridOptions): RasterImage {
  const { count, height: h, width: w, channels: c } = opts;
  const gap = opts.gap ?? 2;
  const zoom = opts.zoom ?? 1;
  const columns = Math.max(1, Math.min(count, opts.columns ?? Math.ceil(Math.sqrt(count))));
  const rows = Math.max(1, Math.ceil(count / columns));
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`grid needs at least one image, got ${count}`);
  if (images.length < count * h * w * c) {
    throw new RangeError(`grid of ${count} images of ${h}×${w}×${c} needs ${count * h * w * c} floats, got ${images.length}`);
  }
  const cellW = w * zoom, cellH = h * zoom;
  const width = columns * cellW + (columns + 1) * gap;
  const height = rows * cellH + (rows + 1) * gap;
  const data = new Uint8Array(width * height * c).fill(toByte(opts.gapValue ?? 0.5));
  for (let n = 0; n < count; n++) {
    const x0 = gap + (n % columns) * (cellW + gap);
    const y0 = gap + Math.floor(n / columns) * (cellH + gap);
    const src = n * h * w * c;
    for (let y = 0; y < cellH; y++) {
      const srcRow = src + Math.floor(y / zoom) * w * c;
      const dstRow = ((y0 + y) * width + x0) * c;
      for (let x = 0; x < cellW; x++) {
        const s = srcRow + Math.floor(x / zoom) * c, d = dstRow + x * c;
        for (let k = 0; k < c; k++) data[d + k] = toByte(images[s + k]);
      }
    }
  }
  return { width, height, channels: c, data };
}

function toByte(v: number): number {
  return v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0; // NaN → 0
}

const COLOR_TYPE = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

/** Encodes an 8-bit image as PNG bytes. */
export function encodePng(img: RasterImage, level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 6): Uint8Array {
  const { width, height, channels, data } = img;
  if (!(channels in COLOR_TYPE)) throw new RangeError(`PNG channels must be 1–4, got ${channels}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size must be positive integers, got ${width}×${height}`);
  }
  const stride = width * channels;
  if (data.length < stride * height) throw new RangeError(`PNG data holds ${data.length} bytes, ${width}×${height}×${channels} needs ${stride * height}`);
  // each scanline is prefixed by its filter type (0: none)
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_TYPE[channels];
  // compression, filter and interlace methods: 0
  const chunks = [chunk("IHDR", ihdr), chunk("IDAT", zlibSync(raw, { level })), chunk("IEND", new Uint8Array(0))];
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  const out = new Uint8Array(8 + chunks.reduce((n, c) => n + c.length, 0));
  out.set(signature, 0);
  let p = 8;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  v.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

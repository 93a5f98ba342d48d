// Drawing engine images into canvases: float images in [0, 1] (the decoder's output) and the
// 8-bit RasterImages the eval package draws figures into.
import type { RasterImage } from "@betavae/datasets";

/** Paints an [height, width, channels] float image into `canvas` at its native size (CSS scales it, pixelated). */
export function drawFloatImage(canvas: HTMLCanvasElement, image: Float32Array, width: number, height: number, channels: number): void {
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) pixels[p * 4 + c] = Math.round(255 * image[p * channels + (channels === 3 ? c : 0)]);
    pixels[p * 4 + 3] = 255;
  }
  paint(canvas, new ImageData(pixels, width, height));
}

export function drawRaster(canvas: HTMLCanvasElement, raster: RasterImage): void {
  const { width, height, channels, data } = raster;
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const gray = channels <= 2;
    for (let c = 0; c < 3; c++) pixels[p * 4 + c] = data[p * channels + (gray ? 0 : c)];
    pixels[p * 4 + 3] = channels === 2 || channels === 4 ? data[p * channels + channels - 1] : 255;
  }
  paint(canvas, new ImageData(pixels, width, height));
}

function paint(canvas: HTMLCanvasElement, image: ImageData): void {
  if (canvas.width !== image.width || canvas.height !== image.height) {
    canvas.width = image.width;
    canvas.height = image.height;
  }
  canvas.getContext("2d")!.putImageData(image, 0, 0);
}

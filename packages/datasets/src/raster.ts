/**
 * Scanline rasterisation of a closed polygon: a pixel is set when its centre lies inside
 * (even–odd rule). Works on precomputed vertex arrays and caller-owned scratch, so it does
 * not allocate. Pixel (px, py) covers [px, px+1) × [py, py+1); its centre is (px+½, py+½).
 */

/**
 * Writes the covered pixel runs of polygon `poly` (x0, y0, x1, y1, … in sprite-local pixels)
 * translated by (cx, cy) into `spans` as triples (row, xStart, xEnd exclusive), clipped to
 * width × height. Returns the number of spans. `crossings` is scratch of at least
 * poly.length / 2 floats.
 */
export function rasterizePolygon(
  spans: Int32Array,
  crossings: Float64Array,
  poly: Float64Array,
  cx: number,
  cy: number,
  width: number,
  height: number,
): number {
  const n = poly.length >> 1;
  let ymin = Infinity, ymax = -Infinity;
  for (let i = 0; i < n; i++) {
    const y = poly[2 * i + 1];
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
  // rows whose centre line can meet the polygon
  const r0 = Math.max(0, Math.ceil(ymin + cy - 0.5));
  const r1 = Math.min(height - 1, Math.floor(ymax + cy - 0.5));
  let count = 0;
  for (let row = r0; row <= r1; row++) {
    const yc = row + 0.5 - cy; // the row's centre line in local coordinates
    let k = 0;
    let xa = poly[2 * n - 2], ya = poly[2 * n - 1];
    for (let i = 0; i < n; i++) {
      const xb = poly[2 * i], yb = poly[2 * i + 1];
      if (ya > yc !== yb > yc) {
        const x = xa + ((yc - ya) * (xb - xa)) / (yb - ya);
        // insertion sort: a handful of crossings per row
        let j = k++;
        while (j > 0 && crossings[j - 1] > x) {
          crossings[j] = crossings[j - 1];
          j--;
        }
        crossings[j] = x;
      }
      xa = xb;
      ya = yb;
    }
    for (let j = 0; j + 1 < k; j += 2) {
      // pixels whose centre x + ½ lies in [left, right)
      const x0 = Math.max(0, Math.ceil(crossings[j] + cx - 0.5));
      const x1 = Math.min(width, Math.ceil(crossings[j + 1] + cx - 0.5));
      if (x1 > x0) {
        spans[3 * count] = row;
        spans[3 * count + 1] = x0;
        spans[3 * count + 2] = x1;
        count++;
      }
    }
  }
  return count;
}

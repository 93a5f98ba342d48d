/**
 * Fits the dSprites geometry to the real frames of the reference gif and prints the numbers
 * held by src/dsprites-geometry.ts, with the IoU of every shape and traversal.
 * Run: npx tsx scripts/fit-geometry.ts   (in packages/datasets)
 *
 * Model: pixel centres inside the outline are white; the outline at scale s is the scale-1
 * outline times s; the sprite centre is centerMin + (centerMax − centerMin)·pos; orientation
 * θ turns it counter-clockwise on screen. Every parameter is fitted by maximising the mean
 * IoU over the frames of its shape (grid or coordinate search).
 */
import { DSprites } from "../src/dsprites.ts";
import { DEFAULT_GEOMETRY, type DSpritesGeometry, ellipseOutline, heartOutline, squareOutline } from "../src/dsprites-geometry.ts";
import { iou, loadReferenceFrames, type ReferenceFrame } from "./reference-gif.ts";

const frames = loadReferenceFrames();
const SCALES = [0.5, 0.6, 0.7, 0.8, 0.9, 1];
const img = new Float32Array(4096);

function meanIou(g: DSpritesGeometry, sel: (f: ReferenceFrame) => boolean): number {
  const ds = new DSprites(g);
  let sum = 0, n = 0;
  for (const f of frames) if (sel(f)) { ds.render(f.factors, img); sum += iou(f.pixels, img); n++; }
  return sum / n;
}

function withShape(g: DSpritesGeometry, shape: number, outline: Float64Array): DSpritesGeometry {
  return { ...g, shapes: g.shapes.map((s, i) => (i === shape ? { ...s, outline, sizes: SCALES } : s)) };
}

/** Coordinate search from p0 with shrinking steps; returns the best point and its score. */
function coordinateSearch(p0: number[], score: (p: number[]) => number, steps = [0.2, 0.1, 0.05, 0.02, 0.01]): { p: number[]; v: number } {
  let p = [...p0], v = score(p);
  for (const step of steps) {
    for (let pass = 0; pass < 50; pass++) {
      let improved = false;
      for (let i = 0; i < p.length; i++) for (const d of [step, -step]) {
        const t = [...p];
        t[i] = +(t[i] + d).toFixed(6);
        const tv = score(t);
        if (tv > v + 1e-12) { v = tv; p = t; improved = true; }
      }
      if (!improved) break;
    }
  }
  return { p, v };
}

const base = DEFAULT_GEOMETRY;
const of = (shape: number) => (f: ReferenceFrame) => f.factors[1] === shape;

const square = coordinateSearch([10], ([h]) => meanIou(withShape(base, 0, squareOutline(h)), of(0)));
const ellipse = coordinateSearch([13, 7], ([a, b]) => meanIou(withShape(base, 1, ellipseOutline(a, b, 256)), of(1)));
const hearts = [40, 50, 60, 80, 120, 240].map((n) => ({
  n,
  ...coordinateSearch([9.6, 9.6, 0.2], ([hx, hy, oy]) => meanIou(withShape(base, 2, heartOutline(hx, hy, oy, n)), of(2))),
}));
const heart = hearts.reduce((a, b) => (b.v > a.v ? b : a));

console.log(`square half-side ${square.p[0]}  mean IoU ${square.v.toFixed(4)}`);
console.log(`ellipse semi-axes ${ellipse.p.join(", ")}  mean IoU ${ellipse.v.toFixed(4)}`);
for (const h of hearts) console.log(`heart ${h.n} vertices: hx, hy, offsetY = ${h.p.join(", ")}  mean IoU ${h.v.toFixed(4)}`);

// sanity checks of the fixed choices, on the fitted geometry
const fitted: DSpritesGeometry = withShape(withShape(withShape(base, 0, squareOutline(square.p[0])), 1, ellipseOutline(ellipse.p[0], ellipse.p[1], 256)), 2, heartOutline(heart.p[0], heart.p[1], heart.p[2], heart.n));
const orient = (f: ReferenceFrame) => f.segment === "orientation";
console.log(`rotation: counter-clockwise ${meanIou(fitted, orient).toFixed(4)}, clockwise ${meanIou({ ...fitted, counterClockwise: false }, orient).toFixed(4)}`);
const pos = (f: ReferenceFrame) => f.segment === "posX" || f.segment === "posY";
for (const [lo, hi] of [[16, 48], [15.5, 48.5], [16.5, 47.5], [15.75, 48.25], [16.25, 47.75]]) {
  console.log(`centre range [${lo}, ${hi}]: position frames ${meanIou({ ...fitted, centerMin: lo, centerMax: hi }, pos).toFixed(4)}`);
}

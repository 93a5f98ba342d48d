/** One sprite: its outline at scale 1 and the size multiplier at each of the 6 scales. */
export interface SpriteShape {
  readonly name: string;
  /** Closed outline, x/y pairs in pixels (x right, y down) around the rotation centre. */
  readonly outline: Float64Array;
  /** Multiplier applied to the outline at scale index 0 … 5. */
  readonly sizes: readonly number[];
}

export interface DSpritesGeometry {
  /** Sprite centre (pixel coordinates, pixel i spans [i, i+1)) at position value 0 and 1. */
  readonly centerMin: number;
  readonly centerMax: number;
  /** Positive orientation turns the sprite counter-clockwise as seen on screen. */
  readonly counterClockwise: boolean;
  /** square, ellipse, heart — in factor order. */
  readonly shapes: readonly SpriteShape[];
}

/** A closed polygon approximating an ellipse with semi-axes a (x) and b (y). */
export function ellipseOutline(a: number, b: number, vertices = 128): Float64Array {
  const out = new Float64Array(2 * vertices);
  for (let i = 0; i < vertices; i++) {
    const t = (2 * Math.PI * i) / vertices;
    out[2 * i] = a * Math.cos(t);
    out[2 * i + 1] = b * Math.sin(t);
  }
  return out;
}

export function squareOutline(half: number): Float64Array {
  return Float64Array.from([-half, -half, half, -half, half, half, -half, half]);
}

/**
 * The heart: the classic parametric heart curve
 *   x = sin³ t,   y = −(13 cos t − 5 cos 2t − 2 cos 3t − cos 4t)   (y down)
 * whose bounding box is scaled to half-width hx and half-height hy and whose box centre sits
 * at (0, offsetY) from the rotation centre; `vertices` points evenly spaced in t.
 */
export function heartOutline(hx: number, hy: number, offsetY: number, vertices = 60): Float64Array {
  const f = (t: number) => 13 * Math.cos(t) - 5 * Math.cos(2 * t) - 2 * Math.cos(3 * t) - Math.cos(4 * t);
  // f ranges over [−17 (t = π, the tip), HEART_TOP (the lobes, t ≈ ±0.908)]
  const mid = (HEART_TOP - 17) / 2, half = (HEART_TOP + 17) / 2;
  const out = new Float64Array(2 * vertices);
  for (let i = 0; i < vertices; i++) {
    const t = (2 * Math.PI * i) / vertices;
    out[2 * i] = hx * Math.sin(t) ** 3;
    out[2 * i + 1] = offsetY - (hy * (f(t) - mid)) / half;
  }
  return out;
}

/** max over t of 13 cos t − 5 cos 2t − 2 cos 3t − cos 4t. */
const HEART_TOP = 11.923252415;

const SCALES = [0.5, 0.6, 0.7, 0.8, 0.9, 1];

/**
 * The geometry fitted to the real frames (scripts/fit-geometry.ts; mean IoU per shape over
 * the reference gif: square 0.9997, ellipse 0.9996, heart 0.9995). At scale 1 every shape
 * spans about ±9.6 px = ±0.15 of the image: the square is 19.2 px wide, the heart's bounding
 * box 19.2 × 19.2 px, the ellipse 25.5 × 14.4 px (about the square's area). Centres run over
 * [16, 48] px (the middle half of the frame), so no sprite ever touches the border.
 */
export const DEFAULT_GEOMETRY: DSpritesGeometry = {
  centerMin: 16,
  centerMax: 48,
  counterClockwise: true,
  shapes: [
    { name: "square", outline: squareOutline(9.6), sizes: SCALES },
    { name: "ellipse", outline: ellipseOutline(12.77, 7.21, 128), sizes: SCALES },
    { name: "heart", outline: heartOutline(9.6, 9.58, 0.24, 120), sizes: SCALES },
  ],
};

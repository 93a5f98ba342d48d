import { Rng } from "../rng";
import type { BatchSource } from "../train/trainer";

/**
 * A tiny seeded image source for tests of the training loop: a filled square of random
 * size and position on a black canvas (what core's tests need, without the datasets package).
 */
export class SquaresSource implements BatchSource {
  private readonly rng: Rng;
  constructor(private readonly size: number, seed: number) {
    this.rng = new Rng(seed);
  }
  next(images: Float32Array): void {
    const n = this.size;
    images.fill(0);
    for (let b = 0; b < images.length / (n * n); b++) {
      const side = 2 + this.rng.int(n / 2);
      const x0 = this.rng.int(n - side), y0 = this.rng.int(n - side);
      for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) images[b * n * n + y * n + x] = 1;
    }
  }
  getState(): unknown {
    return this.rng.getState();
  }
  setState(state: unknown): void {
    this.rng.setState(state as ReturnType<Rng["getState"]>);
  }
}

// Latents that hold KL without information. Under the capacity objective KL is a target, and
// the cheapest KL is a narrow posterior on a latent the decoder ignores: its KL grows while its
// posterior mean barely moves from image to image. Training compares each latent's KL with the
// spread of its mean over the batch and says so, once per latent.

/** KL (nats) above which a latent counts as switched on. */
export const SWITCHED_ON_KL = 0.5;
/** Mean KL (nats) above which a latent counts as active (docs/ARCHITECTURE.md, "Metrics"): the page greys the others, study reports count them. */
export const ACTIVE_KL = 0.1;
/** Spread of a posterior mean below which the image barely moves it (FactorVAE's pruning threshold). */
export const INFORMATIVE_STD = 0.05;

/** Standard deviation over the batch of each latent's posterior mean; `mu` is [batch, latents]. */
export function meanSpread(mu: ArrayLike<number>, batch: number, latents: number): number[] {
  if (mu.length !== batch * latents) throw new RangeError(`posterior means: expected ${batch}×${latents} values, got ${mu.length}`);
  return Array.from({ length: latents }, (_, j) => {
    let sum = 0;
    for (let i = 0; i < batch; i++) sum += mu[i * latents + j];
    const mean = sum / batch;
    let squares = 0;
    for (let i = 0; i < batch; i++) squares += (mu[i * latents + j] - mean) ** 2;
    return Math.sqrt(squares / batch);
  });
}

export interface UninformativeLatent {
  latent: number;
  /** the step of the reading that settled it */
  step: number;
  kl: number;
  meanStd: number;
}

/**
 * Flags a latent whose KL is above SWITCHED_ON_KL while its mean's spread stays below
 * INFORMATIVE_STD for `readings` logged steps in a row (one batch is a noisy estimate).
 */
export class UninformativeKlWatch {
  private readonly streak: Int32Array;
  private readonly flagged: Uint8Array;

  constructor(readonly latents: number, readonly readings = 5) {
    if (!(Number.isInteger(readings) && readings >= 1)) throw new RangeError(`readings must be a positive integer, got ${readings}`);
    this.streak = new Int32Array(latents);
    this.flagged = new Uint8Array(latents);
  }

  /** Takes one logged step's readings; returns the latents flagged by it (each latent once per run). */
  observe(step: number, klPerLatent: ArrayLike<number>, meanStd: ArrayLike<number>): UninformativeLatent[] {
    if (klPerLatent.length !== this.latents || meanStd.length !== this.latents) {
      throw new RangeError(`expected ${this.latents} latents, got KL for ${klPerLatent.length} and spreads for ${meanStd.length}`);
    }
    const found: UninformativeLatent[] = [];
    for (let j = 0; j < this.latents; j++) {
      this.streak[j] = klPerLatent[j] > SWITCHED_ON_KL && meanStd[j] < INFORMATIVE_STD ? this.streak[j] + 1 : 0;
      if (this.streak[j] >= this.readings && !this.flagged[j]) {
        this.flagged[j] = 1;
        found.push({ latent: j, step, kl: klPerLatent[j], meanStd: meanStd[j] });
      }
    }
    return found;
  }
}

/** One line for a flagged latent. */
export function describeUninformative(u: UninformativeLatent): string {
  return `z${u.latent} holds ${u.kl.toFixed(2)} nats of KL, yet its posterior mean spreads only ${u.meanStd.toFixed(3)} over the batch `
    + `(below ${INFORMATIVE_STD}) at step ${u.step}: KL that carries no information about the image`;
}

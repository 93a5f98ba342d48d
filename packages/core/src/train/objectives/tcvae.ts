// β-TCVAE (Chen et al. 2018). The KL splits, in expectation over the data, into the index-code
// mutual information, the total correlation and the dimension-wise KL:
//   E[KL(q(z|x) ‖ p(z))] = I(x; z) + KL(q(z) ‖ Π_l q(z_l)) + Σ_l KL(q(z_l) ‖ p(z_l)).
// Each is estimated on the batch from the B × B × D log densities log q(z_j,l | x_i), q(z) by a
// weighted sum over the batch's posteriors: minibatch-weighted sampling (MWS, every weight
// 1/(N·B), so its log q(z) is off by a constant no gradient sees) or minibatch-stratified
// sampling (MSS: weight 1/N on the sample's own posterior, (N − M)/(N·M) on the next one and 1/M
// on the other M − 1, M = B − 1, summing to 1). The loss is
//   recon + KL + (α − 1)·MI + (β − 1)·TC + (γ − 1)·dimension-wise KL,
// the analytic KL standing for the three estimates' sum (equal in expectation), so with α = γ = 1
// it is disentanglement_lib's BetaTCVAE, recon + KL + (β − 1)·TC, and otherwise Chen et al.'s
// α·MI + β·TC + γ·dimension-wise KL in expectation.
import type { LatentCode } from "../../model/vae";
import { HostCode } from "./host-code";
import { addKlGradient } from "./kl-weighted";
import { type ObjectiveKind, type ObjectiveReport, type ObjectiveRun, ObjectiveError, checkSettings } from "./objective";

export type TcEstimator = "mws" | "mss";

export interface TcvaeObjective {
  kind: "tcvae";
  /** weight of the total correlation */
  beta: number;
  /** weight of the index-code mutual information */
  alpha: number;
  /** weight of the dimension-wise KL */
  gamma: number;
  /** N, the number of training images the estimator's weights assume */
  datasetSize: number;
  estimator: TcEstimator;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** The three estimates, nats per image. */
export interface TcTerms {
  mi: number;
  tc: number;
  dimwiseKl: number;
}

/**
 * The estimates and their gradients for one batch: every array is allocated here, once; `estimate`
 * fills them from the host copy of the code and writes d(weighted terms)/d(z, μ, log σ²) into it.
 */
export class TcEstimates {
  /** log q(z_j,l | x_i) at [(j·B + i)·D + l] */
  private readonly logDensity: Float64Array;
  /** the softmax over i of log w_ji + log q(z_j,l | x_i): each posterior's share in q̂(z_j,l) */
  private readonly marginalShare: Float64Array;
  /** log w_ji + log q(z_j | x_i), then its softmax over i: each posterior's share in q̂(z_j) */
  private readonly jointShare: Float64Array;
  /** log w_ji */
  private readonly logWeight: Float64Array;
  private readonly column: Float64Array;

  constructor(private readonly code: HostCode) {
    const [B, D] = [code.batch, code.latents];
    this.logDensity = new Float64Array(B * B * D);
    this.marginalShare = new Float64Array(B * B * D);
    this.jointShare = new Float64Array(B * B);
    this.logWeight = new Float64Array(B * B);
    this.column = new Float64Array(B);
  }

  /** The estimates for the code's current values; gradients of (α − 1)·MI + (β − 1)·TC + (γ − 1)·dimension-wise KL into the code's dz, dμ, d log σ². */
  estimate(o: TcvaeObjective): TcTerms {
    const { batch: B, latents: D, mu, logvar, z } = this.code;
    const { logDensity: L, marginalShare: S, jointShare: J, logWeight: W, column } = this;
    this.fillWeights(o);
    for (let j = 0; j < B; j++) {
      for (let i = 0; i < B; i++) {
        let joint = 0;
        for (let l = 0; l < D; l++) {
          const d = z[j * D + l] - mu[i * D + l];
          const lv = logvar[i * D + l];
          const v = -0.5 * (LOG_2PI + lv + d * d * Math.exp(-lv));
          L[(j * B + i) * D + l] = v;
          joint += v;
        }
        J[j * B + i] = W[j * B + i] + joint;
      }
    }
    let mi = 0, tc = 0, dimwise = 0;
    for (let j = 0; j < B; j++) {
      let own = 0, prior = 0, marginals = 0;
      for (let l = 0; l < D; l++) {
        own += L[(j * B + j) * D + l];
        prior += -0.5 * (LOG_2PI + z[j * D + l] ** 2);
        for (let i = 0; i < B; i++) column[i] = W[j * B + i] + L[(j * B + i) * D + l];
        const lse = softmaxInPlace(column);
        marginals += lse;
        for (let i = 0; i < B; i++) S[(j * B + i) * D + l] = column[i];
      }
      const joint = softmaxInPlace(J.subarray(j * B, (j + 1) * B));
      mi += own - joint;
      tc += joint - marginals;
      dimwise += marginals - prior;
    }
    this.gradients(o);
    return { mi: mi / B, tc: tc / B, dimwiseKl: dimwise / B };
  }

  /** log w_ji: the estimator's weight of posterior i in q̂(z_j). */
  private fillWeights(o: TcvaeObjective): void {
    const B = this.code.batch, N = o.datasetSize, W = this.logWeight;
    if (o.estimator === "mws") {
      W.fill(-Math.log(N * B));
      return;
    }
    const M = B - 1;
    W.fill(-Math.log(M));
    for (let j = 0; j < B; j++) {
      W[j * B + j] = -Math.log(N);
      W[j * B + ((j + 1) % B)] = Math.log((N - M) / (N * M));
    }
  }

  /**
   * With a = α − 1, b = β − 1, c = γ − 1 and F = (1/B) Σ_j a·(log q(z_j|x_j) − log q̂(z_j)) +
   * b·(log q̂(z_j) − Σ_l log q̂(z_j,l)) + c·(Σ_l log q̂(z_j,l) − log p(z_j)):
   * dF/d log q(z_j,l | x_i) = (a·[i = j] + (b − a)·share_ji + (c − b)·share_jil) / B.
   */
  private gradients(o: TcvaeObjective): void {
    const { batch: B, latents: D, mu, logvar, z, dz, dmu, dlogvar } = this.code;
    const [a, b, c] = [o.alpha - 1, o.beta - 1, o.gamma - 1];
    const { marginalShare: S, jointShare: J } = this;
    dmu.fill(0);
    dlogvar.fill(0);
    for (let j = 0; j < B; j++) {
      for (let l = 0; l < D; l++) {
        let gz = (c * z[j * D + l]) / B; // −c · d log p(z_j) / dz
        for (let i = 0; i < B; i++) {
          const g = ((i === j ? a : 0) + (b - a) * J[j * B + i] + (c - b) * S[(j * B + i) * D + l]) / B;
          const precision = Math.exp(-logvar[i * D + l]);
          const d = z[j * D + l] - mu[i * D + l];
          gz -= g * d * precision;
          dmu[i * D + l] += g * d * precision;
          dlogvar[i * D + l] += g * 0.5 * (d * d * precision - 1);
        }
        dz[j * D + l] = gz;
      }
    }
  }
}

/** Replaces `x` by its softmax and returns log Σ exp(x), both without overflow. */
function softmaxInPlace(x: Float64Array): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    x[i] = Math.exp(x[i] - max);
    sum += x[i];
  }
  for (let i = 0; i < x.length; i++) x[i] /= sum;
  return max + Math.log(sum);
}

export function tcvaeReport(o: TcvaeObjective, recon: number, kl: number, t: TcTerms): ObjectiveReport {
  const loss = recon + kl + (o.alpha - 1) * t.mi + (o.beta - 1) * t.tc + (o.gamma - 1) * t.dimwiseKl;
  return { loss, klWeight: 1, capacity: null, terms: { mi: t.mi, tc: t.tc, dimwiseKl: t.dimwiseKl } };
}

function tcvaeRun(latent: LatentCode): ObjectiveRun<TcvaeObjective> {
  const code = new HostCode(latent, true);
  const estimates = new TcEstimates(code);
  return {
    async evaluate(o, step) {
      if (o.estimator === "mss" && latent.batch < 2) throw new ObjectiveError("the stratified estimator needs a batch of at least 2");
      if (o.estimator === "mss" && o.datasetSize < latent.batch - 1) {
        throw new ObjectiveError(`the stratified estimator needs dataset-size ≥ batch − 1 (${latent.batch - 1}), got ${o.datasetSize}`);
      }
      await code.read();
      return tcvaeReport(o, step.recon, step.kl, estimates.estimate(o));
    },
    addSampleGradient: () => code.addSampleGradient(),
    addPosteriorGradient() {
      addKlGradient(latent, 1);
      code.addPosteriorGradient();
    },
  };
}

const SETTINGS = [
  { field: "beta", flag: "beta", symbol: "β", help: "weight of the total correlation", default: 6, min: 0, weighs: "the total-correlation term" },
  { field: "alpha", flag: "alpha", symbol: "α", help: "weight of the index-code mutual information", default: 1, min: 0, weighs: "the mutual-information term" },
  { field: "gamma", flag: "gamma", symbol: "γ", help: "weight of the dimension-wise KL", default: 1, min: 0, weighs: "the dimension-wise KL term" },
  {
    field: "datasetSize", flag: "dataset-size", symbol: "N", help: "training images N the total-correlation estimator assumes",
    default: 737280, min: 1, integer: true, datasetSize: true,
  },
  { field: "estimator", flag: "estimator", help: "minibatch-weighted (mws) or minibatch-stratified (mss) sampling", default: "mws", choices: ["mws", "mss"] },
] as const;

export const TCVAE: ObjectiveKind<TcvaeObjective> = {
  kind: "tcvae",
  label: "β-TCVAE",
  settings: SETTINGS,
  validate: (o) => checkSettings(SETTINGS, o),
  describe: (o) => `β-TCVAE, α = ${o.alpha}, β = ${o.beta}, γ = ${o.gamma}, ${o.estimator.toUpperCase()} over N = ${o.datasetSize}`,
  build: tcvaeRun,
};

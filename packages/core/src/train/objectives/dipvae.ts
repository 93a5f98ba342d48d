// DIP-VAE (Kumar et al. 2018): the β = 1 ELBO plus a penalty pulling a covariance of the code
// toward the identity,
//   λ_od · Σ_{k≠l} C_kl² + λ_d · Σ_k (C_kk − 1)²,   λ_d = lambda_d_factor · λ_od,
// where C is the batch covariance of the encoder means (DIP-VAE-I) or that plus the mean
// posterior variance, the covariance of the aggregate posterior (DIP-VAE-II). As in
// disentanglement_lib's DIPVAE the covariance divides by the batch size B.
import type { LatentCode } from "../../model/vae";
import { HostCode } from "./host-code";
import { addKlGradient } from "./kl-weighted";
import { type NumberSetting, type ObjectiveKind, type ObjectiveReport, type ObjectiveRun, checkSettings } from "./objective";

export interface DipVaeObjective {
  kind: "dipvae-i" | "dipvae-ii";
  /** λ_od, the weight of the off-diagonal entries */
  lambdaOd: number;
  /** λ_d / λ_od */
  lambdaDFactor: number;
}
export type DipVaeIObjective = DipVaeObjective & { kind: "dipvae-i" };
export type DipVaeIIObjective = DipVaeObjective & { kind: "dipvae-ii" };

/** The penalty's two parts, weighted, nats per image as the loss counts them. */
export interface DipPenalty {
  offDiagonal: number;
  diagonal: number;
}

/** The covariance and the penalty's gradient for one batch; arrays allocated here, once. */
export class DipCovariance {
  /** C, D × D */
  readonly covariance: Float64Array;
  private readonly mean: Float64Array;
  /** dP/dC, D × D */
  private readonly slope: Float64Array;

  constructor(private readonly code: HostCode) {
    const D = code.latents;
    this.covariance = new Float64Array(D * D);
    this.mean = new Float64Array(D);
    this.slope = new Float64Array(D * D);
  }

  /** The penalty for the code's current μ (and log σ² for II); its gradient into the code's dμ, d log σ². */
  penalty(o: DipVaeObjective): DipPenalty {
    const { batch: B, latents: D, mu, logvar, dmu, dlogvar } = this.code;
    const { covariance: C, mean, slope: G } = this;
    const aggregate = o.kind === "dipvae-ii";
    const lambdaD = o.lambdaDFactor * o.lambdaOd;
    mean.fill(0);
    for (let i = 0; i < B; i++) for (let k = 0; k < D; k++) mean[k] += mu[i * D + k] / B;
    C.fill(0);
    for (let i = 0; i < B; i++) {
      for (let k = 0; k < D; k++) {
        const dk = mu[i * D + k] - mean[k];
        for (let l = 0; l < D; l++) C[k * D + l] += (dk * (mu[i * D + l] - mean[l])) / B;
        if (aggregate) C[k * D + k] += Math.exp(logvar[i * D + k]) / B;
      }
    }
    let offDiagonal = 0, diagonal = 0;
    for (let k = 0; k < D; k++) {
      for (let l = 0; l < D; l++) {
        const c = C[k * D + l];
        if (k === l) {
          diagonal += lambdaD * (c - 1) ** 2;
          G[k * D + l] = 2 * lambdaD * (c - 1);
        } else {
          offDiagonal += o.lambdaOd * c * c;
          G[k * D + l] = 2 * o.lambdaOd * c;
        }
      }
    }
    // dP/dμ_ik = (2/B) Σ_l G_kl (μ_il − m_l) (G symmetric; the mean's own derivative sums to zero); II: dP/d log σ²_ik = G_kk σ²_ik / B
    for (let i = 0; i < B; i++) {
      for (let k = 0; k < D; k++) {
        let g = 0;
        for (let l = 0; l < D; l++) g += G[k * D + l] * (mu[i * D + l] - mean[l]);
        dmu[i * D + k] = (2 * g) / B;
        dlogvar[i * D + k] = aggregate ? (G[k * D + k] * Math.exp(logvar[i * D + k])) / B : 0;
      }
    }
    return { offDiagonal, diagonal };
  }
}

export function dipReport(recon: number, kl: number, p: DipPenalty): ObjectiveReport {
  return { loss: recon + kl + p.offDiagonal + p.diagonal, klWeight: 1, capacity: null, terms: { dipOffDiagonal: p.offDiagonal, dipDiagonal: p.diagonal } };
}

function dipRun(latent: LatentCode): ObjectiveRun<DipVaeObjective> {
  const code = new HostCode(latent, false);
  const covariance = new DipCovariance(code);
  return {
    async evaluate(o, step) {
      await code.read();
      return dipReport(step.recon, step.kl, covariance.penalty(o));
    },
    addPosteriorGradient() {
      addKlGradient(latent, 1);
      code.addPosteriorGradient();
    },
  };
}

/** disentanglement_lib's unsupervised study sweeps λ_od over 1, 2, 5, 10, 20, 50 with lambda_d_factor 10 for I and 1 for II. */
function dipSettings(lambdaDFactor: number): NumberSetting[] {
  return [
    { field: "lambdaOd", flag: "lambda-od", symbol: "λ_od", help: "weight of the code covariance's off-diagonal entries", default: 10, min: 0, weighs: "the DIP penalty" },
    { field: "lambdaDFactor", flag: "lambda-d-factor", help: "λ_d / λ_od, the diagonal entries' weight relative to the off-diagonal ones", default: lambdaDFactor, min: 0, weighs: "the DIP penalty" },
  ];
}

function dipKind<O extends DipVaeObjective>(kind: O["kind"], label: string, lambdaDFactor: number, of: string): ObjectiveKind<O> {
  const settings = dipSettings(lambdaDFactor);
  return {
    kind, label, settings,
    validate: (o) => checkSettings(settings, o),
    describe: (o) => `${label}, λ_od = ${o.lambdaOd}, λ_d = ${o.lambdaDFactor * o.lambdaOd} on the covariance of ${of}`,
    build: dipRun as (code: LatentCode) => ObjectiveRun<O>,
  };
}

export const DIPVAE_I = dipKind<DipVaeIObjective>("dipvae-i", "DIP-VAE-I", 10, "the encoder means");
export const DIPVAE_II = dipKind<DipVaeIIObjective>("dipvae-ii", "DIP-VAE-II", 1, "the aggregate posterior");

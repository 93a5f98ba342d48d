import { describe, expect, it } from "vitest";
import { ReferenceBackend } from "../../backend/reference";
import type { ModelConfig } from "../../model/config";
import type { LatentCode } from "../../model/vae";
import { Rng } from "../../rng";
import { checkObjectiveGradients, compareFiniteDifferences } from "../../testing/objective-gradients";
import { checkResume } from "../../testing/resume-check";
import { WasmBackend } from "../../backend/wasm";
import { SquaresSource } from "../../testing/squares-source";
import { DEFAULT_OPTIMISER, Trainer } from "../trainer";
import { HostCode } from "./host-code";
import { describeObjective, objectiveFromSettings, validateObjective } from "./index";
import { TcEstimates, type TcvaeObjective } from "./tcvae";

const TCVAE: TcvaeObjective = { kind: "tcvae", beta: 6, alpha: 1, gamma: 1, datasetSize: 1000, estimator: "mws" };
const SMALL: ModelConfig = { height: 16, width: 16, channels: 1, latents: 3, convChannels: 2, hidden: 3, likelihood: "bernoulli", variance: 1 };

/** A host code of `batch` × `latents` on its own, for the estimator alone. */
function hostCode(batch: number, latents: number): HostCode {
  const backend = new ReferenceBackend("f64");
  const n = batch * latents;
  const code = { backend, batch, latents, dz: backend.alloc(n), dmu: backend.alloc(n), dlogvar: backend.alloc(n) };
  return new HostCode(code as unknown as LatentCode, true);
}

/**
 * Codes whose aggregate posterior is a known Gaussian: means μ ~ N(0, [[1, ρ], [ρ, 1]]),
 * posteriors N(μ, 0.25·I), z drawn from them; q(z) = N(0, [[1.25, ρ], [ρ, 1.25]]).
 */
function gaussianCodes(code: HostCode, rho: number, rng: Rng): void {
  for (let i = 0; i < code.batch; i++) {
    const [a, b] = [rng.normal(), rng.normal()];
    code.mu.set([a, rho * a + Math.sqrt(1 - rho * rho) * b], i * 2);
    code.logvar.set([Math.log(0.25), Math.log(0.25)], i * 2);
    code.z.set([code.mu[i * 2] + 0.5 * rng.normal(), code.mu[i * 2 + 1] + 0.5 * rng.normal()], i * 2);
  }
}

/** The three terms' true values for `gaussianCodes(ρ)`. */
function gaussianTruth(rho: number): { mi: number; tc: number; dimwiseKl: number } {
  const [v, det] = [1.25, 1.25 * 1.25 - rho * rho];
  return {
    mi: 0.5 * Math.log(det / (0.25 * 0.25)), // log det(Σ_q(z)) − log det(posterior covariance), halved
    tc: 0.5 * Math.log((v * v) / det),
    dimwiseKl: 2 * 0.5 * (v - 1 - Math.log(v)), // each marginal N(0, 1.25) against N(0, 1)
  };
}

/** Mean estimates over `batches` batches of 400. */
function meanEstimates(o: TcvaeObjective, rho: number, batches: number): { mi: number; tc: number; dimwiseKl: number } {
  const code = hostCode(400, 2);
  const estimates = new TcEstimates(code);
  const rng = new Rng(5);
  const sum = { mi: 0, tc: 0, dimwiseKl: 0 };
  for (let b = 0; b < batches; b++) {
    gaussianCodes(code, rho, rng);
    const t = estimates.estimate(o);
    for (const k of ["mi", "tc", "dimwiseKl"] as const) sum[k] += t[k] / batches;
  }
  return sum;
}

describe("β-TCVAE", () => {
  it("takes disentanglement_lib's β and names its settings", () => {
    expect(objectiveFromSettings("tcvae", {}, 737280)).toEqual({ kind: "tcvae", beta: 6, alpha: 1, gamma: 1, datasetSize: 737280, estimator: "mws" });
    expect(describeObjective(TCVAE)).toBe("β-TCVAE, α = 1, β = 6, γ = 1, MWS over N = 1000");
    expect(() => validateObjective({ ...TCVAE, estimator: "exact" as never })).toThrow("estimator must be mws or mss, got exact");
    expect(() => validateObjective({ ...TCVAE, datasetSize: 0.5 })).toThrow("dataset-size must be an integer ≥ 1, got 0.5");
    expect(() => validateObjective({ ...TCVAE, alpha: -1 })).toThrow("alpha must be a number ≥ 0, got -1");
  });

  it("estimates MI, TC and dimension-wise KL of a known Gaussian aggregate (stratified)", () => {
    const mss: TcvaeObjective = { ...TCVAE, estimator: "mss", datasetSize: 1e9 };
    for (const rho of [0, 0.9]) {
      const got = meanEstimates(mss, rho, 6), want = gaussianTruth(rho);
      expect(Math.abs(got.tc - want.tc)).toBeLessThan(0.03);
      expect(Math.abs(got.mi - want.mi)).toBeLessThan(0.05);
      expect(Math.abs(got.dimwiseKl - want.dimwiseKl)).toBeLessThan(0.03);
    }
    // independent factorised codes: no total correlation; correlated ones (ρ = 0.9): about 0.37 nats
    expect(Math.abs(meanEstimates(mss, 0, 6).tc)).toBeLessThan(0.03);
    expect(meanEstimates(mss, 0.9, 6).tc).toBeGreaterThan(0.3);
  });

  it("agrees with the stratified estimate in expectation, up to MWS's constant offsets in N", () => {
    const N = 5000;
    const mws = meanEstimates({ ...TCVAE, estimator: "mws", datasetSize: N }, 0.6, 6);
    const mss = meanEstimates({ ...TCVAE, estimator: "mss", datasetSize: N }, 0.6, 6);
    // MWS weights every posterior 1/(N·B): log q̂(z) sits log N below, each marginal too
    expect(Math.abs(mws.mi - Math.log(N) - mss.mi)).toBeLessThan(0.03);
    expect(Math.abs(mws.tc - Math.log(N) - mss.tc)).toBeLessThan(0.03); // (D − 1)·log N, D = 2
    expect(Math.abs(mws.dimwiseKl + 2 * Math.log(N) - mss.dimwiseKl)).toBeLessThan(0.03);
  });

  it("splits the sampled KL exactly: MI + TC + dimension-wise KL = mean log q(z|x) − log p(z)", () => {
    const code = hostCode(7, 3);
    const rng = new Rng(2);
    for (let k = 0; k < 21; k++) [code.mu[k], code.logvar[k], code.z[k]] = [rng.normal(), rng.uniform(-2, 1), rng.normal()];
    let sampledKl = 0;
    for (let j = 0; j < 7; j++) {
      for (let l = 0; l < 3; l++) {
        const [d, lv, zz] = [code.z[j * 3 + l] - code.mu[j * 3 + l], code.logvar[j * 3 + l], code.z[j * 3 + l]];
        sampledKl += (-0.5 * (lv + (d * d) / Math.exp(lv)) + 0.5 * zz * zz) / 7;
      }
    }
    for (const estimator of ["mws", "mss"] as const) {
      const t = new TcEstimates(code).estimate({ ...TCVAE, estimator });
      expect(t.mi + t.tc + t.dimwiseKl).toBeCloseTo(sampledKl, 10);
    }
  });

  it("gets the estimates' gradients in z, μ and log σ² right (finite differences, float64)", async () => {
    const code = hostCode(5, 3);
    const rng = new Rng(4);
    for (let k = 0; k < 15; k++) [code.mu[k], code.logvar[k], code.z[k]] = [rng.normal(), rng.uniform(-1, 0.5), rng.normal()];
    for (const estimator of ["mws", "mss"] as const) {
      const o: TcvaeObjective = { ...TCVAE, alpha: 0.3, beta: 5, gamma: 2.5, datasetSize: 40, estimator };
      const estimates = new TcEstimates(code);
      const weighted = () => {
        const t = estimates.estimate(o);
        return (o.alpha - 1) * t.mi + (o.beta - 1) * t.tc + (o.gamma - 1) * t.dimwiseKl;
      };
      weighted();
      const analytic = [Float64Array.from(code.dz), Float64Array.from(code.dmu), Float64Array.from(code.dlogvar)];
      const values = [code.z, code.mu, code.logvar];
      const { worst, largest } = await compareFiniteDifferences(values.map((v, k) => ({ values: v, analytic: analytic[k] })), weighted);
      expect(largest).toBeGreaterThan(0.05);
      expect(worst / largest).toBeLessThan(1e-7);
    }
  });

  it("gets gradients that match finite differences through the whole model (float64 reference)", async () => {
    for (const estimator of ["mws", "mss"] as const) {
      const { worst, largest } = await checkObjectiveGradients({ ...TCVAE, alpha: 2, gamma: 0.5, datasetSize: 10, estimator }, SMALL, 3);
      expect(largest).toBeGreaterThan(0.01);
      expect(worst / largest).toBeLessThan(1e-6);
    }
  });

  it("logs its terms, checkpoints and resumes bitwise at one thread", async () => {
    const objective: TcvaeObjective = { ...TCVAE, estimator: "mss", datasetSize: 100 };
    const config = { model: { ...SMALL, latents: 4, convChannels: 8, hidden: 32 }, objective, optimiser: { ...DEFAULT_OPTIMISER, lr: 2e-3 }, batch: 8, seed: 3 };
    const { straight, resumed, sameState, stored } = await checkResume(config, 6, 3);
    expect(stored).toEqual(objective);
    expect(resumed).toEqual(straight);
    expect(sameState).toBe(true);
    const m = straight[0];
    expect(Object.keys(m.terms)).toEqual(["mi", "tc", "dimwiseKl"]);
    expect(m.loss).toBeCloseTo(m.recon + m.kl + 5 * m.terms.tc, 3);
    // the stratified weights need N ≥ B − 1
    const t = new Trainer(await WasmBackend.create(), { ...config, objective: { ...objective, datasetSize: 3 } }, new SquaresSource(16, 1));
    await expect(t.trainStep()).rejects.toThrow("the stratified estimator needs dataset-size ≥ batch − 1 (7), got 3");
  });
});

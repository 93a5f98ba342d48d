import { describe, expect, it } from "vitest";
import { ReferenceBackend } from "../../backend/reference";
import type { ModelConfig } from "../../model/config";
import type { LatentCode } from "../../model/vae";
import { Rng } from "../../rng";
import { checkObjectiveGradients, compareFiniteDifferences } from "../../testing/objective-gradients";
import { checkResume } from "../../testing/resume-check";
import { DEFAULT_OPTIMISER } from "../trainer";
import { DipCovariance, type DipVaeObjective } from "./dipvae";
import { HostCode } from "./host-code";
import { describeObjective, objectiveFromSettings, validateObjective } from "./index";

const SMALL: ModelConfig = { height: 16, width: 16, channels: 1, latents: 3, convChannels: 2, hidden: 3, likelihood: "bernoulli", variance: 1 };
const DIP_I: DipVaeObjective = { kind: "dipvae-i", lambdaOd: 10, lambdaDFactor: 10 };
const DIP_II: DipVaeObjective = { kind: "dipvae-ii", lambdaOd: 10, lambdaDFactor: 1 };

function hostCode(batch: number, latents: number, mu: number[], logvar: number[] = mu.map(() => 0)): HostCode {
  const backend = new ReferenceBackend("f64");
  const n = batch * latents;
  const code = new HostCode({ backend, batch, latents, dz: backend.alloc(n), dmu: backend.alloc(n), dlogvar: backend.alloc(n) } as unknown as LatentCode, false);
  code.mu.set(mu);
  code.logvar.set(logvar);
  return code;
}

const SQUARE = [1, 1, 1, -1, -1, 1, -1, -1]; // four codes whose covariance is the identity

describe("DIP-VAE", () => {
  it("takes disentanglement_lib's λ_d factors, 10 for I and 1 for II", () => {
    expect(objectiveFromSettings("dipvae-i", {})).toEqual(DIP_I);
    expect(objectiveFromSettings("dipvae-ii", { "lambda-od": 5 })).toEqual({ ...DIP_II, lambdaOd: 5 });
    expect(describeObjective(DIP_I)).toBe("DIP-VAE-I, λ_od = 10, λ_d = 100 on the covariance of the encoder means");
    expect(describeObjective(DIP_II)).toBe("DIP-VAE-II, λ_od = 10, λ_d = 10 on the covariance of the aggregate posterior");
    expect(() => validateObjective({ ...DIP_I, lambdaOd: -2 })).toThrow("lambda-od must be a number ≥ 0, got -2");
  });

  it("is zero, with zero gradient, where the covariance is the identity", () => {
    const code = hostCode(4, 2, SQUARE);
    expect(new DipCovariance(code).penalty(DIP_I)).toEqual({ offDiagonal: 0, diagonal: 0 });
    expect([...code.dmu].every((g) => g === 0)).toBe(true);
    // II: means of covariance 0.75·I and posterior variances 0.25 make the identity
    const ii = hostCode(4, 2, SQUARE.map((m) => m * Math.sqrt(0.75)), SQUARE.map(() => Math.log(0.25)));
    const p = new DipCovariance(ii).penalty(DIP_II);
    expect(p.offDiagonal + p.diagonal).toBeLessThan(1e-28);
    // I alone sees only the means: 0.75 on the diagonal
    expect(new DipCovariance(ii).penalty(DIP_I).diagonal).toBeCloseTo(100 * 2 * 0.25 ** 2, 12);
  });

  it("weights off-diagonal and diagonal entries by λ_od and λ_d = factor · λ_od", () => {
    const covariance = new DipCovariance(hostCode(2, 2, [1, 1, -1, -1])); // covariance [[1, 1], [1, 1]]
    expect(covariance.penalty({ ...DIP_I, lambdaOd: 3 })).toEqual({ offDiagonal: 3 * 2, diagonal: 0 });
    const scaled = new DipCovariance(hostCode(2, 2, [2, 0, -2, 0])); // [[4, 0], [0, 0]]
    expect(scaled.penalty({ ...DIP_I, lambdaOd: 3, lambdaDFactor: 2 })).toEqual({ offDiagonal: 0, diagonal: 6 * (9 + 1) });
  });

  it("drives the covariance to the identity when optimised", () => {
    for (const o of [DIP_I, DIP_II]) {
      const rng = new Rng(8);
      const mu = Array.from({ length: 32 * 3 }, () => rng.normal());
      for (let i = 0; i < 32; i++) mu[i * 3 + 1] = 0.8 * mu[i * 3] + 0.3 * mu[i * 3 + 1]; // correlated latents
      const code = hostCode(32, 3, mu, mu.map(() => -1));
      const covariance = new DipCovariance(code);
      const before = covariance.penalty(o);
      let after = before;
      const rate = (0.05 / (o.lambdaOd * Math.max(1, o.lambdaDFactor))) * 32; // gradient descent, stable at the penalty's curvature
      for (let step = 0; step < 300; step++) {
        for (let k = 0; k < code.mu.length; k++) {
          code.mu[k] -= rate * code.dmu[k];
          code.logvar[k] -= rate * code.dlogvar[k];
        }
        after = covariance.penalty(o);
      }
      expect(before.offDiagonal + before.diagonal).toBeGreaterThan(10);
      expect(after.offDiagonal + after.diagonal).toBeLessThan(1e-4 * (before.offDiagonal + before.diagonal));
    }
  });

  it("gets its gradients in μ and log σ² right (finite differences, float64)", async () => {
    const rng = new Rng(4);
    for (const o of [DIP_I, DIP_II]) {
      const code = hostCode(5, 3, Array.from({ length: 15 }, () => rng.normal()), Array.from({ length: 15 }, () => rng.uniform(-1, 0.5)));
      const covariance = new DipCovariance(code);
      const total = () => {
        const p = covariance.penalty({ ...o, lambdaOd: 1.5, lambdaDFactor: 3 });
        return p.offDiagonal + p.diagonal;
      };
      total();
      const analytic = [Float64Array.from(code.dmu), Float64Array.from(code.dlogvar)];
      const { worst, largest } = await compareFiniteDifferences([code.mu, code.logvar].map((v, k) => ({ values: v, analytic: analytic[k] })), total);
      expect(largest).toBeGreaterThan(0.1);
      expect(worst / largest).toBeLessThan(1e-7);
      if (o.kind === "dipvae-i") expect(analytic[1].every((g) => g === 0)).toBe(true);
    }
  });

  it("gets gradients that match finite differences through the whole model (float64 reference)", async () => {
    for (const o of [DIP_I, DIP_II]) {
      const { worst, largest } = await checkObjectiveGradients({ ...o, lambdaOd: 2 }, SMALL, 3);
      expect(largest).toBeGreaterThan(0.01);
      expect(worst / largest).toBeLessThan(1e-6);
    }
  });

  it("logs its terms, checkpoints and resumes bitwise at one thread", async () => {
    const config = { model: { ...SMALL, latents: 4, convChannels: 8, hidden: 32 }, objective: DIP_II, optimiser: { ...DEFAULT_OPTIMISER, lr: 2e-3 }, batch: 8, seed: 3 };
    const { straight, resumed, sameState, stored } = await checkResume(config, 6, 3);
    expect(stored).toEqual(DIP_II);
    expect(resumed).toEqual(straight);
    expect(sameState).toBe(true);
    const m = straight[0];
    expect(Object.keys(m.terms)).toEqual(["dipOffDiagonal", "dipDiagonal"]);
    expect(m.loss).toBe(m.recon + m.kl + m.terms.dipOffDiagonal + m.terms.dipDiagonal);
  });
});

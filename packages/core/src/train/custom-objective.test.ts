// An objective defined here alone, through the public seam (a kind, registered; its descriptor
// type declared by augmenting ObjectiveKinds), trained, checkpointed and resumed, and its
// gradients checked against finite differences: no model, trainer or checkpoint code knows it.
//
// β·KL(q(z_j|x) ‖ N(m_j, 1)) on a subset S of the latents only, with the prior means m learned
// (a parameter of the objective's own, with its own Adam), plus λ/2·‖z_S − m‖² on the sample:
// it adds to dz, to dμ and d log σ², and owns a tensor that checkpoints must carry.
import { describe, expect, it } from "vitest";
import type { Backend } from "../backend/backend";
import { ReferenceBackend } from "../backend/reference";
import { WasmBackend } from "../backend/wasm";
import type { ModelConfig } from "../model/config";
import { ParameterArena } from "../model/parameters";
import type { LatentCode } from "../model/vae";
import { Rng } from "../rng";
import { checkObjectiveGradients } from "../testing/objective-gradients";
import { arenaValues, squaresTrainer } from "../testing/resume-check";
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from "./checkpoint";
import { type Objective, describeObjective, registerObjective, validateObjective } from "./objectives/index";
import { type ObjectiveKind, type ObjectiveReport, type ObjectiveRun, ObjectiveError, type ObjectiveStep, requireNonNegative } from "./objectives/objective";
import { DEFAULT_OPTIMISER, Trainer, type TrainingConfig } from "./trainer";

interface SubsetPriorObjective {
  kind: "subset-prior";
  beta: number;
  /** the latents S the prior applies to */
  latents: number[];
  /** λ, the pull of the sample toward the prior mean */
  pull: number;
  /** the prior means' Adam learning rate */
  lr: number;
}

/** An objective whose tensor takes a name the model's has. */
interface ShadowObjective {
  kind: "shadow";
}

declare module "./objectives/index" {
  interface ObjectiveKinds {
    "subset-prior": SubsetPriorObjective;
    shadow: ShadowObjective;
  }
}

type Host = Float32Array | Float64Array;

/** A buffer's values on the host, at float64 on the float64 reference (where gradients are checked against finite differences). */
async function hostCopy(be: Backend, buf: LatentCode["mu"]): Promise<Host> {
  return be instanceof ReferenceBackend ? Float64Array.from(be.view(buf)) : be.read(buf);
}

function subsetPriorRun(code: LatentCode, seed: number): ObjectiveRun<SubsetPriorObjective> {
  const be = code.backend;
  const [B, L] = [code.batch, code.latents];
  const [prior] = ParameterArena.build(be, (param) => param("prior.mean", [L], 1));
  prior.initialise(new Rng(seed)); // a 1-d tensor: zeros
  const grad = new Float32Array(L);
  let o: SubsetPriorObjective, step: number, mean: Host, mu: Host, logvar: Host, z: Host;
  // Read-modify-write through the host works on every backend (no op adds in place on a GPU).
  const addTo = async (target: LatentCode["dz"], gradient: (i: number, j: number) => number) => {
    const g = await hostCopy(be, target);
    for (let i = 0; i < B; i++) for (const j of o.latents) g[i * L + j] += gradient(i, j);
    be.write(target, g);
  };
  return {
    parameters: [prior],
    async evaluate(objective: SubsetPriorObjective, s: ObjectiveStep): Promise<ObjectiveReport> {
      [o, step] = [objective, s.step];
      [mean, mu, logvar, z] = await Promise.all([prior.values, code.mu, code.logvar, code.z].map((b) => hostCopy(be, b)));
      let kl = 0, pulled = 0;
      for (let i = 0; i < B; i++) {
        for (const j of o.latents) {
          const [d, lv, dz] = [mu[i * L + j] - mean[j], logvar[i * L + j], z[i * L + j] - mean[j]];
          kl += 0.5 * (Math.exp(lv) + d * d - 1 - lv);
          pulled += 0.5 * dz * dz;
        }
      }
      const terms = { subsetKl: (o.beta * kl) / B, pull: (o.pull * pulled) / B };
      return { loss: s.recon + terms.subsetKl + terms.pull, klWeight: o.beta, capacity: null, terms };
    },
    addSampleGradient: () => addTo(code.dz, (i, j) => (o.pull * (z[i * L + j] - mean[j])) / B),
    async addPosteriorGradient() {
      await addTo(code.dmu, (i, j) => (o.beta * (mu[i * L + j] - mean[j])) / B);
      await addTo(code.dlogvar, (i, j) => (o.beta * 0.5 * (Math.exp(logvar[i * L + j]) - 1)) / B);
    },
    update() {
      grad.fill(0);
      for (let i = 0; i < B; i++) {
        for (const j of o.latents) grad[j] -= (o.beta * (mu[i * L + j] - mean[j]) + o.pull * (z[i * L + j] - mean[j])) / B;
      }
      be.write(prior.grads, grad);
      be.adamUpdate(prior.values, prior.grads, prior.adamM, prior.adamV, prior.size, { ...DEFAULT_OPTIMISER, lr: o.lr, step: step + 1 });
    },
  };
}

const SUBSET_PRIOR: ObjectiveKind<SubsetPriorObjective> = {
  kind: "subset-prior",
  label: "subset prior",
  settings: [
    { field: "beta", flag: "beta", help: "weight of the KL on the subset", default: 8, min: 0 },
    { field: "pull", flag: "pull", help: "λ, the pull of the sample toward the prior mean", default: 0.5, min: 0 },
    { field: "lr", flag: "prior-lr", help: "the prior means' Adam learning rate", default: 1e-2, min: 0 },
  ],
  validate(o) {
    requireNonNegative(o.beta, "beta");
    requireNonNegative(o.pull, "pull");
    if (!Array.isArray(o.latents) || !o.latents.every((j) => Number.isInteger(j) && j >= 0)) {
      throw new ObjectiveError(`latents must be a list of latent indices, got ${JSON.stringify(o.latents)}`);
    }
    if (!(o.lr > 0)) throw new ObjectiveError(`lr must be positive, got ${o.lr}`);
  },
  describe: (o) => `β = ${o.beta} toward learned prior means on z${o.latents.join(", z")}, pull ${o.pull}`,
  build: subsetPriorRun,
};
registerObjective(SUBSET_PRIOR);

const SMALL: ModelConfig = { height: 16, width: 16, channels: 1, latents: 4, convChannels: 8, hidden: 32, likelihood: "bernoulli", variance: 1 };
const SUBSET: SubsetPriorObjective = { kind: "subset-prior", beta: 8, latents: [0, 2], pull: 0.5, lr: 1e-2 };
const CONFIG: TrainingConfig = { model: SMALL, objective: SUBSET, optimiser: { ...DEFAULT_OPTIMISER, lr: 2e-3 }, batch: 8, seed: 3 };

const trainer = (config: TrainingConfig = CONFIG, backend?: Backend): Promise<Trainer> => squaresTrainer(config, backend);

describe("an objective defined in a test file", () => {
  it("validates and describes through its registered kind", () => {
    expect(validateObjective(SUBSET)).toBe(SUBSET);
    expect(describeObjective(SUBSET)).toBe("β = 8 toward learned prior means on z0, z2, pull 0.5");
    expect(() => validateObjective({ ...SUBSET, latents: [0.5] })).toThrow("latents must be a list of latent indices, got [0.5]");
  });

  it("trains: only the latents it weights are held near their prior, whose means it learns", async () => {
    const t = await trainer();
    const first = await t.trainStep();
    let last = first;
    for (let i = 0; i < 200; i++) last = await t.trainStep();
    expect(last.recon).toBeLessThan(0.6 * first.recon);
    expect(Object.keys(last.terms)).toEqual(["subsetKl", "pull"]);
    expect(last.loss).toBe(last.recon + last.terms.subsetKl + last.terms.pull);
    // KL to N(0, I): the free latents (1, 3) carry far more than the weighted ones (0, 2)
    const kl = last.klPerLatent;
    expect(Math.min(kl[1], kl[3])).toBeGreaterThan(10 * Math.max(kl[0], kl[2]));
    const means = await t.backend.read(t.parameterArenas[1].values);
    expect(means[0]).not.toBe(0);
    expect(means[2]).not.toBe(0);
    expect([means[1], means[3]]).toEqual([0, 0]); // outside S: no gradient, Adam leaves them
  });

  it("round-trips a checkpoint with its own tensors and resumes bitwise", async () => {
    const straight = await trainer();
    const straightMetrics = [];
    for (let i = 0; i < 6; i++) straightMetrics.push(await straight.trainStep());

    const first = await trainer();
    for (let i = 0; i < 3; i++) await first.trainStep();
    const checkpoint = decodeCheckpoint(await encodeCheckpoint(first));
    expect(checkpoint.config.objective).toEqual(SUBSET);
    for (const name of ["prior.mean", "optimizer.m.prior.mean", "optimizer.v.prior.mean"]) expect(checkpoint.tensors.get(name)?.shape).toEqual([4]);
    const resumed = await trainer(checkpoint.config);
    restoreCheckpoint(resumed, checkpoint);
    const resumedMetrics = [];
    for (let i = 0; i < 3; i++) resumedMetrics.push(await resumed.trainStep());
    expect(resumedMetrics).toEqual(straightMetrics.slice(3));
    const [want, got] = [await arenaValues(straight), await arenaValues(resumed)];
    expect(got.length).toBe(6);
    got.forEach((g, k) => expect(g.every((v, i) => Object.is(v, want[k][i]))).toBe(true));

    const lacking = decodeCheckpoint(await encodeCheckpoint(await trainer({ ...CONFIG, objective: { kind: "beta", beta: 4 } })));
    expect(() => restoreCheckpoint(resumed, lacking)).toThrow("checkpoint has no tensor prior.mean");
  });

  it("is switched to and from by setObjective, from the next update", async () => {
    const t = await trainer({ ...CONFIG, objective: { kind: "beta", beta: 4 } });
    expect((await t.trainStep()).terms).toEqual({ betaKl: expect.any(Number) });
    t.setObjective(SUBSET);
    expect(t.config.objective).toEqual(SUBSET);
    expect(t.parameterArenas).toHaveLength(2);
    expect(Object.keys((await t.trainStep()).terms)).toEqual(["subsetKl", "pull"]);
    t.setObjective({ ...SUBSET, beta: 2 });
    expect(t.parameterArenas).toHaveLength(2);
    expect((await t.trainStep()).klWeight).toBe(2);
    expect(() => t.setObjective({ ...SUBSET, pull: -1 })).toThrow("pull must be a non-negative number, got -1");
    expect(t.config.objective).toEqual({ ...SUBSET, beta: 2 });
  });

  it("may not name a tensor as the model does", async () => {
    registerObjective<ShadowObjective>({
      kind: "shadow", label: "shadow", settings: [], validate: () => {}, describe: () => "shadow",
      build: (code) => ({
        parameters: [ParameterArena.build(code.backend, (param) => param("encoder.mu.bias", [code.latents], 1))[0]],
        evaluate: (_, s) => ({ loss: s.recon, klWeight: 0, capacity: null, terms: {} }),
      }),
    });
    const t = await trainer();
    expect(() => t.setObjective({ kind: "shadow" })).toThrow("the shadow objective names a tensor encoder.mu.bias, a name already taken");
    expect(t.config.objective).toEqual(SUBSET);
  });

  it("gets gradients that match finite differences, through the split backward (float64 reference)", async () => {
    const objective: Objective = { ...SUBSET, latents: [0, 2] };
    const { worst, largest, analytic } = await checkObjectiveGradients(objective, { ...SMALL, latents: 3, convChannels: 2, hidden: 3 }, 3, (run, view) => {
      view(run.parameters![0].values).set([0.3, -0.7, -0.4]);
    });
    expect(analytic[1][1]).toBe(0); // z1 is outside S
    expect(Math.abs(analytic[1][0])).toBeGreaterThan(0.01);
    expect(largest).toBeGreaterThan(0.01);
    expect(worst / largest).toBeLessThan(1e-6);
  });
});

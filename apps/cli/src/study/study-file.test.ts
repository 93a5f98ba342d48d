// A study file becomes its runs, every value checked by the flag spec of the command it goes
// to; what cannot work is one line naming the place in the file.
import { describe, expect, it } from "vitest";
import { StudyError, type StudyRun, canonicalJson, formatGridValue, parseStudy, validateRun } from "./study-file";

const EXAMPLE = `
name: blobs-beta
base: { dataset: blobs, objective: beta, steps: 3000, lr: 0.0005 }
grid: { beta: [1, 4, 16, 64] }
seeds: [1, 2, 3]
eval: { metrics: [mig], samples: 10000 }
`;

const METHODS = `
name: methods
base: { dataset: blobs, steps: 300 }
grid:
  method:
    - { objective: beta, beta: 4 }
    - { objective: capacity, gamma: 500, capacity-max: 10 }
    - { objective: beta, beta: 1 }
  latents: [4, 8]
seeds: [1, 2]
`;

function refusal(text: string): string {
  try {
    parseStudy(text, "study.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(StudyError);
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message;
  }
  throw new Error(`accepted: ${text}`);
}

describe("a study file", () => {
  it("is the grid's product times the seeds, every run's settings resolved with the defaults", () => {
    const study = parseStudy(EXAMPLE, "study.yaml");
    expect(study.name).toBe("blobs-beta");
    expect(study.gridKeys).toEqual(["beta"]);
    expect(study.runs.map((r) => [r.grid.beta, r.seed])).toEqual([1, 4, 16, 64].flatMap((b) => [1, 2, 3].map((s) => [b, s])));
    const run = study.runs[4]; // β 4, seed 2
    expect(run.settings).toEqual({
      dataset: "blobs", objective: "beta", beta: 4, steps: 3000, batch: 64, lr: 0.0005, latents: 10, likelihood: "bernoulli",
      backend: "wasm", "checkpoint-every": 1000, "log-every": 10, seed: 2,
    });
    expect(run.eval).toEqual({ metrics: "mig", samples: 10000, seed: 0, backend: "wasm" });
    expect(run.id).toMatch(/^beta-4_seed-2_[0-9a-f]{12}$/);
    expect(new Set(study.runs.map((r) => r.id)).size).toBe(12);
  });

  it("names a run by its resolved settings: the same settings written another way, the same id", () => {
    const json = JSON.stringify({ name: "other name", base: { lr: 5e-4, objective: "beta", dataset: "blobs", steps: 3000, batch: 64 }, grid: { beta: ["4"] }, seeds: [2], eval: { samples: 10000, metrics: "mig" } });
    const [run] = parseStudy(json, "study.json").runs;
    expect(run.id).toBe(parseStudy(EXAMPLE, "study.yaml").runs[4].id);
    // another eval, another run
    const [other] = parseStudy(json.replace('"samples":10000', '"samples":5000'), "study.json").runs;
    expect(other.id).not.toBe(run.id);
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });

  it("varies several settings at once through a grid key that is not a setting: each value a bundle of settings", () => {
    const study = parseStudy(METHODS, "study.yaml");
    expect(study.gridKeys).toEqual(["method", "latents"]);
    expect(study.runs).toHaveLength(3 * 2 * 2);
    const capacity = study.runs.find((r) => r.grid.latents === 8 && r.seed === 2 && r.settings.objective === "capacity")!;
    expect(capacity.grid).toEqual({ method: { objective: "capacity", gamma: 500, "capacity-max": 10 }, latents: 8 });
    expect(capacity.settings).toMatchObject({ dataset: "blobs", steps: 300, objective: "capacity", gamma: 500, "capacity-max": 10, "capacity-steps": 100000, latents: 8, seed: 2 });
    expect(capacity.settings.beta).toBeUndefined(); // the other objective's flag, as bvae train keeps it
    expect(capacity.id).toMatch(/^objective-capacity_gamma-500_capacity-max-10_latents-8_[a-z0-9-]*_[0-9a-f]{12}$/); // readable part cut at 60
    expect(new Set(study.runs.map((r) => r.id)).size).toBe(12);
    // stable: the same file, the same ids; the same settings written flat, the same hash
    expect(parseStudy(METHODS, "study.yaml").runs.map((r) => r.id)).toEqual(study.runs.map((r) => r.id));
    const flat = parseStudy("name: f\nbase: { dataset: blobs, steps: 300, objective: capacity, gamma: 500, capacity-max: 10, latents: 8 }\nseeds: [2]", "f.yaml").runs[0];
    expect(flat.settings).toEqual(capacity.settings);
    expect(flat.id.slice(-12)).toBe(capacity.id.slice(-12));
    expect(formatGridValue(capacity.grid.method)).toBe("objective=capacity gamma=500 capacity-max=10");
  });

  it.each([
    ["grid: { method: [4] }", /^study\.yaml: grid\.method\[0\] must be a mapping of bvae train settings: 'method' is not a bvae train setting, so grid\.method lists bundles of them, e\.g\. \{ objective: beta, beta: 4 \} \(settings: dataset, /],
    ["grid: { method: [{}] }", /^study\.yaml: grid\.method\[0\] must be a mapping of bvae train settings/],
    ["grid: { method: [{ objective: beta, bta: 2 }] }", /^study\.yaml: grid\.method\[0\]\.bta: unknown setting 'bta': it is not a bvae train setting/],
    ["grid: { method: [{ beta: -1 }] }", /^study\.yaml: grid\.method\[0\]\.beta: --beta must be at least 0, got -1$/],
    ["grid: { method: [{ seed: 3 }] }", /^study\.yaml: grid\.method\[0\]\.seed: unknown setting 'seed': it is set by bvae sweep/],
    ["base: { beta: 4 }\ngrid: { method: [{ beta: 1 }] }", /^study\.yaml: beta is in both base and grid\.method; keep it in one$/],
    ["grid: { beta: [1], method: [{ beta: 2 }] }", /^study\.yaml: beta is in both grid and grid\.method; keep it in one$/],
    ["grid: { a: [{ beta: 1 }], b: [{ beta: 2 }] }", /^study\.yaml: beta is in both grid\.a and grid\.b; keep it in one$/],
    ["grid: { method: [{ objective: beta, beta: 4 }, { beta: 4, objective: beta }] }", /^study\.yaml: grid\.method lists beta=4 objective=beta twice$/],
    ["grid: { method: [{ objective: beta, beta: 4 }, { objective: beta }] }", /^study\.yaml: grid points \(objective=beta beta=4\) and \(objective=beta\) are the same run once defaults are filled in$/],
    ["grid: { method: [{ objective: beta, gamma: 3 }] }", /^study\.yaml: run \(objective=beta gamma=3, seed 1\): --gamma applies to the capacity, β-TCVAE and FactorVAE objectives; this run trains the β-VAE objective \(β = 4\)$/],
  ])("refuses a bad bundle, %s, in one line", (body, message) => {
    expect(refusal(`name: s\n${body}\nseeds: [1]`)).toMatch(message);
  });

  it("finds a relative data file beside the study", () => {
    const [run] = parseStudy("name: d\nbase: { data-file: data/images.npy }\nseeds: [1]", "/studies/s.yaml").runs;
    expect(run.settings["data-file"]).toBe("/studies/data/images.npy");
    const [folder] = parseStudy("name: d\nbase: { data-dir: photos, cache: cache/faces.npy, channels: 1, crop: celeba }\nseeds: [1]", "/studies/s.yaml").runs;
    expect(folder.settings).toMatchObject({ "data-dir": "/studies/photos", cache: "/studies/cache/faces.npy", channels: 1, crop: "celeba" });
  });

  it.each([
    ["base: { betta: 2 }", /^study\.yaml: base\.betta: unknown setting 'betta': it is not a bvae train setting \(settings: dataset, /],
    ["base: { threads: 2 }", /^study\.yaml: base\.threads: unknown setting 'threads': it is set by bvae sweep, not by a study/],
    ["base: { out: runs/x }", /^study\.yaml: base\.out: unknown setting 'out': it is set by bvae sweep/],
    ["grid: { beta: [] }", /^study\.yaml: grid\.beta is an empty list: the study would have no runs$/],
    ["grid: {}", /^study\.yaml: grid has no settings/],
    ["grid: { beta: 4 }", /^study\.yaml: grid\.beta must be a list of values$/],
    ["grid: { beta: [1, -2] }", /^study\.yaml: grid\.beta\[1\]: --beta must be at least 0, got -2$/],
    ["grid: { beta: [1, 1.0] }", /^study\.yaml: grid\.beta lists 1 twice$/],
    ["base: { batch: 100000 }", /^study\.yaml: base\.batch: --batch must be at most \d+, got 100000$/],
    ["base: { lr: fast }", /^study\.yaml: base\.lr: --lr must be a number, got 'fast'$/],
    ["base: { dataset: mnist }", /^study\.yaml: base\.dataset: --dataset must be one of /],
    ["base: { steps: [1] }", /^study\.yaml: base\.steps: steps must be a single value, got \[1\]$/],
    ["base: { beta: 4 }\ngrid: { beta: [1] }", /^study\.yaml: beta is in both base and grid; keep it in one$/],
    ["base: { gamma: 2 }", /^study\.yaml: run \(seed 1\): --gamma applies to the capacity, β-TCVAE and FactorVAE objectives; this run trains the β-VAE objective \(β = 4\)$/],
    ["base: { objective: dipvae-i, estimator: mss }", /^study\.yaml: run \(seed 1\): --estimator applies to the β-TCVAE objective; this run trains the DIP-VAE-I objective \(λ_od = 10\)$/],
    ["base: { objective: tcvae, estimator: exact }", /^study\.yaml: base\.estimator: --estimator must be one of mws, mss; got 'exact'$/],
    ["eval: { metrics: [foo] }", /^study\.yaml: eval\.metrics: unknown metric 'foo' \(choose from betavae, factorvae, mig, dci, sap, modularity\)$/],
    ["eval: { samples: 1 }", /^study\.yaml: eval\.samples: --samples must be at least 2, got 1$/],
    ["eval: { checkpoint: x }", /^study\.yaml: eval\.checkpoint: unknown setting 'checkpoint': it is set by bvae sweep/],
  ])("refuses %s in one line", (body, message) => {
    expect(refusal(`name: s\n${body}\nseeds: [1]`)).toMatch(message);
  });

  it.each([
    ["seeds: []", /^study\.yaml: seeds must be a non-empty list of integers, e\.g\. \[1, 2, 3\]$/],
    ["", /^study\.yaml: seeds must be a non-empty list/],
    ["seeds: 3", /^study\.yaml: seeds must be a non-empty list/],
    ["seeds: [1, 1.5]", /^study\.yaml: seeds\[1\]: --seed must be an integer, got '1\.5'$/],
    ["seeds: [1, '2']", /^study\.yaml: seeds\[1\] must be an integer, got "2"$/],
    ["seeds: [-1]", /^study\.yaml: seeds\[0\]: --seed must be at least 0, got -1$/],
    ["seeds: [2, 2]", /^study\.yaml: seeds lists 2 twice$/],
  ])("refuses a bad seeds list (%s)", (seeds, message) => {
    expect(refusal(`name: s\n${seeds}`)).toMatch(message);
  });

  it("fills another objective's settings from its own defaults, leaving the dataset's size to bvae train", () => {
    const study = parseStudy("name: s\nbase: { objective: tcvae }\ngrid: { beta: [2, 8] }\nseeds: [1]", "study.yaml");
    expect(study.runs.map((r) => r.settings)).toMatchObject([2, 8].map((beta) => ({ objective: "tcvae", beta, alpha: 1, gamma: 1, estimator: "mws" })));
    for (const other of ["dataset-size", "capacity-max", "lambda-od"]) expect(study.runs[0].settings).not.toHaveProperty(other);
  });

  it("refuses a file that is not a study", () => {
    expect(refusal("{ name: x, seeds: [1]")).toMatch(/^study\.yaml: not YAML or JSON: /);
    expect(refusal("- 1\n- 2")).toBe("study.yaml: a study is a mapping with name, base, grid, seeds and eval");
    expect(refusal("name: x\nseeds: [1]\nsweep: 2")).toBe("study.yaml: unknown key 'sweep' (a study has name, base, grid, seeds, eval)");
    expect(refusal("seeds: [1]")).toBe("study.yaml: name must be a non-empty string");
  });
});

describe("a run from outside (a queue job)", () => {
  const run = (): StudyRun => structuredClone(parseStudy(EXAMPLE, "study.yaml").runs[4]);
  const refused = (job: unknown, roots?: string[]) => {
    try {
      validateRun(job, roots);
    } catch (e) {
      expect(e).toBeInstanceOf(StudyError);
      return (e as Error).message;
    }
    throw new Error("accepted");
  };

  it("is accepted as it came from the study", () => {
    const job = JSON.parse(JSON.stringify(run()));
    expect(validateRun(job)).toEqual(run());
  });

  it("is refused with an unknown flag, a value out of range, a changed setting, a foreign id or a data file outside the roots", () => {
    expect(refused({ ...run(), settings: { ...run().settings, exec: "rm -rf /" } })).toMatch(/settings\.exec: unknown setting 'exec'/);
    expect(refused({ ...run(), settings: { ...run().settings, out: "/etc" } })).toMatch(/settings\.out: unknown setting 'out': it is set by bvae sweep/);
    expect(refused({ ...run(), settings: { ...run().settings, lr: 7 } })).toMatch(/settings\.lr: --lr must be at most 1, got 7$/);
    expect(refused({ ...run(), settings: { ...run().settings, steps: 9 } })).toMatch(/the id does not match its settings \(expected /);
    expect(refused({ ...run(), id: "../../etc" })).toMatch(/the id does not match its settings/);
    expect(refused({ ...run(), eval: { ...run().eval, metrics: "mig;ls" } })).toMatch(/eval\.metrics: unknown metric 'mig;ls'/);
    expect(refused({ ...run(), seed: 3 })).toMatch(/settings\.seed 2 is not the run's seed 3$/);
    expect(refused({ ...run(), grid: { beta: 16 } })).toMatch(/grid\.beta is not the run's setting$/);
    const { latents: _, ...partial } = run().settings;
    expect(refused({ ...run(), settings: partial })).toMatch(/settings are not complete/);
    expect(refused("bvae train")).toMatch(/^run: not a study run/);

    const bundled = parseStudy(METHODS, "study.yaml").runs[5];
    expect(validateRun(JSON.parse(JSON.stringify(bundled)))).toEqual(bundled);
    expect(refused({ ...bundled, grid: { ...bundled.grid, method: { objective: "beta", beta: 1 } } })).toMatch(/grid\.method is not the run's setting$/);
    expect(refused({ ...bundled, grid: { ...bundled.grid, method: 4 } })).toMatch(/grid\.method must be a bundle of settings$/);
    expect(refused({ ...run(), grid: { beta: { beta: 4 } } })).toMatch(/grid\.beta must be a single value$/);

    const [withData] = parseStudy("name: d\nbase: { data-file: /data/images.npy }\nseeds: [1]", "/s.yaml").runs;
    expect(validateRun(withData, ["/data"]).id).toBe(withData.id);
    expect(refused(withData, ["/work"])).toMatch(/data file \/data\/images\.npy is outside the allowed roots \(\/work\)$/);
    const [withFolder] = parseStudy("name: d\nbase: { data-dir: /data/photos, cache: /tmp/c.npy }\nseeds: [1]", "/s.yaml").runs;
    expect(refused(withFolder, ["/data"])).toMatch(/image cache \/tmp\/c\.npy is outside the allowed roots \(\/data\)$/);
    expect(refused(withFolder, ["/tmp"])).toMatch(/image folder \/data\/photos is outside the allowed roots \(\/tmp\)$/);
    expect(validateRun(withFolder, ["/data", "/tmp"]).id).toBe(withFolder.id);
  });
});

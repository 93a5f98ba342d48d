// The registry: which metrics there are, their report columns and sample counts, and that a
// code-factor metric scores a checkpoint's codes exactly as it scores the same pairs given.
import { describe, expect, it } from "vitest";
import { CodeCache } from "./cache";
import { drawSplit, scoreCodes, splitRows } from "./code-factor-metric";
import { DCI, type DciScore, dciMetric } from "./dci";
import { evaluate, evaluateCodes } from "./evaluate";
import { migMetric } from "./mig";
import { modularityMetric } from "./modularity";
import { CODE_FACTOR_METRICS, DEFAULT_METRICS, DEFAULT_SAMPLES, METRIC_COLUMNS, METRIC_NAMES, codeFactorKindOf, metricColumns, samplesFrom } from "./registry";
import { sapMetric } from "./sap";
import { factorCodeEncoder, syntheticDataset } from "./test-fixtures";

describe("the metric registry", () => {
  it("lists the metrics, the default set and the code-factor ones", () => {
    expect(METRIC_NAMES).toEqual(["betavae", "factorvae", "mig", "dci", "sap", "modularity"]);
    expect(DEFAULT_METRICS).toEqual(["betavae", "factorvae", "mig"]);
    expect(CODE_FACTOR_METRICS).toEqual(["mig", "dci", "sap", "modularity"]);
    expect(() => codeFactorKindOf("betavae")).toThrow(/betavae draws its own images from a dataset/);
    expect(() => codeFactorKindOf("sap2")).toThrow(/unknown metric 'sap2'/);
  });

  it("names report columns: the score under the metric's name, then its extra fields", () => {
    expect(METRIC_COLUMNS).toEqual(["betavae", "factorvae", "mig", "dci", "dci_completeness", "dci_informativeness", "sap", "modularity", "modularity_explicitness"]);
    expect(metricColumns({ metric: "dci", score: 0.7, completeness: 0.6, informativeness: 0.9 } as never)).toEqual({ dci: 0.7, dci_completeness: 0.6, dci_informativeness: 0.9 });
    expect(metricColumns({ metric: "mig", score: 0.3 })).toEqual({ mig: 0.3 });
    // a column named apart from its field: modularity's explicitness is the test rows'
    expect(metricColumns({ metric: "modularity", score: 0.8, explicitnessTrain: 0.99, explicitnessTest: 0.95 } as never)).toEqual({ modularity: 0.8, modularity_explicitness: 0.95 });
  });

  it("keeps disentanglement_lib's sample counts, and scales them from one number", () => {
    expect(DEFAULT_SAMPLES).toEqual({
      betavaeTrain: 10000, betavaeEval: 5000, factorvaeTrain: 10000, factorvaeEval: 5000, factorvaeVariance: 10000, migSamples: 10000, dciTrain: 10000, dciTest: 5000,
      sapTrain: 10000, sapTest: 5000, modularityTrain: 10000, modularityTest: 5000,
    });
    expect(samplesFrom(40)).toEqual({
      betavaeTrain: 40, betavaeEval: 20, factorvaeTrain: 40, factorvaeEval: 20, factorvaeVariance: 40, migSamples: 40, dciTrain: 40, dciTest: 20,
      sapTrain: 40, sapTest: 20, modularityTrain: 40, modularityTest: 20,
    });
  });
});

describe("code-factor metrics on a dataset", () => {
  const ds = syntheticDataset([4, 5, 1]);
  const encoder = factorCodeEncoder(ds, 3, (f, out) => {
    out[0] = f[0] + 0.3 * f[1];
    out[1] = f[1];
    out[2] = 0.5;
  });

  it("score the encoder means of train then test factor samples from Rng(seed), as given pairs score", async () => {
    const e = await evaluate(ds, encoder, { seed: 5, metrics: ["dci", "mig"], samples: { dciTrain: 120, dciTest: 60, migSamples: 120 } });
    const split = await drawSplit(new CodeCache(ds, encoder), 5, 120, 60);
    expect(split.factorNames).toEqual(["f1", "f2"]);
    expect(split.train.count + split.test.count).toBe(180);
    const dci = e.results[0] as unknown as DciScore & { rows: unknown; seed: number };
    expect(dci).toMatchObject({ metric: "dci", seed: 5, rows: { train: 120, test: 60 }, dataset: "synthetic", factors: ["f1", "f2"] });
    expect(dci.importance).toEqual(dciMetric(split).importance);
    // MIG uses the train rows alone: the same score as migMetric's own draw
    expect(e.results[1].score).toBe((await migMetric(new CodeCache(ds, encoder), { seed: 5, samples: 120 })).score);
    // pairs given in order score as the drawn ones
    const rows = splitRows(
      Float64Array.from([...split.train.codes, ...split.test.codes]), Int32Array.from([...split.train.factors, ...split.test.factors]), 180, 3, ["f0", "f1"],
    );
    expect(evaluateCodes(rows, { dataset: "d", encoder: "e" }, ["dci"]).results[0]).toMatchObject({ score: dci.score, completeness: dci.completeness });
    expect(scoreCodes(DCI, rows, { dataset: "d", encoder: "e", seed: 0 }).score).toBe(dci.score);
  });

  it("record the run's dataset, encoder and seed in SAP's and modularity's results, and score the drawn split", async () => {
    const e = await evaluate(ds, encoder, { seed: 5, metrics: ["sap", "modularity"], samples: { sapTrain: 120, sapTest: 60, modularityTrain: 120, modularityTest: 60 } });
    const split = await drawSplit(new CodeCache(ds, encoder), 5, 120, 60);
    const source = { dataset: "synthetic", encoder: encoder.description, seed: 5, factors: ["f1", "f2"], rows: { train: 120, test: 60 } };
    // SAP's classifiers visit points in an order from the run's seed
    expect(e.results[0]).toMatchObject({ ...source, metric: "sap", score: sapMetric(split, { seed: 5 }).score });
    const modularity = modularityMetric(split);
    expect(e.results[1]).toMatchObject({ ...source, metric: "modularity", score: modularity.score, explicitnessTest: modularity.explicitnessTest });
  });
});

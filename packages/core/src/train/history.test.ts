// A run's history thinned for a checkpoint: evenly spaced, ends kept, rounded; and read back
// only when it fits the model.
import { describe, expect, it } from "vitest";
import { CheckpointError } from "./checkpoint";
import { type HistoryPoint, appendHistory, historyOf, thinHistory } from "./history";

const log: HistoryPoint[] = Array.from({ length: 1001 }, (_, i) => ({
  step: (i + 1) * 10, recon: 100 + 1 / (i + 1), kl: i * 0.0123456, C: i % 2 ? null : i * 0.025, klPerLatent: [i * 0.01, Math.PI],
}));

describe("thinHistory", () => {
  it("keeps evenly spaced steps, the first and the last, at 4 significant digits", () => {
    const thin = thinHistory(log, 101);
    expect(thin).toHaveLength(101);
    expect(thin.map((p) => p.step).slice(0, 3)).toEqual([10, 110, 210]);
    expect(thin[100]).toEqual({ step: 10010, recon: 100, kl: 12.35, C: 25, klPerLatent: [10, 3.142] });
    expect(thin[1]).toEqual({ step: 110, recon: 100.1, kl: 0.1235, C: 0.25, klPerLatent: [0.1, 3.142] });
    expect(thinHistory(log.slice(0, 5), 101)).toHaveLength(5);
    expect(() => thinHistory(log, 1)).toThrow(/at least 2 points, got 1/);
  });
});

describe("appendHistory", () => {
  it("halves the history past its bound, keeping even spacing and the latest step", () => {
    let h: HistoryPoint[] = [];
    for (let i = 0; i < 5; i++) h = appendHistory(h, log[i], 5);
    expect(h.map((p) => p.step)).toEqual([10, 20, 30, 40, 50]);
    h = appendHistory(h, log[5], 5);
    expect(h.map((p) => p.step)).toEqual([10, 30, 50, 60]);
    for (let i = 6; i < 12; i++) h = appendHistory(h, log[i], 5);
    expect(h.length).toBeLessThanOrEqual(5);
    expect(h.at(-1)!.step).toBe(120);
  });
});

describe("historyOf", () => {
  it("reads a history that fits the model, and none when there is none", () => {
    const thin = thinHistory(log, 50);
    expect(historyOf(JSON.parse(JSON.stringify({ history: thin })), 2)).toEqual(thin);
    expect(historyOf({ dataset: "dsprites" }, 2)).toEqual([]);
  });

  it("refuses a history of another latent count, or with a missing value", () => {
    const thin = thinHistory(log, 50);
    expect(() => historyOf({ history: thin }, 3)).toThrow(CheckpointError);
    expect(() => historyOf({ history: thin }, 3)).toThrow(/history is malformed \(expected steps with recon, kl, C and 3 KLs per latent\)/);
    expect(() => historyOf({ history: [{ ...thin[0], recon: undefined }] }, 2)).toThrow(/malformed/);
    expect(() => historyOf({ history: [{ ...thin[0], C: "1" }] }, 2)).toThrow(/malformed/);
    expect(() => historyOf({ history: {} }, 2)).toThrow(/malformed/);
  });
});

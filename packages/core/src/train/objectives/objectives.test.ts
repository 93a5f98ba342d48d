import { describe, expect, it } from "vitest";
import { capacityAt, capacityReport, rampCapacity } from "./capacity";
import { BETA, betaReport } from "./beta";
import { continueObjective, describeObjective, objectiveFromSettings, objectiveKind, objectiveKinds, objectiveSettingValues, registerObjective, validateObjective } from "./index";
import { type ObjectiveSetting, ObjectiveError, checkSettings, settingDefault } from "./objective";

describe("objectives", () => {
  it("raises C linearly to C_max and then holds it", () => {
    const o = { kind: "capacity" as const, gamma: 1000, capacityMax: 25, capacitySteps: 100000 };
    expect(capacityAt(o, 0)).toBe(0);
    expect(capacityAt(o, 50000)).toBe(12.5);
    expect(capacityAt(o, 100000)).toBe(25);
    expect(capacityAt(o, 250000)).toBe(25);
  });
  it("starts a new ramp from where C stands, to a higher or lower C_max", () => {
    const o = { kind: "capacity" as const, gamma: 1000, capacityMax: 25, capacitySteps: 100000 };
    const higher = rampCapacity(o, 150000, 35, 20000);
    expect(higher.rampFrom).toEqual({ step: 150000, capacity: 25 });
    expect(capacityAt(higher, 100000)).toBe(25); // before the ramp: held at its start
    expect(capacityAt(higher, 150000)).toBe(25);
    expect(capacityAt(higher, 155000)).toBe(27.5);
    expect(capacityAt(higher, 170000)).toBe(35);
    expect(capacityAt(higher, 900000)).toBe(35);
    const lower = rampCapacity(o, 50000, 0, 10); // mid-ramp, at C = 12.5
    expect([capacityAt(lower, 50000), capacityAt(lower, 50005), capacityAt(lower, 50010)]).toEqual([12.5, 6.25, 0]);
    expect(() => rampCapacity(o, 10, -1, 10)).toThrow(/capacity-max must be a non-negative number, got -1/);
    expect(() => validateObjective({ ...o, rampFrom: { step: 1.5, capacity: 0 } })).toThrow(/start step must be a non-negative integer, got 1.5/);
    expect(() => validateObjective({ ...o, rampFrom: { step: 1, capacity: NaN } })).toThrow(/start capacity must be a non-negative number, got NaN/);
  });
  it("goes on with a changed objective without C jumping", () => {
    const o = { kind: "capacity" as const, gamma: 1000, capacityMax: 25, capacitySteps: 100000 };
    // same C_max and schedule: the schedule (and any ramp) stays; γ follows the request
    const ramped = rampCapacity(o, 150000, 35, 20000);
    expect(continueObjective(ramped, { ...o, capacityMax: 35, capacitySteps: 20000, gamma: 500 }, 160000)).toEqual({ ...ramped, gamma: 500 });
    // a new C_max mid-ramp: a new ramp from C = 12.5 at step 50,000
    const next = continueObjective(o, { ...o, capacityMax: 5 }, 50000);
    expect(next).toEqual({ ...o, capacityMax: 5, rampFrom: { step: 50000, capacity: 12.5 } });
    // other kinds of change apply as given
    expect(continueObjective(o, { kind: "beta", beta: 4 }, 10)).toEqual({ kind: "beta", beta: 4 });
    expect(continueObjective({ kind: "beta", beta: 4 }, o, 10)).toEqual(o);
    expect(() => continueObjective(o, { ...o, capacityMax: -1 }, 10)).toThrow(/capacity-max must be a non-negative number/);
  });
  it("weights the KL gradient by β, or by γ·sign(KL − C)", () => {
    expect(betaReport({ kind: "beta", beta: 4 }, 100, 3)).toEqual({ loss: 112, klWeight: 4, capacity: null, terms: { betaKl: 12 } });
    const o = { kind: "capacity" as const, gamma: 1000, capacityMax: 20, capacitySteps: 10 };
    expect(capacityReport(o, 100, 3, 5)).toEqual({ loss: 100 + 1000 * 7, klWeight: -1000, capacity: 10, terms: { capacityPenalty: 7000 } });
    expect(capacityReport(o, 100, 12, 5)).toEqual({ loss: 100 + 1000 * 2, klWeight: 1000, capacity: 10, terms: { capacityPenalty: 2000 } });
  });
  it("describes, validates and refuses objectives through their kind", () => {
    expect(describeObjective({ kind: "beta", beta: 4 })).toBe("β-VAE, β = 4");
    expect(describeObjective({ kind: "capacity", gamma: 1000, capacityMax: 25, capacitySteps: 100000 }))
      .toBe("capacity, γ = 1000, C 0 → 25 nats over steps 0–100000");
    expect(() => validateObjective({ kind: "beta", beta: -1 })).toThrow("beta must be a non-negative number, got -1");
    const known = '"beta", "capacity", "tcvae", "dipvae-i", "dipvae-ii" or "factorvae"';
    expect(() => validateObjective({ kind: "gamma" } as never)).toThrow(new ObjectiveError(`objective must be ${known}, got gamma`));
    expect(() => validateObjective(null as never)).toThrow(`objective must be ${known}, got undefined`);
    expect(() => registerObjective(BETA)).toThrow('an objective of kind "beta" is already registered');
  });
  it("describe their own settings, so front ends build and read descriptors without knowing the kind", () => {
    expect(objectiveKinds().slice(0, 2).map((k) => [k.kind, k.label])).toEqual([["beta", "β-VAE"], ["capacity", "capacity"]]);
    expect(objectiveKind("capacity").settings.filter((s) => s.resumable).map((s) => s.flag)).toEqual(["capacity-max", "capacity-steps"]);
    // every setting names a field of its descriptor: defaults make a valid descriptor, and its values come back by flag
    for (const kind of objectiveKinds()) {
      const o = validateObjective(objectiveFromSettings(kind.kind, {}));
      expect(Object.keys(o)).toEqual(["kind", ...kind.settings.map((s) => s.field)]);
      expect(objectiveSettingValues(o)).toEqual(Object.fromEntries(kind.settings.map((s) => [s.flag, s.default])));
    }
    expect(objectiveFromSettings("capacity", { gamma: 5, "capacity-steps": 10 })).toEqual({ kind: "capacity", gamma: 5, capacityMax: 25, capacitySteps: 10 });
    expect(() => objectiveKind("gamma")).toThrow(/^objective must be "beta", "capacity", .*, got gamma$/);
  });
  it("checks settings by their description, in one line naming the flag", () => {
    const settings: ObjectiveSetting[] = [
      { field: "n", flag: "dataset-size", help: "N", default: 10, min: 1, integer: true, datasetSize: true },
      { field: "w", flag: "weight", help: "w", default: 0.5, min: 0, max: 1 },
      { field: "e", flag: "estimator", help: "e", default: "mws", choices: ["mws", "mss"] },
    ];
    expect(() => checkSettings(settings, { n: 10, w: 1, e: "mss" })).not.toThrow();
    expect(() => checkSettings(settings, { n: 2.5, w: 1, e: "mss" })).toThrow(new ObjectiveError("dataset-size must be an integer ≥ 1, got 2.5"));
    expect(() => checkSettings(settings, { n: 2, w: 1.5, e: "mss" })).toThrow("weight must be a number between 0 and 1, got 1.5");
    expect(() => checkSettings(settings, { n: 2, w: Number.NaN, e: "mss" })).toThrow("weight must be a number between 0 and 1, got NaN");
    expect(() => checkSettings(settings, { n: 2, w: 1, e: "x" })).toThrow("estimator must be mws or mss, got x");
    expect([settingDefault(settings[0]), settingDefault(settings[0], 737280), settingDefault(settings[1], 737280)]).toEqual([10, 737280, 0.5]);
  });
});

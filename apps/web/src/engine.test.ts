import { DEFAULT_LOG_EVERY, decodeCheckpoint, hasOptimizerState, serializeCheckpoint } from "@betavae/core";
import { DROPPED_IMAGES, checkpointDataset, datasetApp } from "@betavae/datasets";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Engine, type TrainSettings } from "./engine";
import { makeCheckpoint } from "./fixtures";

const SHIPPED = new URL("../../../models/dsprites-capacity.safetensors", import.meta.url);

const engines: Engine[] = [];
async function engine(): Promise<Engine> {
  const e = await Engine.create("wasm", 1);
  engines.push(e);
  return e;
}
afterEach(() => engines.splice(0).forEach((e) => e.dispose()));

const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe("Engine", () => {
  it("opens the shipped model: its KL order, a decoded image that follows z, traversal and reconstruction grids", async () => {
    const e = await engine();
    const info = await e.load(new Uint8Array(readFileSync(SHIPPED)), "shipped model");
    expect(info).toMatchObject({ dataset: "dsprites", origin: "shipped model", step: 150000 });
    // it carries the curves of its training, up to its step
    expect(info.history.length).toBeGreaterThan(100);
    expect(info.history.at(-1)!.step).toBe(info.step);
    expect(info.history.at(-1)!.C).toBeGreaterThan(20);
    const view = await e.view(1);
    expect(view.kl).toHaveLength(10);
    expect([...view.order].sort()).toEqual([...Array(10).keys()].sort());
    for (let i = 1; i < 10; i++) expect(view.kl[view.order[i - 1]]).toBeGreaterThanOrEqual(view.kl[view.order[i]]);
    expect(view.kl.filter((v) => v > 0.1).length).toBeGreaterThanOrEqual(3);
    // the seed image's posterior mean decodes to something close to the image itself
    const decoded = await e.decode(view.mean);
    expect(decoded).toHaveLength(64 * 64);
    const misses = decoded.reduce((n, p, i) => n + (Math.round(p) !== view.seedImage[i] ? 1 : 0), 0);
    expect(misses).toBeLessThan(0.03 * 64 * 64);
    // moving the most informative latent moves the image; an inactive one barely does
    const moved = Float32Array.from(view.mean);
    moved[view.order[0]] += 2;
    expect(maxDifference(await e.decode(moved), decoded)).toBeGreaterThan(0.5);
    const idle = Float32Array.from(view.mean);
    idle[view.order[9]] += 2;
    expect(maxDifference(await e.decode(idle), decoded)).toBeLessThan(0.2);
    expect(view.traversal.height).toBeGreaterThan(10 * 64);
    expect(view.reconstructions.width).toBeGreaterThan(8 * 64);
  });

  it("trains a new model from scratch: the reconstruction loss falls", async () => {
    const e = await engine();
    await e.reset({ dataset: "blobs", latents: 4, batch: 8, seed: 3, objective: { kind: "beta", beta: 1 }, lr: 2e-3 });
    const first = await e.trainStep();
    let last = first;
    for (let i = 0; i < 40; i++) last = await e.trainStep();
    expect(last.step).toBe(41);
    expect(last.recon).toBeLessThan(0.7 * first.recon);
    expect(e.model).toMatchObject({ dataset: "blobs", step: 41, origin: "new model" });
  });

  it("warns once per latent that gains KL without information while it trains", async () => {
    // Blobs have two factors: C = 30 at once is paid for with narrow posteriors on ignored latents.
    const e = await engine();
    await e.reset({ dataset: "blobs", latents: 10, batch: 8, seed: 1, objective: { kind: "capacity", gamma: 1000, capacityMax: 30, capacitySteps: 1 }, lr: 5e-3 });
    const warnings: string[] = [];
    for (let i = 0; i < 300; i++) {
      await e.trainStep();
      warnings.push(...e.takeWarnings());
    }
    expect(warnings.length).toBeGreaterThan(0);
    // the watch reads every DEFAULT_LOG_EVERY steps, as bvae train's does: five readings in a row from step 10 on
    expect(warnings[0]).toMatch(/^z\d holds \d+\.\d\d nats of KL, yet its posterior mean spreads only 0\.0\d\d over the batch \(below 0\.05\) at step \d*0: KL that carries no information about the image$/);
    expect(Number(/at step (\d+)/.exec(warnings[0])![1])).toBeGreaterThanOrEqual(5 * DEFAULT_LOG_EVERY);
    expect(new Set(warnings.map((w) => w.split(" ")[0])).size).toBe(warnings.length);
    expect(e.takeWarnings()).toEqual([]);
  });

  it("continues with a changed objective and learning rate, but asks for a new model when a defining setting changes", async () => {
    const e = await engine();
    const settings = { dataset: "dsprites" as const, latents: 3, batch: 2, seed: 1, objective: { kind: "beta" as const, beta: 4 }, lr: 1e-3 };
    await e.reset(settings);
    await e.trainStep();
    expect(e.adjust({ ...settings, objective: { kind: "capacity", gamma: 100, capacityMax: 5, capacitySteps: 10 }, lr: 1e-4 })).toBe(true);
    const m = await e.trainStep();
    expect(m.capacity).toBeCloseTo(0.5, 6); // C at update index 1 of a 10-step schedule to 5 nats
    expect(e.model!.config.optimiser.lr).toBe(1e-4);
    // a new C_max mid-schedule ramps on from where C stands (1 nat at update 2), not from 0
    const capacity = { kind: "capacity" as const, gamma: 100, capacityMax: 3, capacitySteps: 10 };
    expect(e.adjust({ ...settings, objective: capacity, lr: 1e-4 })).toBe(true);
    expect([(await e.trainStep()).capacity, (await e.trainStep()).capacity]).toEqual([1, 1.2]);
    expect(e.adjust({ ...settings, batch: 4 })).toBe(false);
    expect(e.adjust({ ...settings, dataset: "blobs" })).toBe(false);
    expect(() => e.adjust({ ...settings, objective: { kind: "beta", beta: -1 } })).toThrow(/beta must be a non-negative number/);
  });

  it("saves a checkpoint bvae reads and loads it back to the same model", async () => {
    const e = await engine();
    await e.reset({ dataset: "color-dsprites", latents: 5, batch: 4, seed: 2, objective: { kind: "beta", beta: 2 }, lr: 1e-3 });
    for (let i = 0; i < 2 * DEFAULT_LOG_EVERY + 3; i++) await e.trainStep();
    const z = [0.5, -1, 0, 2, -0.3];
    const before = await e.decode(z);
    const bytes = await e.save();
    const checkpoint = decodeCheckpoint(bytes);
    expect(checkpoint.app.dataset).toBe("color-dsprites");
    const logged = [DEFAULT_LOG_EVERY, 2 * DEFAULT_LOG_EVERY]; // the curves go along, at the log's cadence
    expect((checkpoint.app.history as { step: number }[]).map((p) => p.step)).toEqual(logged);
    expect(checkpoint.state.step).toBe(2 * DEFAULT_LOG_EVERY + 3);
    expect(hasOptimizerState(checkpoint)).toBe(true);
    const other = await engine();
    const info = await other.load(bytes, "saved.safetensors");
    expect(info).toMatchObject({ dataset: "color-dsprites", step: 2 * DEFAULT_LOG_EVERY + 3, origin: "saved.safetensors" });
    expect(info.history.map((p) => p.step)).toEqual(logged);
    expect(Array.from(await other.decode(z))).toEqual(Array.from(before));
    // and it trains on exactly as the original would
    expect((await other.trainStep()).loss).toBe((await e.trainStep()).loss);
  });

  it("refuses bad files with a sentence, leaving the current model as it was", async () => {
    const e = await engine();
    await e.load(await makeCheckpoint({ steps: 2 }), "cli.safetensors");
    const z = [1, 0, 0, 0, 0, -1];
    const before = await e.decode(z);
    await expect(e.load(new TextEncoder().encode("just some notes\n"), "notes.txt")).rejects.toThrow(/^notes\.txt is not a betavae checkpoint: /);
    await expect(e.load(await makeCheckpoint({ steps: 1, size: 32 }), "small.safetensors"))
      .rejects.toThrow("small.safetensors is a model of 32×32×1 images; dsprites images are 64×64×1, so the page cannot show or train it");
    const truncated = await makeCheckpoint({ steps: 1 });
    await expect(e.load(truncated.subarray(0, truncated.length - 100), "cut.safetensors")).rejects.toThrow(/^cut\.safetensors is not a betavae checkpoint/);
    const bad = decodeCheckpoint(await makeCheckpoint({ steps: 1 }));
    bad.app = { ...bad.app, history: [{ step: 1, recon: 1, kl: 1, C: null, klPerLatent: [1] }] };
    await expect(e.load(serializeCheckpoint(bad), "odd.safetensors")).rejects.toThrow(/^odd\.safetensors does not load: the checkpoint's training history is malformed/);
    // a model `bvae train --data-dir` trained names its folder (and dataset "dsprites"): not shown on dSprites
    const folder = decodeCheckpoint(await makeCheckpoint({ steps: 1 }));
    folder.app = datasetApp({ name: "dsprites", dataFile: "/runs/faces/images-64x64x1.npy", imageFolder: { dir: "/photos/faces", crop: "celeba", channels: 1 } });
    await expect(e.load(serializeCheckpoint(folder), "faces.safetensors")).rejects.toThrow(
      "faces.safetensors was trained by bvae on the images in /photos/faces, which the page cannot open: drop that folder here and train on it instead",
    );
    expect(e.model).toMatchObject({ origin: "cli.safetensors", step: 2 });
    expect(Array.from(await e.decode(z))).toEqual(Array.from(before));
  });
});

describe("Engine on images dropped on the page", () => {
  /** `count` 64×64 RGB images: a bright square at a different place in each, on a dark ground. */
  const squares = (count: number) => {
    const pixels = new Uint8Array(count * 64 * 64 * 3).fill(20);
    for (let n = 0; n < count; n++) {
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) {
        const p = ((n * 64 + y + 4 * n) * 64 + x + 3 * n) * 3;
        pixels.set([230, 200, 40], p);
      }
    }
    return pixels;
  };
  const settings: TrainSettings = { dataset: DROPPED_IMAGES, latents: 4, batch: 8, seed: 5, objective: { kind: "beta" as const, beta: 1 }, lr: 2e-3 };

  it("trains on them, draws their traversal, and saves a checkpoint that records them", async () => {
    const e = await engine();
    await expect(e.reset(settings)).rejects.toThrow("no images yet: drop a folder or a .zip of images on the page first");
    expect(e.setImages(squares(10), 64, 3, { source: "squares.zip" }).record).toEqual({ source: "squares.zip", count: 10 });
    const info = await e.reset(settings);
    expect(info).toMatchObject({ dataset: DROPPED_IMAGES, images: { source: "squares.zip", count: 10 }, config: { model: { channels: 3, height: 64 } } });
    const first = await e.trainStep();
    let last = first;
    for (let i = 0; i < 30; i++) last = await e.trainStep();
    expect(last.recon).toBeLessThan(0.9 * first.recon);
    const view = await e.view(1);
    expect([view.traversal.channels, view.kl.length]).toEqual([3, 4]);
    expect(view.traversal.height).toBeGreaterThan(4 * 64);
    const checkpoint = decodeCheckpoint(await e.save());
    expect(checkpoint.app).toMatchObject({ dataset: DROPPED_IMAGES, images: { source: "squares.zip", count: 10 } });
    expect(() => checkpointDataset(checkpoint)).toThrow(/^the checkpoint was trained on 10 images dropped on the web page \(squares\.zip\)/);
  });

  it("keeps training on the images it started with; new images mean a new model", async () => {
    const e = await engine();
    e.setImages(squares(4), 64, 3, { source: "a" });
    await e.reset(settings);
    expect(e.adjust(settings)).toBe(true);
    e.setImages(squares(6), 64, 3, { source: "b", cropSide: 148 });
    expect(e.model!.images).toEqual({ source: "a", count: 4 });
    expect(e.adjust(settings)).toBe(false);
    expect((await e.reset(settings)).images).toEqual({ source: "b", count: 6, cropSide: 148 });
  });

  it("loads such a checkpoint onto the images dropped now, and without any says to drop some", async () => {
    const e = await engine();
    e.setImages(squares(4), 64, 3, { source: "a" });
    await e.reset(settings);
    await e.trainStep();
    const bytes = await e.save();
    const other = await engine();
    await expect(other.load(bytes, "mine.safetensors")).rejects.toThrow(
      "mine.safetensors was trained on 4 images dropped on the page (a): drop images first to show it on them",
    );
    other.setImages(squares(3), 64, 3, { source: "c" });
    expect(await other.load(bytes, "mine.safetensors")).toMatchObject({ step: 1, images: { source: "c", count: 3 } });
    const grey = await engine();
    grey.setImages(new Uint8Array(2 * 64 * 64), 64, 1, { source: "g" });
    await expect(grey.load(bytes, "mine.safetensors")).rejects.toThrow("mine.safetensors is a model of 64×64×3 images; dropped-images images are 64×64×1");
  });
});

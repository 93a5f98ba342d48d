import type { Checkpoint } from "@betavae/core";
import { describe, expect, it } from "vitest";
import { DROPPED_IMAGES, checkpointDataset, datasetApp, droppedImagesOf } from "./checkpoint-dataset.ts";

const of = (app: Record<string, unknown>, channels = 1) => ({ app, config: { model: { channels } } }) as unknown as Pick<Checkpoint, "app" | "config">;

describe("checkpointDataset", () => {
  it("takes the stored name and data file, and otherwise the generator the channel count implies", () => {
    expect(checkpointDataset(of({ dataset: "blobs" }))).toEqual({ name: "blobs" });
    expect(checkpointDataset(of({ dataset: "dsprites", dataFile: "/d/dsprites.npz" }))).toEqual({ name: "dsprites", dataFile: "/d/dsprites.npz" });
    expect(checkpointDataset(of({ dataset: "dsprites", dataFile: 3 }))).toEqual({ name: "dsprites" });
    expect(checkpointDataset(of({}))).toEqual({ name: "dsprites" });
    expect(checkpointDataset(of({}, 3))).toEqual({ name: "color-dsprites" });
  });
  it("refuses a name it does not know, in one sentence", () => {
    expect(() => checkpointDataset(of({ dataset: "mnist" }))).toThrow("the checkpoint was trained on 'mnist', a dataset not known here (known: dsprites, color-dsprites, blobs)");
    expect(() => checkpointDataset(of({ dataset: "" }))).toThrow(/trained on '', a dataset not known here/);
  });
});

describe("a checkpoint trained on images dropped on the web page", () => {
  const app = { dataset: DROPPED_IMAGES, images: { source: "faces.zip", count: 120, cropSide: 148 } };
  it("records what was dropped", () => {
    expect(droppedImagesOf(app)).toEqual({ source: "faces.zip", count: 120, cropSide: 148 });
    expect(droppedImagesOf({ dataset: "dsprites" })).toBeNull();
  });
  it("has no dataset the commands can open, and says so in one sentence", () => {
    expect(() => checkpointDataset(of(app, 3))).toThrow(
      "the checkpoint was trained on 120 images dropped on the web page (faces.zip), which it does not hold: there are no images here to draw its figures from",
    );
  });
});

describe("datasetApp", () => {
  it("records an image folder with its cache and crop, and checkpointDataset reads it back with the model's channels", () => {
    const ref = { name: "dsprites" as const, dataFile: "/r/images-64x64x3.npy", imageFolder: { dir: "/photos", crop: "celeba", channels: 3 as const } };
    const app = datasetApp(ref);
    expect(app).toEqual({ dataset: "dsprites", dataFile: "/r/images-64x64x3.npy", dataDir: "/photos", crop: "celeba" });
    expect(checkpointDataset(of(app, 3))).toEqual(ref);
    expect(checkpointDataset(of(datasetApp({ name: "blobs" })))).toEqual({ name: "blobs" });
  });
  it("refuses a folder's crop it cannot read", () => {
    expect(() => checkpointDataset(of({ dataset: "dsprites", dataFile: "/c.npy", dataDir: "/p", crop: "wide" }, 3))).toThrow("a crop is 'square'");
  });
});

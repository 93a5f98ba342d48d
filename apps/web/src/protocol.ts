// Messages between the page and its engine worker. Everything the worker sends answers a
// request (by id) or reports training; images travel as transferable Float32Array/Uint8Array.
import type { StepMetrics } from "@betavae/core";
import type { DroppedImages, RasterImage } from "@betavae/datasets";
import type { BackendChoice, BackendInfo, LoadedModel, ModelInfo, TrainSettings, View } from "./engine";

export type Request =
  | { kind: "init"; backend: BackendChoice; threads: number }
  | { kind: "load"; bytes: Uint8Array; origin: string }
  /** decoded images to train on (IMAGE_SIDE² · channels bytes each); their buffer is transferred */
  | { kind: "images"; pixels: Uint8Array; channels: 1 | 3; record: Omit<DroppedImages, "count"> }
  | { kind: "reset"; settings: TrainSettings }
  | { kind: "decode"; z: Float32Array }
  | { kind: "view"; seed: number }
  | { kind: "save" };

/** What each request resolves to. */
export interface Replies {
  init: BackendInfo;
  load: LoadedModel;
  /** what the engine now holds */
  images: DroppedImages;
  reset: ModelInfo;
  decode: Float32Array;
  view: View;
  /** the checkpoint and the step it holds */
  save: { bytes: Uint8Array; step: number };
}

/** Control messages with no reply: training runs until paused. */
export type Control =
  | { kind: "train"; settings: TrainSettings; viewSeed: number }
  | { kind: "pause" };

export type WorkerMessage =
  | { kind: "reply"; id: number; ok: true; value: unknown }
  | { kind: "reply"; id: number; ok: false; error: string }
  /** a batch of logged steps */
  | { kind: "metrics"; points: StepMetrics[]; imagesPerSec: number }
  /** training started, paused, or stopped by an error (with its message) */
  | { kind: "training"; running: boolean; model: ModelInfo | null; error?: string; note?: string }
  /** something training found that the user should know (a latent holding KL without information) */
  | { kind: "warning"; text: string }
  /** the view refreshed while training */
  | { kind: "view"; view: View };

export type { RasterImage };

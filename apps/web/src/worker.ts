// The engine worker: owns the Engine, answers the page's requests, and trains between them.
// Every engine call goes through `exclusive`, so a decode asked for while a WebGPU step waits
// on a read-back cannot interleave with that step.
import type { StepMetrics } from "@betavae/core";
import { Engine } from "./engine";
import { IMAGE_SIDE } from "./image-drop";
import type { Control, Replies, Request, WorkerMessage } from "./protocol";

const scope = self as unknown as { postMessage(m: WorkerMessage, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent) => void) | null };

let engine: Engine | null = null;
let queue: Promise<unknown> = Promise.resolve();
let running = false;
/** The seed of the views sent while training: the last one the page asked for. */
let viewSeed = 1;

function exclusive<T>(task: () => Promise<T>): Promise<T> {
  const result = queue.then(task);
  queue = result.catch(() => undefined);
  return result;
}

function need(): Engine {
  if (!engine) throw new Error("the engine is not initialised");
  return engine;
}

const METRICS_EVERY_MS = 200;
const VIEW_EVERY_MS = 2500;

/** Lets queued messages (decodes, pause) run between steps; a MessageChannel round trip is not clamped like setTimeout. */
const channel = new MessageChannel();
let wake: (() => void) | null = null;
channel.port1.onmessage = () => wake?.();
const yieldToEvents = () => new Promise<void>((resolve) => { wake = resolve; channel.port2.postMessage(0); });

async function train(): Promise<void> {
  const e = need();
  const batch = e.model!.config.batch; // fixed while training: a new batch means a new model
  let points: StepMetrics[] = [];
  let lastPost = performance.now(), lastView = lastPost, windowImages = 0;
  const postMetrics = (batch: StepMetrics[], now: number) => {
    scope.postMessage({ kind: "metrics", points: batch, imagesPerSec: (windowImages * 1000) / (now - lastPost) });
  };
  try {
    while (running) {
      const m = await exclusive(() => e.trainStep());
      points.push(m);
      for (const text of e.takeWarnings()) scope.postMessage({ kind: "warning", text });
      windowImages += batch;
      const now = performance.now();
      if (now - lastPost >= METRICS_EVERY_MS) {
        postMetrics(points, now);
        points = [];
        windowImages = 0;
        lastPost = now;
      }
      if (now - lastView >= VIEW_EVERY_MS) {
        const view = await exclusive(() => e.view(viewSeed));
        scope.postMessage({ kind: "view", view });
        lastView = performance.now();
      }
      await yieldToEvents();
    }
    if (points.length) postMetrics(points, performance.now());
    scope.postMessage({ kind: "training", running: false, model: e.model });
  } catch (err) {
    running = false;
    if (points.length) postMetrics(points, performance.now());
    scope.postMessage({ kind: "training", running: false, model: e.model, error: (err as Error).message });
  }
}

async function handle(request: Request): Promise<Replies[Request["kind"]]> {
  switch (request.kind) {
    case "init": {
      const images = engine?.images; // dropped images outlive a change of backend
      engine?.dispose();
      engine = await Engine.create(request.backend, request.threads, images);
      return engine.backendInfo;
    }
    case "load":
      return exclusive(() => need().load(request.bytes, request.origin));
    case "images":
      return exclusive(async () => need().setImages(request.pixels, IMAGE_SIDE, request.channels, request.record).record);
    case "reset":
      return exclusive(() => need().reset(request.settings));
    case "decode":
      return exclusive(() => need().decode(request.z));
    case "view":
      viewSeed = request.seed;
      return exclusive(() => need().view(request.seed));
    case "save":
      return exclusive(async () => {
        const e = need();
        return { bytes: await e.save(), step: e.model!.step };
      });
  }
}

async function control(message: Control): Promise<void> {
  if (message.kind === "pause") {
    running = false;
    return;
  }
  if (running) return;
  const e = need();
  let note: string | undefined;
  try {
    if (!e.model || !e.adjust(message.settings)) {
      await exclusive(() => e.reset(message.settings));
      note = "new model: dataset, latents, batch or seed differ from the current model's";
    }
  } catch (err) {
    scope.postMessage({ kind: "training", running: false, model: e.model, error: (err as Error).message });
    return;
  }
  running = true;
  viewSeed = message.viewSeed;
  scope.postMessage({ kind: "training", running: true, model: e.model, note });
  void train();
}

scope.onmessage = (event: MessageEvent) => {
  const data = event.data as { id?: number; request?: Request; control?: Control };
  if (data.control) {
    void control(data.control);
    return;
  }
  const { id, request } = data as { id: number; request: Request };
  handle(request).then(
    (value) => {
      const array = value instanceof Float32Array ? value : request.kind === "save" ? (value as Replies["save"]).bytes : null;
      const transfer = array ? [array.buffer] : [];
      scope.postMessage({ kind: "reply", id, ok: true, value }, transfer);
    },
    (err: Error) => scope.postMessage({ kind: "reply", id, ok: false, error: err.message }),
  );
};

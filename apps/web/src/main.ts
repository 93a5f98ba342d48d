// The demo page: opens with the shipped dSprites model, one slider per latent (ordered by KL),
// the decoded image live while dragging, traversals and reconstructions; trains in a worker
// with live curves, on a generator or on a folder or zip of images dropped on it; loads
// checkpoints from `bvae` and downloads the page's model as one.
import {
  ACTIVE_KL, type HistoryPoint, type ObjectiveSetting, type StepMetrics, describeObjective, isChoiceSetting, objectiveFromSettings, objectiveKinds,
  objectiveSettingValues,
} from "@betavae/core";
import { DROPPED_IMAGES, type DatasetName, createDataset, cropSide, imageCount } from "@betavae/datasets";
import shippedModelUrl from "../../../models/dsprites-capacity.safetensors?url";
import { TrainingCharts } from "./charts";
import { EngineClient } from "./client";
import { type BackendChoice, type BackendInfo, type DatasetChoice, type ModelInfo, RANGE, type TrainSettings, type View } from "./engine";
import { type FoundImages, type ImageOptions, decodeImages, describeImages, filesOfDrop, filesOfInput, nothingToTrainOn } from "./image-drop";
import { drawFloatImage, drawRaster } from "./raster";

const element = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const form = element<HTMLFormElement>("settings");
const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
const buttons = {
  start: element<HTMLButtonElement>("start"), pause: element<HTMLButtonElement>("pause"), reset: element<HTMLButtonElement>("reset"),
  download: element<HTMLButtonElement>("download"), shipped: element<HTMLButtonElement>("shipped"),
  newSeed: element<HTMLButtonElement>("new-seed"), zero: element<HTMLButtonElement>("zero"),
};

const charts = new TrainingCharts(element("chart-recon"), element("chart-kl"), element("chart-latents"));
let model: ModelInfo | null = null;
let training = false;
let stopped: (() => void) | null = null;
let viewSeed = 1;
let z = new Float32Array(0);
let sliders: HTMLInputElement[] = [];

const client = new EngineClient(onReport, (message) => say(`the engine stopped: ${message}`, "error"));

// ---------- messages ----------

function say(text: string, tone: "ok" | "warn" | "error" | "" = ""): void {
  const m = element("message");
  m.textContent = text;
  m.className = tone;
}

function fail(e: unknown): void {
  say((e as Error).message, "error");
}

// ---------- backend and models ----------

function threadCount(): number {
  // threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages
  return globalThis.crossOriginIsolated ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8)) : 1;
}

async function startEngine(choice: BackendChoice): Promise<void> {
  const info: BackendInfo = await client.request({ kind: "init", backend: choice, threads: threadCount() });
  const badge = element("backend");
  badge.textContent = info.label;
  badge.dataset.kind = info.kind;
  badge.classList.toggle("fallback", Boolean(info.fallback));
  badge.title = info.fallback ? `using WASM: ${info.fallback}` : "";
}

async function loadBytes(bytes: Uint8Array, origin: string): Promise<boolean> {
  await stopTraining();
  let history: HistoryPoint[];
  try {
    const loaded = await client.request({ kind: "load", bytes, origin }, [bytes.buffer]);
    showModel(loaded);
    history = loaded.history;
  } catch (e) {
    fail(e);
    return false;
  }
  charts.reset(model!.config.model.latents);
  charts.add(history.map((p) => ({ ...p, capacity: p.C }))); // the curves it was trained along, when the file carries them
  await refreshView(true);
  return true;
}

async function loadShipped(): Promise<void> {
  const response = await fetch(shippedModelUrl);
  if (!response.ok) throw new Error(`the shipped model could not be fetched (HTTP ${response.status})`);
  if (await loadBytes(new Uint8Array(await response.arrayBuffer()), "shipped model")) say("");
}

function showModel(info: ModelInfo): void {
  model = info;
  fillForm(info);
  describeModel();
  if (!training) element("train-status").textContent = `not training (step ${info.step})`;
}

function describeModel(): void {
  const info = model!;
  const objective = describeObjective(info.config.objective);
  const line = element("model-info");
  const dataset = info.images ? `${info.images.count} images from ${info.images.source}` : info.dataset;
  line.textContent = `${info.origin}: ${dataset}, ${info.config.model.latents} latents, ${objective}, step ${info.step}`;
  line.dataset.origin = info.origin;
  line.dataset.step = String(info.step);
}

// ---------- the view: sliders, decoded image, traversal, reconstructions ----------

/** Fetches the view for the current seed; resolves once the decoded image shows it. */
async function refreshView(resetLatents: boolean): Promise<void> {
  const view = await client.request({ kind: "view", seed: viewSeed });
  showView(view, resetLatents);
  await decodesDone();
}

function showView(view: View, resetLatents: boolean): void {
  if (resetLatents || z.length !== view.mean.length) {
    z = Float32Array.from(view.mean, (v) => Math.max(-RANGE, Math.min(RANGE, v)));
    buildSliders(view);
    requestDecode();
  } else {
    updateSliders(view);
    requestDecode(); // the sliders' image follows the model as it trains
  }
  drawRaster(element<HTMLCanvasElement>("traversal"), view.traversal);
  drawRaster(element<HTMLCanvasElement>("reconstructions"), view.reconstructions);
}

function buildSliders(view: View): void {
  const box = element("sliders");
  box.replaceChildren();
  sliders = [];
  for (let j = 0; j < view.kl.length; j++) {
    const row = document.createElement("label");
    row.className = "slider";
    row.dataset.latent = String(j);
    const name = document.createElement("span");
    name.textContent = `z${j}`;
    const kl = document.createElement("span");
    kl.className = "kl";
    const input = document.createElement("input");
    Object.assign(input, { type: "range", min: String(-RANGE), max: String(RANGE), step: "0.01", value: String(z[j]) });
    input.setAttribute("aria-label", `latent z${j}`);
    const value = document.createElement("output");
    value.textContent = z[j].toFixed(2);
    input.addEventListener("input", () => {
      z[j] = Number(input.value);
      value.textContent = z[j].toFixed(2);
      requestDecode();
    });
    row.append(name, kl, input, value);
    box.append(row);
    sliders[j] = input;
  }
  updateSliders(view);
}

/** KL labels, inactive marks and KL order; rows are not reordered under a dragging pointer. */
function updateSliders(view: View): void {
  const box = element("sliders");
  const rows = view.order.map((j) => box.querySelector<HTMLElement>(`[data-latent="${j}"]`)!);
  for (const [rank, row] of rows.entries()) {
    const j = view.order[rank];
    const active = view.kl[j] > ACTIVE_KL;
    row.classList.toggle("inactive", !active);
    row.querySelector(".kl")!.textContent = `${view.kl[j].toFixed(2)}${active ? "" : " off"}`;
    row.title = active ? `KL ${view.kl[j].toFixed(3)} nats` : `inactive: KL ${view.kl[j].toFixed(3)} ≤ ${ACTIVE_KL} nats, the decoder ignores it`;
  }
  if (!box.matches(":active")) box.replaceChildren(...rows);
}

function setLatents(values: ArrayLike<number>): void {
  z = Float32Array.from(values);
  sliders.forEach((input, j) => {
    input.value = String(z[j]);
    input.nextElementSibling!.textContent = z[j].toFixed(2);
  });
  requestDecode();
}

// Decoding keeps one request in flight: moves made meanwhile collapse into the next request.
let decoding = false;
let dirty = false;
let frames: number[] = [];
let latencies: number[] = [];
let drained: (() => void)[] = [];

/** Resolves when no decode is in flight or waiting. */
function decodesDone(): Promise<void> {
  return decoding ? new Promise((resolve) => drained.push(resolve)) : Promise.resolve();
}

function requestDecode(): void {
  if (decoding) {
    dirty = true;
    return;
  }
  decoding = true;
  dirty = false;
  const m = model!.config.model;
  const asked = performance.now();
  client.request({ kind: "decode", z: z.slice() }).then((image) => {
    drawFloatImage(element<HTMLCanvasElement>("decoded"), image, m.width, m.height, m.channels);
    countFrame(asked, performance.now());
  }, fail).finally(() => {
    decoding = false;
    if (dirty) requestDecode();
    else for (const resolve of drained.splice(0)) resolve();
  });
}

/** Frames per second over the latest burst of decodes (frames less than 250 ms apart), and the median time a decode takes. */
function countFrame(asked: number, now: number): void {
  if (frames.length && now - frames[frames.length - 1] > 250) {
    frames = [];
    latencies = [];
  }
  frames.push(now);
  latencies.push(now - asked);
  if (frames.length > 120) {
    frames.shift();
    latencies.shift();
  }
  if (frames.length < 5) return;
  const fps = ((frames.length - 1) * 1000) / (now - frames[0]);
  const median = [...latencies].sort((a, b) => a - b)[latencies.length >> 1];
  const label = element("fps");
  label.dataset.fps = fps.toFixed(1);
  label.dataset.latency = median.toFixed(2);
  label.textContent = `${fps.toFixed(0)} frames/s · ${median.toFixed(1)} ms per decode`;
}

// ---------- training ----------

function readSettings(): TrainSettings {
  const number = (name: string | HTMLInputElement | HTMLSelectElement, what: string, integer = false) => {
    const input = typeof name === "string" ? field(name) : name;
    const v = Number(input.value);
    if (input.value.trim() === "" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      throw new Error(`${what} must be ${integer ? "a whole number" : "a number"}, got '${input.value}'`);
    }
    return v;
  };
  const kind = (form.elements.namedItem("objective") as RadioNodeList).value;
  const values: Record<string, number | string> = {};
  for (const s of objectiveKinds().find((k) => k.kind === kind)!.settings) {
    const input = settingInput(kind, s.flag);
    if (isChoiceSetting(s)) values[s.flag] = input.value;
    else if (!(s.datasetSize && input.value.trim() === "")) values[s.flag] = number(input, s.symbol ?? s.flag, s.integer);
  }
  const dataset = field("dataset").value as DatasetChoice;
  const count = dataset === DROPPED_IMAGES ? droppedImageCount : imageCount(createDataset(dataset as DatasetName));
  const objective = objectiveFromSettings(kind, values, count);
  const latents = number("latents", "the latent count", true);
  if (latents < 1 || latents > 64) throw new Error(`the latent count must be between 1 and 64, got ${latents}`);
  const batch = number("batch", "the batch", true);
  if (batch < 1 || batch > 512) throw new Error(`the batch must be between 1 and 512, got ${batch}`);
  return {
    dataset, latents, batch, seed: number("seed", "the seed", true), objective, lr: number("lr", "the learning rate"),
  };
}

function fillForm(info: ModelInfo): void {
  const c = info.config;
  field("dataset").value = info.dataset;
  field("latents").value = String(c.model.latents);
  field("batch").value = String(c.batch);
  field("seed").value = String(c.seed);
  field("lr").value = String(c.optimiser.lr);
  (form.elements.namedItem("objective") as RadioNodeList).value = c.objective.kind;
  for (const [flag, value] of Object.entries(objectiveSettingValues(c.objective))) settingInput(c.objective.kind, flag).value = String(value);
  showObjectiveFields();
}

/** The input of one objective's setting (objectives may share a flag, each with its own input). */
function settingInput(kind: string, flag: string): HTMLInputElement | HTMLSelectElement {
  return form.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-objective="${kind}"] [name="${flag}"]`)!;
}

/** A radio per registered objective, then every objective's settings as inputs (only the chosen one's shown). */
function buildObjectivePicker(): void {
  const picker = element("objective-picker");
  const label = (text: string, control: HTMLElement, help?: string) => {
    const l = document.createElement("label");
    l.append(`${text} `, control);
    if (help) l.title = help;
    return l;
  };
  objectiveKinds().forEach((kind, i) => {
    const radio = Object.assign(document.createElement("input"), { type: "radio", name: "objective", value: kind.kind, checked: i === 0 });
    const l = document.createElement("label");
    l.append(radio, ` ${kind.label}`);
    picker.append(l);
  });
  for (const kind of objectiveKinds()) {
    for (const s of kind.settings) {
      const l = label(s.symbol ?? s.flag, settingControl(s), s.help);
      l.dataset.objective = kind.kind;
      picker.append(l);
    }
  }
}

function settingControl(s: ObjectiveSetting): HTMLInputElement | HTMLSelectElement {
  if (isChoiceSetting(s)) {
    const select = Object.assign(document.createElement("select"), { name: s.flag });
    for (const c of s.choices) select.append(Object.assign(document.createElement("option"), { value: c, textContent: c, selected: c === s.default }));
    return select;
  }
  const input = Object.assign(document.createElement("input"), { name: s.flag, type: "number", step: s.integer ? "1" : "any" });
  if (s.min !== undefined) input.min = String(s.min);
  if (s.max !== undefined) input.max = String(s.max);
  if (s.datasetSize) input.placeholder = "the dataset's images";
  else input.value = String(s.default);
  return input;
}

function showObjectiveFields(): void {
  const kind = (form.elements.namedItem("objective") as RadioNodeList).value;
  for (const label of form.querySelectorAll<HTMLElement>("[data-objective]")) label.hidden = label.dataset.objective !== kind;
}

function setTraining(running: boolean): void {
  training = running;
  buttons.start.disabled = running;
  buttons.pause.disabled = !running;
  element("train").dataset.running = String(running);
}

/** Pauses training and resolves once the worker has stopped. */
function stopTraining(): Promise<void> {
  if (!training) return Promise.resolve();
  return new Promise((resolve) => {
    stopped = resolve;
    client.control({ kind: "pause" });
  });
}

function onReport(report: Parameters<ConstructorParameters<typeof EngineClient>[0]>[0]): void {
  switch (report.kind) {
    case "metrics":
      onMetrics(report.points, report.imagesPerSec);
      break;
    case "view":
      showView(report.view, false);
      break;
    case "warning":
      say(`warning: ${report.text}`, "warn");
      break;
    case "training":
      if (report.model) showModel(report.model);
      if (report.running && report.note) {
        charts.reset(report.model!.config.model.latents);
        say(report.note);
        void refreshView(true).catch(fail);
      }
      setTraining(report.running);
      if (report.error) say(`training stopped: ${report.error}`, "error");
      if (!report.running) {
        element("train-status").textContent = `paused at step ${report.model?.step ?? 0}`;
        stopped?.();
        stopped = null;
      }
      break;
  }
}

function onMetrics(points: StepMetrics[], imagesPerSec: number): void {
  if (!points.length) return;
  charts.add(points);
  const m = points[points.length - 1];
  const c = m.capacity === null ? "" : ` · C ${m.capacity.toFixed(2)}`;
  element("train-status").textContent = `step ${m.step} · ${Math.round(imagesPerSec)} images/s · recon ${m.recon.toFixed(1)} · KL ${m.kl.toFixed(2)}${c}`;
  if (model) {
    model.step = m.step;
    describeModel();
  }
}

async function start(): Promise<void> {
  const settings = readSettings();
  if (!model) throw new Error("no model yet");
  client.control({ kind: "train", settings, viewSeed });
}

async function reset(): Promise<void> {
  const settings = readSettings();
  await stopTraining();
  showModel(await client.request({ kind: "reset", settings }));
  charts.reset(settings.latents);
  await refreshView(true);
  say("new model: random weights, step 0");
}

// ---------- checkpoints ----------

async function loadFile(file: File): Promise<void> {
  say(`loading ${file.name}…`);
  if (await loadBytes(new Uint8Array(await file.arrayBuffer()), file.name)) say(`loaded ${file.name}`, "ok");
}

async function download(): Promise<void> {
  const { bytes, step } = await client.request({ kind: "save" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
  link.download = `betavae-${model!.dataset}-step${step}.safetensors`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

async function switchBackend(choice: BackendChoice): Promise<void> {
  await stopTraining();
  const bytes = model ? (await client.request({ kind: "save" })).bytes : null;
  const origin = model?.origin ?? "shipped model";
  await startEngine(choice);
  if (bytes) await loadBytes(bytes, origin);
}

// ---------- images dropped on the page ----------

const imageOptions = element<HTMLFormElement>("image-options");

function readImageOptions(): ImageOptions {
  const value = (name: string) => (imageOptions.elements.namedItem(name) as HTMLSelectElement).value;
  const side = cropSide(value("crop"));
  return { channels: value("channels") === "1" ? 1 : 3, ...(side ? { cropSide: side } : {}) };
}

let decodingImages = false;

/** How many images the last drop gave (what β-TCVAE's dataset size defaults to on them). */
let droppedImageCount: number | null = null;

/** Decodes what was dropped or picked, hands the images to the engine and offers them as the dataset. */
async function takeImages(finding: Promise<FoundImages>): Promise<void> {
  if (decodingImages) throw new Error("still decoding the images dropped before; wait for them to finish");
  decodingImages = true;
  const status = element("image-status");
  const progress = element<HTMLProgressElement>("image-progress");
  try {
    status.textContent = "looking for images…";
    const found = await finding;
    const empty = nothingToTrainOn(found);
    if (empty) throw new Error(empty);
    const options = readImageOptions();
    progress.hidden = false;
    const decoded = await decodeImages(found.images, options, (done, total) => {
      progress.value = done / total;
      status.textContent = `decoding ${done} of ${total} images…`;
    });
    const unusable = nothingToTrainOn(found, decoded);
    if (unusable) throw new Error(unusable);
    const record = { source: found.source, ...(options.cropSide ? { cropSide: options.cropSide } : {}) };
    await client.request({ kind: "images", pixels: decoded.pixels, channels: options.channels, record }, [decoded.pixels.buffer]);
    const line = describeImages(found, decoded, options);
    status.textContent = line;
    const choice = form.querySelector<HTMLOptionElement>(`option[value="${DROPPED_IMAGES}"]`)!;
    choice.disabled = false;
    choice.textContent = `your images (${decoded.count} from ${found.source})`;
    droppedImageCount = decoded.count;
    field("dataset").value = DROPPED_IMAGES;
    say(`${line}: Start trains a new model on them`, decoded.unreadable.length ? "warn" : "ok");
  } catch (e) {
    status.textContent = (e as Error).message;
    throw e;
  } finally {
    progress.hidden = true;
    decodingImages = false;
  }
}

const imageDrop = element("image-drop");
imageDrop.addEventListener("dragover", () => imageDrop.classList.add("over"));
imageDrop.addEventListener("dragleave", () => imageDrop.classList.remove("over"));
imageDrop.addEventListener("drop", (event) => {
  imageDrop.classList.remove("over");
  const data = (event as DragEvent).dataTransfer;
  if (data) void takeImages(filesOfDrop(data)).catch(fail); // read while the event runs
});
for (const id of ["image-folder", "image-zip"]) {
  const input = element<HTMLInputElement>(id);
  input.addEventListener("change", () => {
    const files = input.files;
    if (files?.length) void takeImages(filesOfInput(files)).catch(fail);
    input.value = "";
  });
}

// ---------- wiring ----------

const guarded = (task: () => Promise<void>) => () => void task().catch(fail);

buttons.start.addEventListener("click", guarded(start));
buttons.pause.addEventListener("click", () => client.control({ kind: "pause" }));
buttons.reset.addEventListener("click", guarded(reset));
buttons.download.addEventListener("click", guarded(download));
buttons.shipped.addEventListener("click", guarded(loadShipped));
buttons.newSeed.addEventListener("click", guarded(async () => {
  viewSeed++;
  await refreshView(true);
}));
buttons.zero.addEventListener("click", () => setLatents(new Float32Array(z.length)));
form.addEventListener("change", (event) => {
  const target = event.target as HTMLInputElement;
  if (target.name === "objective") showObjectiveFields();
  if (target.name === "backend") void switchBackend(target.value as BackendChoice).catch(fail);
});

const fileInput = element<HTMLInputElement>("file");
fileInput.addEventListener("change", () => {
  const file = fileInput.files?.[0];
  fileInput.value = "";
  if (file) void loadFile(file).catch(fail);
});
const dropZone = element("drop-zone");
// a file dropped anywhere must not make the browser navigate away from the page
for (const type of ["dragover", "drop"]) window.addEventListener(type, (e) => e.preventDefault());
dropZone.addEventListener("dragover", () => dropZone.classList.add("over"));
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"));
dropZone.addEventListener("drop", (event) => {
  dropZone.classList.remove("over");
  const file = (event as DragEvent).dataTransfer?.files[0];
  if (file) void loadFile(file).catch(fail);
});
window.addEventListener("resize", () => charts.resize());

buildObjectivePicker();
showObjectiveFields();
void (async () => {
  await startEngine("auto");
  await loadShipped();
  document.body.dataset.ready = "true";
})().catch(fail);

// The built page in a real browser: Debian's chromium, driven by playwright-core (no browser
// is ever downloaded). Serves dist/ with `vite preview` (cross-origin isolated, so the WASM
// backend gets its threads) and walks what a visitor does: the shipped model's sliders,
// training, loading a checkpoint, and training on a folder and a zip of images (written by the
// test: PNGs by the repository's encoder, a JPEG by the browser). Screenshots and the measured
// decode rate go to e2e/screenshots/.
import { DEFAULT_LOG_EVERY, HISTORY_POINTS, decodeCheckpoint, hasOptimizerState, historyOf, restoreCheckpoint, Trainer, WasmBackend } from "@betavae/core";
import { DROPPED_IMAGES, ImageSampler, type RasterImage, createDataset, encodePng } from "@betavae/datasets";
import { zipSync } from "fflate";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";
import { type PreviewServer, preview } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCheckpoint } from "../src/fixtures";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
if (!CHROMIUM) {
  // as the WebGPU tests do: say why in one line, and fail under CI, which installs chromium
  const reason = "no chromium at $CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser (Debian: apt-get install chromium)";
  if (process.env.CI) throw new Error(`the web demo's browser test: ${reason} — CI must run it (see .ci/run)`);
  console.warn(`web demo in chromium SKIPPED: ${reason}`);
}

describe.skipIf(!CHROMIUM)("the web demo in chromium", () => {
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const measured: Record<string, unknown> = {};

  beforeAll(async () => {
    if (!existsSync(`${ROOT}/dist/index.html`)) throw new Error("apps/web/dist is missing: run `npx turbo build --filter=@betavae/web` first");
    mkdirSync(SHOTS, { recursive: true });
    server = await preview({ root: ROOT, logLevel: "silent", preview: { port: 0, host: "127.0.0.1", strictPort: false } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1100 }, acceptDownloads: true });
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
    await page.goto(server.resolvedUrls!.local[0]);
    await page.waitForSelector("body[data-ready=true]", { timeout: 90_000 });
  });

  afterAll(async () => {
    writeFileSync(`${SHOTS}/measured.json`, JSON.stringify(measured, null, 2) + "\n");
    await browser?.close();
    await server?.close();
  });

  /** A 32-bit FNV-1a hash of a canvas's pixels (short enough to read in a failure). */
  const canvasPixels = (selector: string) => page.locator(selector).evaluate((c: HTMLCanvasElement) => {
    const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let h = 0x811c9dc5;
    for (const v of data) h = Math.imul(h ^ v, 0x01000193);
    return `${c.width}×${c.height}:${(h >>> 0).toString(16)}`;
  });
  const decodedPixels = () => canvasPixels("#decoded");
  const modelLine = () => page.locator("#model-info");

  it("opens with the shipped model: its training curves, sliders ordered by KL, inactive ones marked, the image follows a dragged slider", async () => {
    await expect.poll(() => modelLine().getAttribute("data-origin")).toBe("shipped model");
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    // the curves it was trained along come with it
    await expect.poll(async () => Number(await page.locator("#chart-kl").getAttribute("data-points"))).toBeGreaterThan(100);
    measured.backend = await page.locator("#backend").textContent();
    const rows = page.locator("#sliders .slider");
    expect(await rows.count()).toBe(10);
    const kls = (await page.locator("#sliders .kl").allTextContents()).map((t) => Number.parseFloat(t));
    expect(kls).toEqual([...kls].sort((a, b) => b - a));
    expect(await page.locator("#sliders .slider.inactive").count()).toBeGreaterThan(0);
    expect(await page.locator("#sliders .slider:not(.inactive)").count()).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: `${SHOTS}/1-sliders.png`, fullPage: true });

    const before = await decodedPixels();
    // drag the highest-KL slider back and forth for 2 s, moving faster than any screen refreshes,
    // so the page's frame rate is the decoder's, not the input's
    const box = (await rows.first().locator("input").boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + 2, y);
    await page.mouse.down();
    const dragStart = Date.now();
    let moves = 0;
    for (let i = 0; Date.now() - dragStart < 2000; i++) {
      const phase = (i % 80) / 40;
      await page.mouse.move(box.x + 2 + (box.width - 4) * (phase <= 1 ? phase : 2 - phase), y);
      moves++;
    }
    await page.mouse.up();
    measured.dragMovesPerSecond = Math.round(moves / ((Date.now() - dragStart) / 1000));
    await expect.poll(decodedPixels).not.toBe(before);
    measured.dragFramesPerSecond = Number(await page.locator("#fps").getAttribute("data-fps"));
    measured.decodeMedianMs = Number(await page.locator("#fps").getAttribute("data-latency"));
    expect(measured.dragFramesPerSecond).toBeGreaterThan(0);

    // the same drag from inside the page, one slider move per animation frame for 2 s: the
    // frame rate a person dragging sees, free of the automation protocol's round trips
    await page.waitForTimeout(400); // ends the burst above
    measured.animationFrameDrag = await rows.first().locator("input").evaluate((input: HTMLInputElement) => new Promise((resolve) => {
      const start = performance.now();
      let moves = 0;
      const step = (now: number) => {
        const phase = ((now - start) % 1000) / 500;
        input.value = String(-3 + 3 * (phase <= 1 ? phase : 2 - phase));
        input.dispatchEvent(new Event("input", { bubbles: true }));
        moves++;
        if (now - start < 2000) requestAnimationFrame(step);
        else setTimeout(() => resolve({ movesPerSecond: Math.round(moves / 2), framesPerSecond: Number(document.getElementById("fps")!.dataset.fps) }), 100);
      };
      requestAnimationFrame(step);
    }));
  });

  it("trains a new model in the worker: the loss chart gains points, the loss falls, the traversal refreshes", async () => {
    await page.selectOption("select[name=dataset]", "dsprites");
    await page.fill("input[name=batch]", "16");
    await page.check("input[name=objective][value=beta]");
    await page.fill("input[name=beta]", "4");
    await page.fill("input[name=lr]", "0.001");
    await page.click("#reset");
    await expect.poll(() => modelLine().getAttribute("data-origin")).toBe("new model");
    const [traversalBefore, decodedBefore] = [await canvasPixels("#traversal"), await decodedPixels()];
    await page.click("#start");
    await expect.poll(async () => Number(await page.locator("#chart-recon").getAttribute("data-points")), { timeout: 180_000 }).toBeGreaterThanOrEqual(60);
    await expect.poll(() => canvasPixels("#traversal"), { timeout: 30_000 }).not.toBe(traversalBefore);
    await expect.poll(decodedPixels, { timeout: 30_000 }).not.toBe(decodedBefore);
    await page.screenshot({ path: `${SHOTS}/2-training.png`, fullPage: true });
    await page.click("#pause");
    await expect.poll(() => page.locator("#train").getAttribute("data-running")).toBe("false");
    const chart = page.locator("#chart-recon");
    const [first, last] = [Number(await chart.getAttribute("data-first")), Number(await chart.getAttribute("data-last"))];
    measured.training = { steps: Number(await chart.getAttribute("data-points")), firstRecon: first, lastRecon: last, status: await page.locator("#train-status").textContent() };
    expect(last).toBeLessThan(0.5 * first);
    expect(await page.locator("#chart-recon canvas").count()).toBeGreaterThan(0);
  });

  it("downloads the page's model as a checkpoint the CLI's code resumes", async () => {
    const step = Number(await modelLine().getAttribute("data-step"));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    expect(download.suggestedFilename()).toBe(`betavae-dsprites-step${step}.safetensors`);
    const checkpoint = decodeCheckpoint(new Uint8Array(readFileSync((await download.path())!)));
    expect(checkpoint.app.dataset).toBe("dsprites");
    expect(checkpoint.state.step).toBe(step);
    // the curves the page drew go along, from this fresh model's first logged step to its last
    // (the session logs every DEFAULT_LOG_EVERY steps, as bvae train does)
    const history = historyOf(checkpoint.app, 10);
    const logged = Math.floor(step / DEFAULT_LOG_EVERY);
    expect([history[0].step, history.at(-1)!.step, history.length]).toEqual([DEFAULT_LOG_EVERY, logged * DEFAULT_LOG_EVERY, Math.min(logged, HISTORY_POINTS)]);
    expect(checkpoint.config).toMatchObject({ batch: 16, objective: { kind: "beta", beta: 4 }, optimiser: { lr: 0.001 } });
    expect(hasOptimizerState(checkpoint)).toBe(true);
    const backend = await WasmBackend.create();
    try {
      const trainer = new Trainer(backend, checkpoint.config, new ImageSampler(createDataset("dsprites"), checkpoint.config.seed + 1));
      restoreCheckpoint(trainer, checkpoint);
      expect((await trainer.trainStep()).step).toBe(step + 1);
    } finally {
      backend.dispose();
    }
  });

  it("loads checkpoints made by bvae from the file picker and by drag and drop", async () => {
    await page.setInputFiles("#file", { name: "cli-run.safetensors", mimeType: "application/octet-stream", buffer: Buffer.from(await makeCheckpoint({ steps: 3 })) });
    await expect.poll(() => page.locator("#message").textContent()).toBe("loaded cli-run.safetensors");
    expect(await modelLine().getAttribute("data-origin")).toBe("cli-run.safetensors");
    expect(await modelLine().getAttribute("data-step")).toBe("3");
    expect(await page.locator("#sliders .slider").count()).toBe(6);
    await page.screenshot({ path: `${SHOTS}/3-loaded.png`, fullPage: true });

    const dropped = Buffer.from(await makeCheckpoint({ steps: 5, latents: 4, seed: 9 })).toString("base64");
    await page.locator("#drop-zone").evaluate((zone, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], "dropped.safetensors"));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }, dropped);
    await expect.poll(() => page.locator("#message").textContent()).toBe("loaded dropped.safetensors");
    expect(await modelLine().getAttribute("data-origin")).toBe("dropped.safetensors");
    expect(await modelLine().getAttribute("data-step")).toBe("5");
    expect(await page.locator("#sliders .slider").count()).toBe(4);
  });

  it("says what is wrong with a file that is not a checkpoint, or one for another image size, and keeps the model", async () => {
    const line = await modelLine().textContent();
    const image = await decodedPixels();
    await page.setInputFiles("#file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a model\n") });
    await expect.poll(() => page.locator("#message.error").textContent()).toMatch(/^notes\.txt is not a betavae checkpoint: /);
    await page.setInputFiles("#file", { name: "tiny.safetensors", mimeType: "application/octet-stream", buffer: Buffer.from(await makeCheckpoint({ steps: 1, size: 32 })) });
    await expect.poll(() => page.locator("#message.error").textContent()).toContain("tiny.safetensors is a model of 32×32×1 images");
    expect(await modelLine().textContent()).toBe(line);
    expect(await decodedPixels()).toBe(image);
  });

  /** An image of a coloured disc at a place and size that vary with `n`, on a ground of another colour. */
  const disc = (n: number, width: number, height: number, channels: 1 | 3 | 4): RasterImage => {
    const data = new Uint8Array(width * height * channels);
    const [cx, cy, r] = [width * (0.3 + 0.05 * (n % 8)), height * (0.35 + 0.04 * (n % 7)), Math.min(width, height) * (0.12 + 0.02 * (n % 5))];
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      const rgba = inside ? [230, 40 + 15 * n, 60, 255] : [30, 60, 90 + 10 * n, channels === 4 && x < 8 ? 0 : 255];
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = channels === 1 ? rgba[1] : rgba[c];
    }
    return { width, height, channels, data };
  };
  /** A JPEG of `width` × `height` encoded by the browser (nothing in the repository writes JPEG). */
  const browserJpeg = async (width: number, height: number) => Buffer.from(await page.evaluate(async ([w, h]) => {
    const canvas = new OffscreenCanvas(w, h);
    const context = canvas.getContext("2d")!;
    context.fillStyle = "#3060a0";
    context.fillRect(0, 0, w, h);
    context.fillStyle = "#f0d020";
    context.fillRect(w / 4, h / 3, w / 2, h / 3);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: "image/jpeg", quality: 0.9 })).arrayBuffer());
    return btoa(String.fromCharCode(...bytes));
  }, [width, height]), "base64");
  const dropFile = (name: string, bytes: Uint8Array) => page.locator("#image-drop").evaluate((zone, [fileName, b64]) => {
    const data = new DataTransfer();
    data.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], fileName));
    zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  }, [name, Buffer.from(bytes).toString("base64")] as const);
  const imageStatus = () => page.locator("#image-status").textContent();

  it("trains on a folder of images picked from disk: PNGs of mixed sizes, grey and RGBA, a JPEG, one corrupt file, one that is no image", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bvae-web-images-"));
    try {
      const folder = join(dir, "photos");
      mkdirSync(join(folder, "discs"), { recursive: true });
      for (let n = 0; n < 10; n++) writeFileSync(join(folder, "discs", `disc${n}.png`), encodePng(disc(n, 60 + 7 * n, 90 - 3 * n, 3)));
      writeFileSync(join(folder, "grey.png"), encodePng(disc(3, 50, 70, 1)));
      writeFileSync(join(folder, "alpha.png"), encodePng(disc(5, 64, 64, 4)));
      writeFileSync(join(folder, "photo.JPG"), await browserJpeg(120, 90));
      writeFileSync(join(folder, "broken.png"), "this is not a PNG\n");
      writeFileSync(join(folder, "notes.txt"), "not an image\n");
      await page.setInputFiles("#image-folder", folder);
      await expect.poll(imageStatus).toBe(
        "13 images from photos, 64×64 RGB, largest centred square · 1 unreadable: photos/broken.png · 1 file that is not JPEG, PNG or WebP left out",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await page.locator("select[name=dataset]").inputValue()).toBe(DROPPED_IMAGES);
    await page.fill("input[name=latents]", "6");
    await page.fill("input[name=batch]", "8");
    const traversalBefore = await canvasPixels("#traversal");
    await page.click("#start");
    await expect.poll(() => modelLine().textContent()).toMatch(/^new model: 13 images from photos, 6 latents/);
    await expect.poll(async () => Number(await page.locator("#chart-recon").getAttribute("data-points")), { timeout: 120_000 }).toBeGreaterThanOrEqual(30);
    // the traversal is drawn from the dropped images: six rows of RGB pictures
    await expect.poll(() => canvasPixels("#traversal"), { timeout: 30_000 }).not.toBe(traversalBefore);
    const traversal = await page.locator("#traversal").evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let coloured = 0;
      for (let p = 0; p < data.length; p += 4) if (Math.abs(data[p] - data[p + 2]) > 40) coloured++;
      return { width: c.width, height: c.height, coloured };
    });
    expect(traversal.height).toBeGreaterThan(6 * 64);
    expect(traversal.coloured).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/4-dropped-images.png`, fullPage: true });
    await page.click("#pause");
    await expect.poll(() => page.locator("#train").getAttribute("data-running")).toBe("false");
  });

  it("trains on a dropped .zip in grey with the CelebA crop, and its download records the images", async () => {
    const entries: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
    for (let n = 0; n < 6; n++) entries[`faces/${n}.png`] = [encodePng(disc(n, 178, 218, 3)), { level: n % 2 ? 0 : 6 }];
    entries["faces/readme.txt"] = [new TextEncoder().encode("six faces"), { level: 6 }];
    await page.selectOption("#image-options select[name=channels]", "1");
    await page.selectOption("#image-options select[name=crop]", "celeba");
    await dropFile("faces.zip", zipSync(entries));
    await expect.poll(imageStatus).toBe("6 images from faces.zip, 64×64 grey, centred 148-pixel crop · 1 file that is not JPEG, PNG or WebP left out");
    await page.click("#start");
    await expect.poll(() => modelLine().textContent()).toMatch(/^new model: 6 images from faces\.zip/);
    await expect.poll(async () => Number(await page.locator("#chart-recon").getAttribute("data-points")), { timeout: 120_000 }).toBeGreaterThanOrEqual(10);
    await page.click("#pause");
    await expect.poll(() => page.locator("#train").getAttribute("data-running")).toBe("false");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    const checkpoint = decodeCheckpoint(new Uint8Array(readFileSync((await download.path())!)));
    expect(checkpoint.app).toMatchObject({ dataset: DROPPED_IMAGES, images: { source: "faces.zip", count: 6, cropSide: 148 } });
    expect(checkpoint.config.model).toMatchObject({ channels: 1, height: 64, width: 64 });
  });

  it("says in one line when a drop holds no images, and keeps the images it had", async () => {
    await dropFile("empty.zip", zipSync({ "notes.txt": new TextEncoder().encode("nothing to see") }));
    await expect.poll(() => page.locator("#message.error").textContent()).toBe("empty.zip holds no JPEG, PNG or WebP images");
    await dropFile("broken.zip", new TextEncoder().encode("not a zip at all, just text"));
    await expect.poll(() => page.locator("#message.error").textContent()).toMatch(/^broken\.zip is not a readable zip file: /);
    expect(await page.locator("option[value=dropped-images]").textContent()).toBe("your images (6 from faces.zip)");
  });

  it("turns a photo upright by its EXIF orientation and lays transparency on white, as bvae train --data-dir does", async () => {
    // 120 × 80 quadrants (red, blue / white, black) between green bands, as the browser encodes them
    const jpeg = Buffer.from(await page.evaluate(async () => {
      const canvas = new OffscreenCanvas(120, 80);
      const context = canvas.getContext("2d")!;
      for (const [colour, x, y, w, h] of [["#0f0", 0, 0, 120, 80], ["#f00", 20, 0, 40, 40], ["#00f", 60, 0, 40, 40], ["#fff", 20, 40, 40, 40], ["#000", 60, 40, 40, 40]] as const) {
        context.fillStyle = colour;
        context.fillRect(x, y, w, h);
      }
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: "image/jpeg", quality: 1 })).arrayBuffer());
      return btoa(String.fromCharCode(...bytes));
    }), "base64");
    // an EXIF segment after the JPEG's start saying "shown rotated 90° clockwise" (orientation 6): upright it is
    // 80 × 120, its quadrants white, red / black, blue
    const exif = Buffer.from([
      0xff, 0xe1, 0, 34, ...Buffer.from("Exif\0\0", "latin1"),
      ...Buffer.from("MM\0*", "latin1"), 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0,
    ]);
    const turned = Buffer.concat([jpeg.subarray(0, 2), exif, jpeg.subarray(2)]);
    // 64 × 64: the left half transparent (black with alpha 0), the right half opaque blue
    const clear: RasterImage = { width: 64, height: 64, channels: 4, data: new Uint8Array(64 * 64 * 4) };
    for (let p = 0; p < 64 * 64; p++) if (p % 64 >= 32) clear.data.set([0, 0, 255, 255], 4 * p);
    await page.selectOption("#image-options select[name=channels]", "3");
    await page.selectOption("#image-options select[name=crop]", "square");
    await dropFile("pair.zip", zipSync({ "turned.jpg": turned, "clear.png": encodePng(clear) }));
    await expect.poll(imageStatus).toBe("2 images from pair.zip, 64×64 RGB, largest centred square");
    const before = await canvasPixels("#reconstructions");
    await page.click("#start");
    await expect.poll(() => modelLine().textContent()).toMatch(/^new model: 2 images from pair\.zip/);
    await expect.poll(() => canvasPixels("#reconstructions")).not.toBe(before);
    await page.click("#pause");
    // the inputs of the reconstructions (grid rows 1 and 3, 8 tiles each, zoom 2, gap 2): each tile is one of the two
    // images; its top-left, top-right and bottom-left pixels tell which, and whether it was turned and laid on white
    const tiles = await page.locator("#reconstructions").evaluate((c: HTMLCanvasElement) => {
      const context = c.getContext("2d")!;
      const at = (tile: number, x: number, y: number) => {
        const [r, g, b] = context.getImageData(2 + (tile % 8) * 130 + 2 * x + 1, 2 + 2 * Math.floor(tile / 8) * 130 + 2 * y + 1, 1, 1).data;
        return [r, g, b];
      };
      return Array.from({ length: 16 }, (_, tile) => [at(tile, 10, 10), at(tile, 53, 10), at(tile, 10, 53)]);
    });
    const named: Record<string, number[][]> = {
      "upright photo": [[255, 255, 255], [255, 0, 0], [0, 0, 0]],
      "transparency on white": [[255, 255, 255], [0, 0, 255], [255, 255, 255]],
    };
    const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 40);
    const seen = tiles.map((t) => Object.keys(named).find((name) => named[name].every((rgb, i) => near(t[i], rgb))) ?? JSON.stringify(t));
    expect(new Set(seen)).toEqual(new Set(Object.keys(named)));
  });

  it("logged no console errors", () => {
    expect(problems).toEqual([]);
  });
});

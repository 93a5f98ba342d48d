// bvae train --data-dir end to end, in process, on folders of images the test writes with
// sharp: the burgess-celeba preset for a few steps and figures on its run, the cache a resumed
// run reuses, and every bad input's one line.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import sharp from "sharp";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { decodeCheckpoint, serializeCheckpoint } from "@betavae/core";
import { DROPPED_IMAGES } from "@betavae/datasets";
import { main } from "./bvae";
import { captureConsole, captured, expectError } from "./test-console";

captureConsole();

const tmp = () => mkdtempSync(join(tmpdir(), "bvae-data-dir-"));
const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));
const png = (path: string) => PNG.sync.read(readFileSync(path));
/** What the command wrote to stderr (notes and warnings), as lines. */
const stderrLines = () => vi.mocked(process.stderr.write).mock.calls.map(([chunk]) => String(chunk).trimEnd());

/** A width × height RGB image: a disc of colour `rgb` at (cx, cy) on a grey ground. */
function disc(width: number, height: number, cx: number, cy: number, r: number, rgb: number[]): ReturnType<typeof sharp> {
  const px = Buffer.alloc(width * height * 3, 90);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) px.set(rgb, (y * width + x) * 3);
  return sharp(px, { raw: { width, height, channels: 3 } });
}

/** Twelve CelebA-sized (178 × 218) faces-of-a-sort in two formats and two folders, and one corrupt file. */
async function writeFaces(dir: string): Promise<void> {
  mkdirSync(join(dir, "more"), { recursive: true });
  for (let i = 0; i < 12; i++) {
    const image = disc(178, 218, 60 + 5 * i, 100 + 3 * i, 30 + 2 * i, [200, 20 * i, 255 - 20 * i]);
    if (i % 2) await image.jpeg({ quality: 90 }).toFile(join(dir, `${String(i).padStart(6, "0")}.jpg`));
    else await image.png().toFile(join(dir, "more", `${String(i).padStart(6, "0")}.png`));
  }
  writeFileSync(join(dir, "more", "truncated.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]));
}

const SMALL = ["--batch", "4", "--log-every", "1", "--checkpoint-every", "5"];

let faces: string;
beforeAll(async () => {
  faces = join(tmp(), "faces");
  await writeFaces(faces);
});

describe("bvae train --data-dir", () => {
  it("trains the burgess-celeba preset on a folder, caches the images beside the run, and figures draw its traversals", async () => {
    const run = join(tmp(), "celeba");
    expect(await main(["train", "--preset", "burgess-celeba", "--data-dir", faces, "--steps", "20", ...SMALL, "--out", run])).toBe(0);
    expect(captured.out.join("\n")).toContain(`training the images in ${faces} (cached in ${join(run, "images-64x64x3.npy")}), capacity`);
    // libvips words the reason; the line names the file and counts it
    const warnings = stderrLines().filter((l) => l.startsWith("warning:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].startsWith(`warning: skipped 1 of 13 files in ${faces} that could not be decoded: more/truncated.jpg (`)).toBe(true);
    const config = json(join(run, "config.json"));
    expect(config).toMatchObject({
      dataDir: faces, dataFile: join(run, "images-64x64x3.npy"), crop: "celeba",
      training: { model: { height: 64, width: 64, channels: 3, latents: 32 }, objective: { kind: "capacity", gamma: 1000, capacityMax: 50, capacitySteps: 100000 }, optimiser: { lr: 5e-4 }, batch: 4 },
      settings: { "data-dir": faces, channels: 3, crop: "celeba", cache: join(run, "images-64x64x3.npy") },
    });
    expect(statSync(join(run, "images-64x64x3.npy")).size).toBe(128 + 12 * 64 * 64 * 3);

    expect(await main(["info", "--checkpoint", join(run, "checkpoint.safetensors")])).toBe(0);
    expect(captured.out.join("\n")).toContain(`the images in ${faces} (RGB, crop celeba; cached in ${join(run, "images-64x64x3.npy")})`);

    expect(await main(["figures", "--run", run])).toBe(0);
    const traversal = png(join(run, "traversal.png"));
    expect(traversal.width).toBeGreaterThan(64 * 5);
    expect(captured.out.join("\n")).toMatch(/figures: .*traversal\.png/);

    // eval needs factors, which a folder has none of
    await expectError(["eval", "--checkpoint", join(run, "checkpoint.safetensors"), "--metrics", "mig", "--out", join(run, "eval")],
      /^bvae eval: cannot compute mig: images-64x64x3\.npy has images but no ground-truth factors$/);

    // a resumed run reads the cache, not the JPEGs: a count of decodes would show on stderr
    vi.mocked(process.stderr.write).mockClear();
    const built = statSync(join(run, "images-64x64x3.npy")).mtimeMs;
    expect(await main(["train", "--resume", "--out", run, "--steps", "25"])).toBe(0);
    expect(stderrLines().filter((l) => l.startsWith("decoding images"))).toEqual([]);
    expect(statSync(join(run, "images-64x64x3.npy")).mtimeMs).toBe(built);
    await expectError(["train", "--resume", "--out", run, "--channels", "1"], "bvae train: --channels cannot be changed when resuming: this run has 3, not 1", 2);
    await expectError(["train", "--resume", "--out", run, "--crop", "square"], "bvae train: --crop cannot be changed when resuming: this run has celeba, not square", 2);
  });

  it("decodes grey through the burgess-chairs preset, into --cache, and rebuilds that cache when the folder changes", async () => {
    const dir = tmp();
    const chairs = join(dir, "chairs");
    mkdirSync(chairs);
    for (let i = 0; i < 3; i++) await disc(600, 600, 300, 300 + 20 * i, 150, [40, 40, 40]).png().toFile(join(chairs, `image_0${i}.png`));
    const cache = join(dir, "chairs-cache.npy");
    const run = join(dir, "run");
    expect(await main(["train", "--preset", "burgess-chairs", "--data-dir", chairs, "--cache", cache, "--steps", "2", ...SMALL, "--latents", "4", "--out", run])).toBe(0);
    expect(json(join(run, "config.json"))).toMatchObject({ crop: "400", training: { model: { channels: 1 } }, settings: { channels: 1, cache } });
    expect(statSync(cache).size).toBe(128 + 3 * 64 * 64);
    expect(existsSync(join(run, "images-64x64x1.npy"))).toBe(false);

    await disc(600, 600, 100, 100, 50, [0, 0, 0]).png().toFile(join(chairs, "image_03.png"));
    vi.mocked(process.stderr.write).mockClear();
    expect(await main(["figures", "--run", run])).toBe(0);
    expect(stderrLines()).toContain(`${cache} was built from 3 files in ${chairs} (grey, crop 400); rebuilding it from 4 files in ${chairs}`);
    expect(statSync(cache).size).toBe(128 + 4 * 64 * 64);
  });
});

describe("bad input to --data-dir, one line each", () => {
  it.each([
    [["--data-dir", "/no/such/folder"], "bvae train: /no/such/folder does not exist", 1],
    [["--preset", "burgess-celeba"], "bvae train: --preset burgess-celeba trains on a folder of images: give --data-dir DIR, the folder of CelebA's aligned faces (img_align_celeba)", 2],
    [["--preset", "burgess-chairs"], "bvae train: --preset burgess-chairs trains on a folder of images: give --data-dir DIR, the folder of the 3D Chairs renders (rendered_chairs)", 2],
    [["--data-dir", "/x", "--data-file", "/y.npy"], "bvae train: --data-dir and --data-file each name the training data: give one of them", 2],
    [["--data-dir", "/x", "--dataset", "blobs"], "bvae train: --data-dir takes the place of the generator: give it without --dataset", 2],
    [["--channels", "1"], "bvae train: --channels applies to a folder of images: give --data-dir DIR", 2],
    [["--crop", "celeba", "--cache", "/c.npy"], "bvae train: --crop and --cache apply to a folder of images: give --data-dir DIR", 2],
    [["--data-dir", "/x", "--channels", "2"], "bvae train: --channels must be 1 (grey) or 3 (RGB), got 2", 2],
    [["--data-dir", "/x", "--crop", "wide"], "bvae train: --crop: a crop is 'square' (the largest centred square), 'celeba' (148 pixels) or a side in pixels, got 'wide'", 2],
  ] as [string[], string, number][])("refuses %j", async (argv, message, code) => {
    const out = join(tmp(), "run");
    await expectError(["train", ...argv, "--steps", "1", "--out", out], message, code);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a folder of non-images before it creates the run", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "notes.txt"), "no images here");
    const out = join(tmp(), "run");
    await expectError(["train", "--data-dir", dir, "--steps", "1", "--out", out], `bvae train: ${dir} holds no JPEG, PNG or WebP images`);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a folder whose images all fail to decode, leaving no cache", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "a.png"), "not a png");
    const out = join(tmp(), "run");
    await expectError(["train", "--data-dir", dir, "--steps", "1", "--out", out], new RegExp(`^bvae train: ${dir} holds no JPEG, PNG or WebP images that can be decoded: all 1 failed, e\\.g\\. a\\.png \\(`));
    expect(existsSync(join(out, "images-64x64x3.npy"))).toBe(false);
    rmSync(out, { recursive: true, force: true });
  });
});

describe("a checkpoint trained on images dropped on the web page", () => {
  it("gets one line from figures and traverse: the images stayed in the browser", async () => {
    const run = join(tmp(), "page");
    expect(await main(["train", "--dataset", "blobs", "--steps", "1", "--batch", "4", "--latents", "4", "--out", run])).toBe(0);
    const path = join(run, "checkpoint.safetensors");
    const checkpoint = decodeCheckpoint(new Uint8Array(readFileSync(path)));
    checkpoint.app = { dataset: DROPPED_IMAGES, images: { source: "faces.zip", count: 6, cropSide: 148 } };
    writeFileSync(path, serializeCheckpoint(checkpoint));
    const line = "the checkpoint was trained on 6 images dropped on the web page (faces.zip), which it does not hold: there are no images here to draw its figures from";
    await expectError(["figures", "--run", run], `bvae figures: ${line}`);
    await expectError(["traverse", "--checkpoint", path, "--out", join(run, "figs")], `bvae traverse: ${line}`);
  });
});

/**
 * Mean intersection-over-union between the default dSprites renderer and the 320 real frames
 * of the reference gif, per shape and traversal, as a markdown table.
 * Run: npx tsx scripts/calibration-report.ts
 */
import { DSprites } from "../src/dsprites.ts";
import { iou, loadReferenceFrames } from "./reference-gif.ts";

const frames = loadReferenceFrames();
const ds = new DSprites();
const img = new Float32Array(4096);
const scores = frames.map((f) => {
  ds.render(f.factors, img);
  return { f, v: iou(f.pixels, img) };
});
const rows: string[] = ["| shape | traversal | frames | mean IoU | min IoU | exact |", "| --- | --- | --- | --- | --- | --- |"];
const summarise = (label: string, seg: string, list: typeof scores) => {
  const vals = list.map((s) => s.v);
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  rows.push(`| ${label} | ${seg} | ${vals.length} | ${mean.toFixed(4)} | ${Math.min(...vals).toFixed(4)} | ${vals.filter((v) => v === 1).length} |`);
};
for (const [shape, name] of [[2, "heart"], [1, "ellipse"], [0, "square"]] as const) {
  for (const seg of ["scale", "orientation", "posX", "posY"]) {
    const list = scores.filter((s) => s.f.factors[1] === shape && s.f.segment === seg);
    if (list.length) summarise(name, seg, list);
  }
}
summarise("all", "all", scores);
console.log(rows.join("\n"));

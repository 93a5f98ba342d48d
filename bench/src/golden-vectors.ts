// Golden vectors for every kernel family, computed by an implementation that shares no code
// with ours: TensorFlow.js 4.22 on its CPU backend (plain JavaScript, float32). Convolution
// gradients come from TensorFlow's own backprop kernels (Conv2DBackpropInput/-Filter, what its
// autodiff calls; tfjs-core's Node build does not register the autodiff itself), dense
// gradients from matMul, the losses' from their closed forms, Adam from tf.train.adam. Inputs
// come from the seeded Rng, rounded to four significant digits so the files stay small;
// outputs are written as the shortest decimal that reads back as the same float32. The format
// is described in packages/core/fixtures/README.md.
//
// Regenerate (from the repository root):
//   npx tsx bench/src/golden-vectors.ts [--out packages/core/fixtures/ops]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "@betavae/core";

export type Tf = typeof import("@tensorflow/tfjs-core");
type Tensor = import("@tensorflow/tfjs-core").Tensor;

/** The seed of every input; one stream for all files, drawn in the order they are listed. */
export const GOLDEN_SEED = 20170101;

/** Where the committed vectors live. */
export const GOLDEN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "packages", "core", "fixtures", "ops");

/** tfjs-core with the CPU backend active. */
export async function loadTfjsCpu(): Promise<Tf> {
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-cpu");
  tf.env().set("PROD", true); // no banner suggesting tfjs-node
  if (!(await tf.setBackend("cpu"))) throw new Error("tfjs: the cpu backend failed to initialise");
  await tf.ready();
  return tf;
}

/** The shortest decimal that reads back as the same float32. */
export function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  for (let digits = 1; digits < 9; digits++) {
    const short = Number(f.toPrecision(digits));
    if (Math.fround(short) === f) return short;
  }
  return Number(f.toPrecision(9));
}

const CONV_CASES = [
  { x: [2, 8, 8, 3], kernel: 4, cout: 5, stride: 2, pad: 1 },
  { x: [3, 9, 9, 2], kernel: 4, cout: 4, stride: 2, pad: 1 }, // odd size: the bottom and right padding are never reached
  { x: [1, 64, 64, 1], kernel: 4, cout: 4, stride: 2, pad: 1 }, // the model's first layer on one dSprites image
  { x: [2, 6, 6, 4], kernel: 3, cout: 3, stride: 1, pad: 1 },
];
/** Kernel 4, stride 2, output 2H × 2W (TensorFlow's "same", which is padding 1). */
const CONV_TRANSPOSE_CASES = [
  { x: [2, 4, 4, 3], cout: 2 },
  { x: [1, 8, 8, 4], cout: 1 },
  { x: [3, 2, 2, 2], cout: 3 },
];
const DENSE_CASES = [
  { n: 4, k: 5, m: 3 },
  { n: 3, k: 17, m: 9 },
  { n: 64, k: 256, m: 20 }, // the model's encoder head at batch 64
];

/** Every fixture file, name → JSON text, computed on `tf` (which must be the CPU backend). */
export function generateGoldenVectors(tf: Tf): Map<string, string> {
  const rng = new Rng(GOLDEN_SEED);
  const draw = (count: number, sample: () => number) =>
    Float32Array.from({ length: count }, () => Math.fround(Number(sample().toPrecision(4))));
  const normal = (count: number, scale = 1) => draw(count, () => scale * rng.normal());
  const out = (t: Tensor) => Array.from(t.dataSync(), shortestFloat32);
  const inp = (a: Float32Array) => Array.from(a, shortestFloat32);
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const files = new Map<string, string>();
  const backpropInput = (dy: Tensor, filter: Tensor, inputShape: number[], stride: number, pad: number) =>
    tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, { inputShape, strides: stride, pad, dataFormat: "NHWC" }) as Tensor;
  const backpropFilter = (x: Tensor, dy: Tensor, filterShape: number[], stride: number, pad: number) =>
    tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { filterShape, strides: stride, pad, dataFormat: "NHWC" }) as Tensor;
  const emit = (name: string, fixture: Record<string, unknown>) => files.set(name, JSON.stringify(fixture) + "\n");

  tf.tidy(() => {
    CONV_CASES.forEach(({ x: xShape, kernel, cout, stride, pad }, i) => {
      const [n, h, w, cin] = xShape as [number, number, number, number];
      const fShape = [kernel, kernel, cin, cout];
      const yShape = [n, Math.floor((h + 2 * pad - kernel) / stride) + 1, Math.floor((w + 2 * pad - kernel) / stride) + 1, cout];
      const x = normal(size(xShape)), filter = normal(size(fShape), 0.4), dy = normal(size(yShape));
      const xt = tf.tensor(x, xShape), ft = tf.tensor(filter, fShape), dyt = tf.tensor(dy, yShape);
      const y = tf.conv2d(xt as never, ft as never, stride, pad);
      const dx = backpropInput(dyt, ft, xShape, stride, pad), dfilter = backpropFilter(xt, dyt, fShape, stride, pad);
      emit(`conv2d_${i}.json`, {
        op: "conv2d", layout: "x NHWC, filter HWIO [kh,kw,cin,cout], y NHWC", stride, pad, xShape, fShape, yShape,
        x: inp(x), filter: inp(filter), y: out(y), dy: inp(dy), dx: out(dx), dfilter: out(dfilter),
      });
    });

    CONV_TRANSPOSE_CASES.forEach(({ x: xShape, cout }, i) => {
      const [n, h, w, cin] = xShape as [number, number, number, number];
      const fShape = [4, 4, cout, cin];
      const yShape: [number, number, number, number] = [n, 2 * h, 2 * w, cout];
      const x = normal(size(xShape)), filter = normal(size(fShape), 0.4), dy = normal(size(yShape));
      const xt = tf.tensor(x, xShape), ft = tf.tensor(filter, fShape), dyt = tf.tensor(dy, yShape);
      // a transposed conv is the data gradient of a conv, so its gradients are the conv and the
      // filter gradient with the roles of x and dy exchanged
      const y = backpropInput(xt, ft, yShape, 2, 1);
      const dx = tf.conv2d(dyt as never, ft as never, 2, 1), dfilter = backpropFilter(dyt, xt, fShape, 2, 1);
      emit(`conv2d_transpose_${i}.json`, {
        op: "conv2d_transpose", layout: "x NHWC, filter [kh,kw,cout,cin], y NHWC; equals padding 1 for k=4 s=2",
        stride: 2, pad: 1, xShape, fShape, yShape,
        x: inp(x), filter: inp(filter), y: out(y), dy: inp(dy), dx: out(dx), dfilter: out(dfilter),
      });
    });

    DENSE_CASES.forEach(({ n, k, m }, i) => {
      const x = normal(n * k), W = normal(k * m, 1 / Math.sqrt(k)), b = normal(m, 0.1), dy = normal(n * m);
      const xt = tf.tensor2d(x, [n, k]), wt = tf.tensor2d(W, [k, m]), dyt = tf.tensor2d(dy, [n, m]);
      const y = tf.add(tf.matMul(xt, wt), tf.tensor(b, [m]));
      const dx = tf.matMul(dyt, wt, false, true), dW = tf.matMul(xt, dyt, true, false), db = tf.sum(dyt, 0);
      emit(`dense_${i}.json`, {
        op: "dense", layout: "x [n,k], W [k,m], b [m], y [n,m]", xShape: [n, k], wShape: [k, m],
        x: inp(x), W: inp(W), b: inp(b), y: out(y), dy: inp(dy), dx: out(dx), dW: out(dW), db: out(db),
      });
    });

    // Targets binary (dSprites) in the first file, in [0, 1] (greyscale) in the second, a
    // batch of two 64×64 images.
    const bernoulliCases = [
      { shape: [2, 7], logitScale: 2, target: () => (rng.next() < 0.5 ? 0 : 1) },
      { shape: [2, 4096], logitScale: 4, target: () => rng.next() },
    ];
    bernoulliCases.forEach(({ shape, logitScale, target }, i) => {
      const [batch] = shape as [number, number];
      const logits = normal(size(shape), logitScale), targets = draw(size(shape), target);
      const lt = tf.tensor(logits, shape), tt = tf.tensor(targets, shape);
      // max(l, 0) − l·t + log(1 + e^−|l|) summed over pixels, averaged over the batch; its
      // gradient (σ(l) − t) / batch
      const loss = tf.div(tf.sum(tf.add(tf.sub(tf.relu(lt), tf.mul(lt, tt)), tf.log1p(tf.exp(tf.neg(tf.abs(lt)))))), batch);
      const dlogits = tf.div(tf.sub(tf.sigmoid(lt), tt), batch);
      emit(`bernoulli_nll_${i}.json`, {
        op: "bernoulli_nll_with_logits", reduction: "sum over pixels, mean over batch", shape,
        logits: inp(logits), targets: inp(targets), loss: out(loss)[0], dlogits: out(dlogits),
      });
    });

    [[3, 4], [64, 10]].forEach((shape, i) => {
      const [batch] = shape as [number, number];
      const mu = normal(size(shape)), logvar = normal(size(shape), 0.8);
      const mt = tf.tensor(mu, shape), lvt = tf.tensor(logvar, shape);
      // ½ (μ² + e^logvar − 1 − logvar) per element, averaged over the batch per latent and
      // summed over latents; its gradients μ / batch and ½ (e^logvar − 1) / batch
      const perLatent = tf.div(tf.sum(tf.mul(0.5, tf.sub(tf.sub(tf.add(tf.square(mt), tf.exp(lvt)), 1), lvt)), 0), batch);
      const dmu = tf.div(mt, batch), dlogvar = tf.div(tf.mul(0.5, tf.sub(tf.exp(lvt), 1)), batch);
      emit(`kl_${i}.json`, {
        op: "kl_diag_gaussian_std_normal", reduction: "sum over latents, mean over batch", shape,
        mu: inp(mu), logvar: inp(logvar), kl: out(tf.sum(perLatent))[0], klPerLatent: out(perLatent),
        dmu: out(dmu), dlogvar: out(dlogvar),
      });
    });
  });

  // Three steps of TensorFlow's own Adam from zero moments.
  const hp = { lr: 5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const params0 = normal(11);
  const grads = [0, 1, 2].map(() => normal(params0.length));
  const params = tf.variable(tf.tensor(params0));
  const adam = tf.train.adam(hp.lr, hp.beta1, hp.beta2, hp.eps);
  const paramsAfterEachStep = grads.map((g) => {
    tf.tidy(() => adam.applyGradients([{ name: params.name, tensor: tf.tensor(g) }]));
    return out(params);
  });
  adam.dispose();
  params.dispose();
  emit("adam_0.json", {
    op: "adam", ...hp, note: "eps added to sqrt(v_hat); bias-corrected",
    params0: inp(params0), grads: grads.map(inp), paramsAfterEachStep,
  });

  // Leaky ReLU at the discriminator's slope, from 2,000 floats drawn after Adam's (so the files
  // above keep their inputs); its gradient is TensorFlow's LeakyReluGrad rule, dy where x > 0
  // else slope·dy.
  tf.tidy(() => {
    const slope = 0.2;
    const x = normal(1000), dy = normal(1000);
    const xt = tf.tensor(x), dyt = tf.tensor(dy);
    emit("leaky_relu_0.json", {
      op: "leaky_relu", slope, x: inp(x), y: out(tf.leakyRelu(xt, slope)), dy: inp(dy),
      dx: out(tf.where(tf.greater(xt, 0), dyt, tf.mul(dyt, slope))),
    });
  });
  return files;
}

async function main(args: string[]): Promise<void> {
  const at = args.indexOf("--out");
  if (args.length > 0 && (at !== 0 || args.length !== 2)) {
    console.error("usage: tsx bench/src/golden-vectors.ts [--out DIR]");
    process.exit(2);
  }
  const dir = at === 0 ? resolve(args[1]) : GOLDEN_DIR;
  const files = generateGoldenVectors(await loadTfjsCpu());
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  const bytes = [...files.values()].reduce((a, t) => a + t.length, 0);
  console.log(`${files.size} files, ${(bytes / 1024).toFixed(0)} KiB, in ${dir}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));

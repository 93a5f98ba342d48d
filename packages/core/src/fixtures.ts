// Golden-vector fixtures (packages/core/fixtures, format in its README): run one on any
// backend and judge every output. Used by the op test suite and by `npm run check-ops`.
import type { Backend, DeviceBuffer } from "./backend/backend";
import type { Conv2dShape } from "./backend/shapes";
import { checkConv2dShape, checkConv2dTransposeShape } from "./backend/shapes";
import { compare, type Comparison } from "./compare";

/** Relative tolerance per fixture op (see compare.ts for how terms widen it). */
export const FIXTURE_RTOL: Record<string, number> = {
  dense: 1e-5,
  conv2d: 1e-5,
  conv2d_transpose: 1e-5,
  bernoulli_nll_with_logits: 1e-5,
  kl_diag_gaussian_std_normal: 1e-5,
  adam: 1e-5,
  leaky_relu: 1e-5,
};

export interface FixtureCheck extends Comparison {
  output: string;
  terms: number;
  rtol: number;
}

export class FixtureError extends Error {
  override name = "FixtureError";
}

type Json = Record<string, unknown>;

function field(f: Json, key: string): unknown {
  if (!(key in f)) throw new FixtureError(`missing field '${key}'`);
  return f[key];
}
function num(f: Json, key: string): number {
  const v = field(f, key);
  if (typeof v !== "number" || !Number.isFinite(v)) throw new FixtureError(`field '${key}' is not a finite number`);
  return v;
}
function nums(f: Json, key: string, length?: number): number[] {
  const v = field(f, key);
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) throw new FixtureError(`field '${key}' is not an array of numbers`);
  if (length !== undefined && v.length !== length) throw new FixtureError(`field '${key}' has ${v.length} values, expected ${length}`);
  return v as number[];
}
function dims(f: Json, key: string, rank: number): number[] {
  const d = nums(f, key, rank);
  if (!d.every((x) => Number.isInteger(x) && x > 0)) throw new FixtureError(`field '${key}' is not a shape of positive integers`);
  return d;
}
const product = (d: number[]) => d.reduce((a, b) => a * b, 1);

/** Runs one parsed fixture on `backend`; throws FixtureError on a malformed fixture. */
export async function runFixture(backend: Backend, fixture: unknown): Promise<FixtureCheck[]> {
  if (typeof fixture !== "object" || fixture === null || Array.isArray(fixture)) throw new FixtureError("not a JSON object");
  const f = fixture as Json;
  const op = field(f, "op");
  const rtol = FIXTURE_RTOL[String(op)];
  if (rtol === undefined) throw new FixtureError(`unknown op '${String(op)}'`);
  const checks: FixtureCheck[] = [];
  const upload = (data: number[]): DeviceBuffer => {
    const buf = backend.alloc(data.length);
    backend.write(buf, data);
    return buf;
  };
  const judge = async (output: string, buf: DeviceBuffer, expected: number[], terms: number, count = expected.length) => {
    const actual = (await backend.read(buf)).subarray(0, count);
    checks.push({ output, terms, rtol, ...compare(actual, expected, terms, rtol) });
  };

  switch (op) {
    case "dense": {
      const [n, k] = dims(f, "xShape", 2);
      const [k2, m] = dims(f, "wShape", 2);
      if (k !== k2) throw new FixtureError(`xShape and wShape disagree on the inner size (${k} vs ${k2})`);
      const s = { batch: n, inFeatures: k, outFeatures: m };
      const x = upload(nums(f, "x", n * k)), w = upload(nums(f, "W", k * m)), b = upload(nums(f, "b", m));
      const dy = upload(nums(f, "dy", n * m));
      const y = backend.alloc(n * m), dx = backend.alloc(n * k), dw = backend.alloc(k * m), db = backend.alloc(m);
      backend.denseForward(y, x, w, b, s);
      backend.denseBackwardData(dx, dy, w, s);
      backend.denseBackwardWeights(dw, dy, x, s);
      backend.biasGrad(db, dy, n, m);
      await judge("y", y, nums(f, "y", n * m), k);
      await judge("dx", dx, nums(f, "dx", n * k), m);
      await judge("dW", dw, nums(f, "dW", k * m), n);
      await judge("db", db, nums(f, "db", m), n);
      break;
    }
    case "conv2d":
    case "conv2d_transpose": {
      const transposed = op === "conv2d_transpose";
      const [n, h, w, cin] = dims(f, "xShape", 4);
      const [kh, kw, f2, f3] = dims(f, "fShape", 4);
      const [n2, ho, wo, cout] = dims(f, "yShape", 4);
      const [filterIn, filterOut] = transposed ? [f3, f2] : [f2, f3];
      if (n2 !== n || filterIn !== cin || filterOut !== cout) throw new FixtureError("xShape, fShape and yShape disagree");
      const s: Conv2dShape = {
        batch: n, inHeight: h, inWidth: w, inChannels: cin, outHeight: ho, outWidth: wo, outChannels: cout,
        kernelHeight: kh, kernelWidth: kw, stride: num(f, "stride"), pad: num(f, "pad"),
      };
      try {
        if (transposed) checkConv2dTransposeShape(s);
        else checkConv2dShape(s);
      } catch (e) {
        throw new FixtureError((e as Error).message);
      }
      const xs = product([n, h, w, cin]), ys = product([n, ho, wo, cout]), fs = product([kh, kw, cin, cout]);
      const x = upload(nums(f, "x", xs)), filter = upload(nums(f, "filter", fs)), dy = upload(nums(f, "dy", ys));
      const y = backend.alloc(ys), dx = backend.alloc(xs), df = backend.alloc(fs);
      if (transposed) {
        backend.conv2dTransposeForward(y, x, filter, s);
        backend.conv2dTransposeBackwardData(dx, dy, filter, s);
        backend.conv2dTransposeBackwardFilter(df, dy, x, s);
      } else {
        backend.conv2dForward(y, x, filter, s);
        backend.conv2dBackwardData(dx, dy, filter, s);
        backend.conv2dBackwardFilter(df, dy, x, s);
      }
      const taps = kh * kw;
      await judge("y", y, nums(f, "y", ys), taps * cin);
      await judge("dx", dx, nums(f, "dx", xs), taps * cout);
      await judge("dfilter", df, nums(f, "dfilter", fs), transposed ? n * h * w : n * ho * wo);
      break;
    }
    case "bernoulli_nll_with_logits": {
      const [batch, pixels] = dims(f, "shape", 2);
      const count = batch * pixels;
      const logits = upload(nums(f, "logits", count)), targets = upload(nums(f, "targets", count));
      const loss = backend.alloc(1), grad = backend.alloc(count);
      backend.bernoulliNllForward(loss, logits, targets, batch, pixels);
      backend.bernoulliNllBackward(grad, logits, targets, batch, pixels);
      await judge("loss", loss, [num(f, "loss")], 1);
      await judge("dlogits", grad, nums(f, "dlogits", count), 1);
      break;
    }
    case "kl_diag_gaussian_std_normal": {
      const [batch, latents] = dims(f, "shape", 2);
      const count = batch * latents;
      const mu = upload(nums(f, "mu", count)), logvar = upload(nums(f, "logvar", count));
      const total = backend.alloc(1), perLatent = backend.alloc(latents);
      const dmu = backend.alloc(count), dlogvar = backend.alloc(count);
      backend.klForward(total, perLatent, mu, logvar, batch, latents);
      backend.klBackward(dmu, dlogvar, mu, logvar, batch, latents, 1, false);
      await judge("kl", total, [num(f, "kl")], 1);
      await judge("klPerLatent", perLatent, nums(f, "klPerLatent", latents), 1);
      await judge("dmu", dmu, nums(f, "dmu", count), 1);
      await judge("dlogvar", dlogvar, nums(f, "dlogvar", count), 1);
      break;
    }
    case "leaky_relu": {
      const x = nums(f, "x"), count = x.length, slope = num(f, "slope");
      const xb = upload(x), dy = upload(nums(f, "dy", count)), y = backend.alloc(count), dx = backend.alloc(count);
      backend.leakyReluForward(y, xb, count, slope);
      backend.leakyReluBackward(dx, dy, y, count, slope);
      await judge("y", y, nums(f, "y", count), 1);
      await judge("dx", dx, nums(f, "dx", count), 1);
      break;
    }
    case "adam": {
      const params0 = nums(f, "params0");
      const count = params0.length;
      const grads = field(f, "grads"), after = field(f, "paramsAfterEachStep");
      if (!Array.isArray(grads) || !Array.isArray(after) || grads.length !== after.length) {
        throw new FixtureError("'grads' and 'paramsAfterEachStep' must be arrays of equal length");
      }
      const hp = { lr: num(f, "lr"), beta1: num(f, "beta1"), beta2: num(f, "beta2"), eps: num(f, "eps") };
      const params = upload(params0), g = backend.alloc(count), m = backend.alloc(count), v = backend.alloc(count);
      for (let t = 0; t < grads.length; t++) {
        backend.write(g, nums({ g: grads[t] }, "g", count));
        backend.adamUpdate(params, g, m, v, count, { ...hp, step: t + 1 });
        await judge(`params after step ${t + 1}`, params, nums({ p: after[t] }, "p", count), 1);
      }
      break;
    }
  }
  return checks;
}

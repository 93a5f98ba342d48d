// A discriminator: an MLP of dense layers with leaky-ReLU between them and two logits, on the
// backend's ops (so on its kernels and threads), with its parameters, their gradients and its
// Adam moments in a ParameterArena of its own. Every activation is carved at build time for
// `rows` rows; each pass runs on the first `n` of them (row-major, so a prefix of every buffer),
// which lets one batch [z; z_perm] share buffers with a pass over z alone.
import type { Backend, DeviceBuffer } from "../backend/backend";
import type { DenseShape } from "../backend/shapes";
import type { Rng } from "../rng";
import { linearWeightLayout } from "./layers";
import { ParameterArena, type ParamView, aligned, sameLayout } from "./parameters";

/** Hidden layers and their width. */
export interface DiscriminatorShape {
  layers: number;
  hidden: number;
}

/** Logits per row: the code came from q(z) (0) or from its latents permuted (1). */
export const DISCRIMINATOR_CLASSES = 2;

interface DiscriminatorLayer {
  weight: ParamView;
  bias: ParamView;
  inFeatures: number;
  outFeatures: number;
  /** the layer's output (after the leaky ReLU, where it has one) */
  output: DeviceBuffer;
  /** leaky-ReLU after the layer (every layer but the logits) */
  hidden: boolean;
}

export class Discriminator {
  readonly parameters: ParameterArena;
  /** [rows, inputs]: what the forward pass reads. */
  readonly input: DeviceBuffer;
  /** [rows, 2] */
  readonly logits: DeviceBuffer;
  /** [rows, 2]: d loss / d logits, written by the caller before a backward pass. */
  readonly dLogits: DeviceBuffer;
  /** [rows, inputs]: `backwardInput`'s result. */
  readonly dInput: DeviceBuffer;
  private readonly layers: DiscriminatorLayer[];
  /** Gradients of the hidden layers' outputs: two buffers, alternating down the network. */
  private readonly pingPong: [DeviceBuffer, DeviceBuffer];
  /** Each layer's shape for a pass over n rows, by n (built on a pass's first use). */
  private readonly shapes = new Map<number, DenseShape[]>();

  /**
   * `prefix` names the tensors in checkpoints (`${prefix}.d1.weight` … `${prefix}.logits.bias`,
   * as disentanglement_lib's fc_discriminator names its layers). With `shared`, the network uses
   * that arena's parameters (the same layout on the same backend).
   */
  constructor(readonly backend: Backend, readonly inputs: number, readonly rows: number, readonly shape: DiscriminatorShape,
    readonly slope: number, prefix: string, shared: ParameterArena | null = null) {
    for (const [what, v] of [["inputs", inputs], ["rows", rows], ["layers", shape.layers], ["hidden", shape.hidden]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`discriminator ${what} must be a positive integer, got ${v}`);
    }
    const be = backend;
    const widths = [inputs, ...Array<number>(shape.layers).fill(shape.hidden), DISCRIMINATOR_CLASSES];
    const names = [...Array.from({ length: shape.layers }, (_, i) => `d${i + 1}`), "logits"];
    const [parameters, params] = ParameterArena.build(be, (param) => names.map((name, i) => {
      const [fi, fo] = [widths[i], widths[i + 1]];
      return {
        weight: param(`${prefix}.${name}.weight`, [fi, fo], fi, linearWeightLayout(fi, fo)),
        bias: param(`${prefix}.${name}.bias`, [fo], fi, sameLayout([fo])),
      };
    }), shared);
    this.parameters = parameters;
    const sizes = [rows * inputs, ...widths.slice(1).map((w) => rows * w), rows * DISCRIMINATOR_CLASSES, rows * inputs,
      rows * shape.hidden, rows * shape.hidden];
    const offsets: number[] = [];
    let total = 0;
    for (const size of sizes) {
      offsets.push(total);
      total = aligned(total + size);
    }
    const acts = be.alloc(total);
    const [input, ...rest] = sizes.map((size, i) => be.subBuffer(acts, offsets[i], size));
    this.input = input;
    const outputs = rest.slice(0, widths.length - 1);
    [this.dLogits, this.dInput] = rest.slice(widths.length - 1, widths.length + 1);
    this.pingPong = [rest[widths.length + 1], rest[widths.length + 2]];
    this.layers = params.map((p, i) => ({ ...p, inFeatures: widths[i], outFeatures: widths[i + 1], output: outputs[i], hidden: i < shape.layers }));
    this.logits = outputs[outputs.length - 1];
  }

  /**
   * Glorot-uniform weights (U(±√(6 / (fanIn + fanOut))), as TensorFlow's dense layers start),
   * biases zero; Adam moments zero.
   */
  initialise(rng: Rng): void {
    const host = new Float32Array(this.parameters.size);
    for (const slot of this.parameters.slots) {
      if (slot.shape.length === 1) continue;
      const limit = Math.sqrt(6 / (slot.shape[0] + slot.shape[1]));
      for (let i = 0; i < slot.size; i++) host[slot.offset + i] = rng.uniform(-limit, limit);
    }
    const be = this.backend;
    be.write(this.parameters.values, host);
    host.fill(0);
    be.write(this.parameters.adamM, host);
    be.write(this.parameters.adamV, host);
  }

  /** The first n rows of `input` → the first n rows of `logits`. */
  forward(n: number): void {
    const be = this.backend;
    const shapes = this.shapesFor(n);
    let x = this.input;
    this.layers.forEach((layer, i) => {
      be.denseForward(layer.output, x, layer.weight.value, layer.bias.value, shapes[i]);
      if (layer.hidden) be.leakyReluForward(layer.output, layer.output, n * layer.outFeatures, this.slope);
      x = layer.output;
    });
  }

  /** After `forward(n)`: `dLogits` (first n rows) back to `dInput` (first n rows); the parameter gradients are left alone. */
  backwardInput(n: number): void {
    this.backPropagate(n, false);
  }

  /** After `forward(n)`: `dLogits` (first n rows) back into the parameter gradients, summed over the rows (overwritten). */
  backward(n: number): void {
    this.backPropagate(n, true);
  }

  private backPropagate(n: number, parameters: boolean): void {
    const be = this.backend;
    const shapes = this.shapesFor(n);
    let dOutput = this.dLogits;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i];
      // the leaky ReLU's backward in place: the gradient of the output becomes that of the pre-activation
      if (layer.hidden) be.leakyReluBackward(dOutput, dOutput, layer.output, n * layer.outFeatures, this.slope);
      if (parameters) {
        be.biasGrad(layer.bias.grad, dOutput, n, layer.outFeatures);
        be.denseBackwardWeights(layer.weight.grad, dOutput, i > 0 ? this.layers[i - 1].output : this.input, shapes[i]);
      }
      if (i === 0 && parameters) break;
      const dInput = i > 0 ? this.pingPong[i % 2] : this.dInput;
      be.denseBackwardData(dInput, dOutput, layer.weight.value, shapes[i]);
      dOutput = dInput;
    }
  }

  private shapesFor(n: number): DenseShape[] {
    let shapes = this.shapes.get(n);
    if (!shapes) {
      if (!Number.isInteger(n) || n < 1 || n > this.rows) throw new RangeError(`a discriminator pass runs on 1 to ${this.rows} rows, not ${n}`);
      shapes = this.layers.map((l) => ({ batch: n, inFeatures: l.inFeatures, outFeatures: l.outFeatures }));
      this.shapes.set(n, shapes);
    }
    return shapes;
  }
}

// The model's layers, each with its forward and backward pass side by side. A layer owns
// views of its weight and bias (and their gradients) in the model's parameter arena; the
// activations it reads and writes are passed in. ReLU, where a layer has one, runs in place
// on the layer's output (fused with a conv's bias), and its backward in place on the output
// gradient, fused with the bias gradient. Each layer names its tensors and says how they map
// to the PyTorch module it stands for, which is all a checkpoint needs to store them.
import type { Backend, DeviceBuffer } from "../backend/backend";
import { type Conv2dShape, type DenseShape, conv2dShape, conv2dTransposeShape } from "../backend/shapes";
import { type ParamAllocator, type ParamView, type TorchLayout, sameLayout } from "./parameters";

export interface Layer {
  readonly name: string;
  readonly params: ParamView[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly relu: boolean;
  forward(be: Backend, input: DeviceBuffer, output: DeviceBuffer): void;
  /** Writes parameter gradients and, when dInput is given, the input gradient; may modify dOutput. */
  backward(be: Backend, dOutput: DeviceBuffer, input: DeviceBuffer, output: DeviceBuffer, dInput: DeviceBuffer | null): void;
}

/** A feature map [height, width, channels] that a dense layer reads or writes flattened (NHWC order here, CHW in PyTorch). */
export type FeatureMap = [height: number, width: number, channels: number];

/** Axes of ours (flattened units, or a feature map's H, W, C) in PyTorch's order (C, H, W). */
function torchAxes(units: number | FeatureMap): { dims: number[]; order: number[] } {
  return typeof units === "number" ? { dims: [units], order: [0] } : { dims: units, order: [2, 0, 1] };
}

/** nn.Linear's weight [out, in] from ours [in, out], either side possibly a flattened feature map. */
export function linearWeightLayout(inputs: number | FeatureMap, outputs: number | FeatureMap): TorchLayout {
  const [i, o] = [torchAxes(inputs), torchAxes(outputs)];
  const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  return {
    reshape: [...i.dims, ...o.dims],
    perm: [...o.order.map((a) => i.dims.length + a), ...i.order],
    torchShape: [size(o.dims), size(i.dims)],
  };
}

export class DenseLayer implements Layer {
  readonly params: ParamView[];
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly shape: DenseShape;
  private readonly weight: ParamView;
  private readonly bias: ParamView;

  /** `map.input` / `map.output`: the feature map this layer reads / writes flattened, for PyTorch's CHW flattening. */
  constructor(
    readonly name: string, batch: number, inFeatures: number, outFeatures: number, readonly relu: boolean, param: ParamAllocator,
    map: { input?: FeatureMap; output?: FeatureMap } = {},
  ) {
    this.shape = { batch, inFeatures, outFeatures };
    this.weight = param(`${name}.weight`, [inFeatures, outFeatures], inFeatures, linearWeightLayout(map.input ?? inFeatures, map.output ?? outFeatures));
    const bias = torchAxes(map.output ?? outFeatures);
    this.bias = param(`${name}.bias`, [outFeatures], inFeatures, { reshape: bias.dims, perm: bias.order, torchShape: [outFeatures] });
    this.params = [this.weight, this.bias];
    this.inputSize = batch * inFeatures;
    this.outputSize = batch * outFeatures;
  }

  forward(be: Backend, input: DeviceBuffer, output: DeviceBuffer): void {
    be.denseForward(output, input, this.weight.value, this.bias.value, this.shape);
    if (this.relu) be.reluForward(output, output, this.outputSize);
  }

  backward(be: Backend, dOutput: DeviceBuffer, input: DeviceBuffer, output: DeviceBuffer, dInput: DeviceBuffer | null): void {
    // the ReLU's backward masks dOutput in the bias gradient's pass, before the weight gradient reads it
    if (this.relu) be.reluBackwardBiasGrad(this.bias.grad, dOutput, output, this.shape.batch, this.shape.outFeatures);
    else be.biasGrad(this.bias.grad, dOutput, this.shape.batch, this.shape.outFeatures);
    be.denseBackwardWeights(this.weight.grad, dOutput, input, this.shape);
    if (dInput) be.denseBackwardData(dInput, dOutput, this.weight.value, this.shape);
  }
}

/**
 * Stride-2 convolution (halves the size) or transposed convolution (doubles it) with a 4×4
 * or 2×2 kernel, padded as TensorFlow's "same" pads an even size: (kernel − 2) / 2 on each
 * side, so 1 for 4×4 and none for 2×2.
 */
export class ConvLayer implements Layer {
  readonly params: ParamView[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly shape: Conv2dShape;
  private readonly weight: ParamView;
  private readonly bias: ParamView;
  private readonly outPixels: number;

  constructor(
    readonly name: string, readonly transposed: boolean,
    batch: number, height: number, width: number, inChannels: number, outChannels: number,
    readonly relu: boolean, param: ParamAllocator, kernel: 2 | 4 = 4,
  ) {
    const stride = 2;
    const p = { batch, inHeight: height, inWidth: width, inChannels, outChannels, kernel, stride, pad: (kernel - stride) / 2 };
    this.shape = transposed ? conv2dTransposeShape(p) : conv2dShape(p);
    const s = this.shape;
    const taps = kernel * kernel;
    // A transposed conv's output pixel receives cin · (kh/stride) · (kw/stride) inputs.
    const fanIn = transposed ? (inChannels * taps) / (stride * stride) : inChannels * taps;
    // ours [kh, kw, cin, cout] ↔ Conv2d [cout, cin, kh, kw]; ours [kh, kw, cout, cin] ↔ ConvTranspose2d [cin, cout, kh, kw]
    const shape = transposed ? [kernel, kernel, outChannels, inChannels] : [kernel, kernel, inChannels, outChannels];
    this.weight = param(`${name}.weight`, shape, fanIn, { reshape: shape, perm: [3, 2, 0, 1], torchShape: [shape[3], shape[2], kernel, kernel] });
    this.bias = param(`${name}.bias`, [outChannels], fanIn, sameLayout([outChannels]));
    this.params = [this.weight, this.bias];
    this.inputSize = batch * s.inHeight * s.inWidth * inChannels;
    this.outPixels = batch * s.outHeight * s.outWidth;
    this.outputSize = this.outPixels * outChannels;
  }

  forward(be: Backend, input: DeviceBuffer, output: DeviceBuffer): void {
    if (this.transposed) be.conv2dTransposeForward(output, input, this.weight.value, this.shape);
    else be.conv2dForward(output, input, this.weight.value, this.shape);
    if (this.relu) be.biasAddRelu(output, this.bias.value, this.outPixels, this.shape.outChannels);
    else be.biasAdd(output, this.bias.value, this.outPixels, this.shape.outChannels);
  }

  backward(be: Backend, dOutput: DeviceBuffer, input: DeviceBuffer, output: DeviceBuffer, dInput: DeviceBuffer | null): void {
    if (this.relu) be.reluBackwardBiasGrad(this.bias.grad, dOutput, output, this.outPixels, this.shape.outChannels);
    else be.biasGrad(this.bias.grad, dOutput, this.outPixels, this.shape.outChannels);
    if (this.transposed) {
      be.conv2dTransposeBackwardFilter(this.weight.grad, dOutput, input, this.shape);
      if (dInput) be.conv2dTransposeBackwardData(dInput, dOutput, this.weight.value, this.shape);
    } else {
      be.conv2dBackwardFilter(this.weight.grad, dOutput, input, this.shape);
      if (dInput) be.conv2dBackwardData(dInput, dOutput, this.weight.value, this.shape);
    }
  }
}

// The model's layers, each with its forward and backward pass side by side. A layer owns
// views of its weight and bias (and their gradients) in the model's parameter arena; the
// activations it reads and writes are passed in. ReLU, where a layer has one, runs in place
// on the layer's output (fused with a conv's bias), and its backward in place on the output
// gradient, fused with the bias gradient.
import type { Backend, DeviceBuffer } from "../backend/backend";
import { type Conv2dShape, type DenseShape, conv2dShape, conv2dTransposeShape } from "../backend/shapes";

export interface ParamView {
  /** Name as stored in checkpoints. */
  name: string;
  /** Shape in this project's layout. */
  shape: number[];
  value: DeviceBuffer;
  grad: DeviceBuffer;
  /** Inputs feeding each output unit (initialisation scale). */
  fanIn: number;
}

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

export type ParamAllocator = (name: string, shape: number[], fanIn: number) => ParamView;

export class DenseLayer implements Layer {
  readonly params: ParamView[];
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly shape: DenseShape;
  private readonly weight: ParamView;
  private readonly bias: ParamView;

  constructor(readonly name: string, batch: number, inFeatures: number, outFeatures: number, readonly relu: boolean, param: ParamAllocator) {
    this.shape = { batch, inFeatures, outFeatures };
    this.weight = param(`${name}.weight`, [inFeatures, outFeatures], inFeatures);
    this.bias = param(`${name}.bias`, [outFeatures], inFeatures);
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

/** 4×4 stride-2 padding-1 convolution (halves the size) or transposed convolution (doubles it). */
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
    readonly relu: boolean, param: ParamAllocator,
  ) {
    const p = { batch, inHeight: height, inWidth: width, inChannels, outChannels, kernel: 4, stride: 2, pad: 1 };
    this.shape = transposed ? conv2dTransposeShape(p) : conv2dShape(p);
    const s = this.shape;
    // A transposed conv's output pixel receives cin · (kh/stride) · (kw/stride) inputs.
    const fanIn = transposed ? (inChannels * 16) / 4 : inChannels * 16;
    this.weight = param(`${name}.weight`, transposed ? [4, 4, outChannels, inChannels] : [4, 4, inChannels, outChannels], fanIn);
    this.bias = param(`${name}.bias`, [outChannels], fanIn);
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

// The β-VAE of docs/ARCHITECTURE.md ("The model and its objectives"), in either architecture of
// architectures.ts, laid out in one arena per model: the parameters (with their gradients and
// Adam moments) in a ParameterArena, and every activation carved out once at build time. Nothing is allocated per step. The backward
// pass stops at the latent code, where a training objective adds its own gradients (see
// train/objectives/objective.ts):
//   backwardDecoder → dz;  [objective adds to dz]
//   backwardReparameterisation → dμ, d log σ²;  [objective adds to them]
//   backwardEncoder → parameter gradients.
import type { Backend, DeviceBuffer } from "../backend/backend";
import type { Rng } from "../rng";
import { type ModelConfig, validateModelConfig } from "./config";
import { buildNetwork } from "./architectures";
import type { DenseLayer, Layer } from "./layers";
import { ParameterArena, type ParamSlot, type ParamView, aligned } from "./parameters";

/** The log-variance is clamped to this range: exp(±16) keeps σ² in [1e-7, 9e6], far outside
 * what training reaches, so the clamp only stops a diverging step from making Inf or NaN. */
export const LOGVAR_MIN = -16;
export const LOGVAR_MAX = 16;

/**
 * The model at its latent code, as a training objective sees it: [batch, latents] buffers,
 * row-major. The forward values are the objective's to read; the gradients are its to add to
 * (dz after `backwardDecoder`, dmu and dlogvar after `backwardReparameterisation`).
 */
export interface LatentCode {
  readonly backend: Backend;
  readonly batch: number;
  readonly latents: number;
  readonly mu: DeviceBuffer;
  /** log σ², after the clamp */
  readonly logvar: DeviceBuffer;
  readonly eps: DeviceBuffer;
  /** z = μ + σ·ε */
  readonly z: DeviceBuffer;
  readonly dz: DeviceBuffer;
  readonly dmu: DeviceBuffer;
  readonly dlogvar: DeviceBuffer;
}

export class BetaVAE implements LatentCode {
  readonly encoder: Layer[];
  readonly muHead: DenseLayer;
  readonly logvarHead: DenseLayer;
  readonly decoder: Layer[];
  readonly parameters: ParameterArena;
  readonly params: readonly ParamView[];
  /** Floats in each parameter-sized arena (including alignment gaps, which stay zero). */
  readonly arenaSize: number;
  readonly paramValues: DeviceBuffer;
  readonly paramGrads: DeviceBuffer;
  readonly adamM: DeviceBuffer;
  readonly adamV: DeviceBuffer;

  /** The batch of images (NHWC, values in [0, 1]); also the reconstruction target. */
  readonly input: DeviceBuffer;
  readonly mu: DeviceBuffer;
  readonly logvarRaw: DeviceBuffer;
  readonly logvar: DeviceBuffer;
  /** ε of the reparameterisation, written by the caller before `forward`. */
  readonly eps: DeviceBuffer;
  /** The latent code fed to the decoder (also writable directly for `decode`). */
  readonly z: DeviceBuffer;
  /** Decoder output: Bernoulli logits, or the Gaussian mean. */
  readonly output: DeviceBuffer;
  readonly recon: DeviceBuffer;
  readonly klTotal: DeviceBuffer;
  readonly klPerLatent: DeviceBuffer;
  readonly gradSquares: DeviceBuffer;
  /** Gradients at the latent code (see LatentCode). */
  readonly dz: DeviceBuffer;
  readonly dmu: DeviceBuffer;
  readonly dlogvar: DeviceBuffer;

  private readonly encoderOut: DeviceBuffer[];
  private readonly decoderOut: DeviceBuffer[];
  /** Gradients of each layer's output: two buffers, alternating down the network. */
  private readonly encoderGrad: DeviceBuffer[];
  private readonly decoderGrad: DeviceBuffer[];
  private readonly dhMu: DeviceBuffer;
  private readonly dhLogvar: DeviceBuffer;
  private readonly dh: DeviceBuffer;

  private constructor(readonly backend: Backend, readonly config: ModelConfig, readonly batch: number, shared: BetaVAE | null) {
    const be = backend;
    const c = config;
    if (shared && (shared.backend !== be || JSON.stringify(shared.config) !== JSON.stringify(c))) {
      throw new Error("a model can share parameters only with a model of the same configuration on the same backend");
    }
    const [parameters, layers] = ParameterArena.build(be, (param) => buildNetwork(c, batch, param), shared?.parameters ?? null);
    this.encoder = layers.encoder;
    this.muHead = layers.muHead;
    this.logvarHead = layers.logvarHead;
    this.decoder = layers.decoder;
    this.parameters = parameters;
    this.params = parameters.params;
    this.arenaSize = parameters.size;
    this.paramValues = parameters.values;
    this.paramGrads = parameters.grads;
    this.adamM = parameters.adamM;
    this.adamV = parameters.adamV;

    // Activations: one arena, carved in order.
    const sizes: Record<string, number> = {};
    const layout: [string, number][] = [
      ["input", this.encoder[0].inputSize],
      ...this.encoder.map((l, i) => [`enc${i}`, l.outputSize] as [string, number]),
      ["mu", batch * c.latents], ["logvarRaw", batch * c.latents], ["logvar", batch * c.latents],
      ["eps", batch * c.latents], ["z", batch * c.latents],
      ...this.decoder.map((l, i) => [`dec${i}`, l.outputSize] as [string, number]),
      ["dmu", batch * c.latents], ["dlogvar", batch * c.latents], ["dz", batch * c.latents],
      ["dhMu", batch * c.hidden], ["dhLogvar", batch * c.hidden], ["dh", batch * c.hidden],
      ["recon", 1], ["klTotal", 1], ["klPerLatent", c.latents], ["gradSquares", 1],
    ];
    const largest = Math.max(...[...this.encoder, ...this.decoder].map((l) => Math.max(l.inputSize, l.outputSize)));
    layout.push(["ping", largest], ["pong", largest]);
    const offsets: Record<string, number> = {};
    let total = 0;
    for (const [name, size] of layout) {
      offsets[name] = total;
      sizes[name] = size;
      total = aligned(total + size);
    }
    const acts = be.alloc(total);
    const view = (name: string) => be.subBuffer(acts, offsets[name], sizes[name]);
    this.input = view("input");
    this.encoderOut = this.encoder.map((_, i) => view(`enc${i}`));
    this.mu = view("mu");
    this.logvarRaw = view("logvarRaw");
    this.logvar = view("logvar");
    this.eps = view("eps");
    this.z = view("z");
    this.decoderOut = this.decoder.map((_, i) => view(`dec${i}`));
    this.output = this.decoderOut[this.decoderOut.length - 1];
    this.dmu = view("dmu");
    this.dlogvar = view("dlogvar");
    this.dz = view("dz");
    this.dhMu = view("dhMu");
    this.dhLogvar = view("dhLogvar");
    this.dh = view("dh");
    this.recon = view("recon");
    this.klTotal = view("klTotal");
    this.klPerLatent = view("klPerLatent");
    this.gradSquares = view("gradSquares");
    const pingPong = ["ping", "pong"].map((name) => (size: number) => be.subBuffer(acts, offsets[name], size));
    const E = this.encoder.length, D = this.decoder.length;
    this.encoderGrad = this.encoder.map((l, i) => (i === E - 1 ? this.dh : pingPong[(E - 2 - i) % 2](l.outputSize)));
    this.decoderGrad = this.decoder.map((l, i) => pingPong[(D - 1 - i) % 2](l.outputSize));
  }

  /**
   * Builds the model for a fixed batch size. With `shared`, the new model uses the parameters
   * (and optimiser state) of `shared` — e.g. a batch-1 decoder beside a training model.
   */
  static build(backend: Backend, config: ModelConfig, batch: number, shared: BetaVAE | null = null): BetaVAE {
    validateModelConfig(config);
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    return new BetaVAE(backend, config, batch, shared);
  }

  get pixels(): number {
    return this.config.height * this.config.width * this.config.channels;
  }

  get latents(): number {
    return this.config.latents;
  }

  /** Parameter names, shapes, arena offsets and PyTorch layouts, in arena order. */
  get parameterLayout(): readonly Readonly<ParamSlot>[] {
    return this.parameters.slots;
  }

  /** Number of trainable parameters. */
  get parameterCount(): number {
    return this.parameters.count;
  }

  /**
   * Seeded He (Kaiming-normal) initialisation: every weight ~ N(0, 2/fanIn), biases zero,
   * fanIn = the inputs feeding one output unit (cin·kh·kw for a conv, cin·kh·kw/stride² for
   * a transposed conv, in_features for a dense layer). This keeps the ReLU activations at
   * unit scale through every layer; with PyTorch's default ±1/√fanIn uniform they shrink
   * by √6 per layer, and the capacity objective's γ = 1000 pull at C ≈ 0 then switches
   * whole encoder layers off for good. Adam moments start at zero.
   */
  initialise(rng: Rng): void {
    this.parameters.initialise(rng);
  }

  /** Encoder: input → mu, logvar (clamped). */
  encode(): void {
    const be = this.backend;
    let x = this.input;
    this.encoder.forEach((layer, i) => {
      layer.forward(be, x, this.encoderOut[i]);
      x = this.encoderOut[i];
    });
    this.muHead.forward(be, x, this.mu);
    this.logvarHead.forward(be, x, this.logvarRaw);
    be.clampForward(this.logvar, this.logvarRaw, this.batch * this.config.latents, LOGVAR_MIN, LOGVAR_MAX);
  }

  /** Decoder: z → output. */
  decode(): void {
    let x = this.z;
    this.decoder.forEach((layer, i) => {
      layer.forward(this.backend, x, this.decoderOut[i]);
      x = this.decoderOut[i];
    });
  }

  /**
   * Encode, sample z = μ + σ·ε (ε from `eps`), decode, and evaluate both loss terms. The
   * Bernoulli reconstruction's gradient (which no objective weight scales) is written here
   * too, in the loss's own pass, for `backwardDecoder` to start from.
   */
  forward(): void {
    const be = this.backend;
    const c = this.config;
    this.encode();
    be.reparamForward(this.z, this.mu, this.logvar, this.eps, this.batch * c.latents);
    this.decode();
    const dOutput = this.decoderGrad[this.decoder.length - 1];
    if (c.likelihood === "bernoulli") be.bernoulliNllForwardBackward(this.recon, dOutput, this.output, this.input, this.batch, this.pixels);
    else be.gaussianNllForward(this.recon, this.output, this.input, this.batch, this.pixels, c.variance);
    be.klForward(this.klTotal, this.klPerLatent, this.mu, this.logvar, this.batch, c.latents);
  }

  /**
   * After `forward`: the reconstruction term's gradient back through the decoder, into the
   * decoder's parameter gradients and `dz` (both overwritten).
   */
  backwardDecoder(): void {
    const be = this.backend;
    const c = this.config;
    const dOutput = this.decoderGrad[this.decoder.length - 1];
    if (c.likelihood === "gaussian") be.gaussianNllBackward(dOutput, this.output, this.input, this.batch, this.pixels, c.variance);
    for (let i = this.decoder.length - 1; i >= 0; i--) {
      const input = i > 0 ? this.decoderOut[i - 1] : this.z;
      this.decoder[i].backward(be, this.decoderGrad[i], input, this.decoderOut[i], i > 0 ? this.decoderGrad[i - 1] : this.dz);
    }
  }

  /** `dz` through z = μ + σ·ε into `dmu` and `dlogvar` (overwritten). */
  backwardReparameterisation(): void {
    this.backend.reparamBackward(this.dmu, this.dlogvar, this.dz, this.logvar, this.eps, this.batch * this.config.latents);
  }

  /**
   * `dmu` and `dlogvar` back through the clamp, the heads and the encoder into its parameter
   * gradients (overwritten), then Σ grad² over every parameter into gradSquares (the
   * non-finite guard reads it).
   */
  backwardEncoder(): void {
    const be = this.backend;
    const c = this.config;
    be.clampBackward(this.dlogvar, this.dlogvar, this.logvarRaw, this.batch * c.latents, LOGVAR_MIN, LOGVAR_MAX);
    const hidden = this.encoderOut[this.encoderOut.length - 1];
    this.muHead.backward(be, this.dmu, hidden, this.mu, this.dhMu);
    this.logvarHead.backward(be, this.dlogvar, hidden, this.logvarRaw, this.dhLogvar);
    be.add(this.dh, this.dhMu, this.dhLogvar, this.batch * c.hidden);
    for (let i = this.encoder.length - 1; i >= 0; i--) {
      const input = i > 0 ? this.encoderOut[i - 1] : this.input;
      this.encoder[i].backward(be, this.encoderGrad[i], input, this.encoderOut[i], i > 0 ? this.encoderGrad[i - 1] : null);
    }
    be.sumSquares(this.gradSquares, this.paramGrads, this.arenaSize);
  }
}

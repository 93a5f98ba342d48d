// A network's parameters in one arena: values, gradients and the two Adam moments are each
// one backend buffer (so the optimiser is one fused kernel call), and every tensor is a view
// into them, carved once at build time. Whoever asks for a tensor names it and says how it
// maps to PyTorch's layout, so checkpoints store any network's tensors without a central list.
import type { Backend, DeviceBuffer } from "../backend/backend";
import type { Rng } from "../rng";

/** How a tensor maps to PyTorch: reshape ours, permute the axes (out axis i is axis perm[i]), flatten to torchShape. */
export interface TorchLayout {
  reshape: number[];
  perm: number[];
  torchShape: number[];
}

/** A tensor PyTorch stores as we do (biases). */
export function sameLayout(shape: number[]): TorchLayout {
  return { reshape: shape, perm: shape.map((_, i) => i), torchShape: shape };
}

export interface ParamView {
  /** Name as stored in checkpoints. */
  name: string;
  /** Shape in this project's layout. */
  shape: number[];
  value: DeviceBuffer;
  grad: DeviceBuffer;
  /** Inputs feeding each output unit (initialisation scale). */
  fanIn: number;
  torch: TorchLayout;
}

export interface ParamSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  fanIn: number;
  torch: TorchLayout;
}

export type ParamAllocator = (name: string, shape: number[], fanIn: number, torch?: TorchLayout) => ParamView;

/** Arena tensors start on 64-float (256-byte) boundaries, the WebGPU storage-offset alignment. */
const ALIGN = 64;
export const aligned = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export class ParameterArena {
  /** Floats in each buffer (including alignment gaps, which stay zero). */
  readonly size: number;
  readonly values: DeviceBuffer;
  readonly grads: DeviceBuffer;
  readonly adamM: DeviceBuffer;
  readonly adamV: DeviceBuffer;
  readonly params: readonly ParamView[];

  private constructor(readonly backend: Backend, readonly slots: readonly ParamSlot[], views: ParamView[], size: number, shared: ParameterArena | null) {
    const be = backend;
    this.size = size;
    if (shared && !(shared.backend === be && shared.size === size && shared.slots.length === slots.length
      && shared.slots.every((s, i) => s.name === slots[i].name && s.offset === slots[i].offset))) {
      throw new Error("parameters can be shared only by networks of the same layout on the same backend");
    }
    this.values = shared ? shared.values : be.alloc(size);
    this.grads = shared ? shared.grads : be.alloc(size);
    this.adamM = shared ? shared.adamM : be.alloc(size);
    this.adamV = shared ? shared.adamV : be.alloc(size);
    slots.forEach((slot, i) => {
      views[i].value = be.subBuffer(this.values, slot.offset, slot.size);
      views[i].grad = be.subBuffer(this.grads, slot.offset, slot.size);
    });
    this.params = views;
  }

  /**
   * Lays out the tensors `define` asks for (through the allocator it is given) and allocates
   * the arena, or views the buffers of `shared` (same layout) — e.g. a batch-1 decoder beside
   * a training model. Returns the arena and what `define` built.
   */
  static build<T>(backend: Backend, define: (param: ParamAllocator) => T, shared: ParameterArena | null = null): [ParameterArena, T] {
    const slots: ParamSlot[] = [];
    const views: ParamView[] = [];
    let size = 0;
    const param: ParamAllocator = (name, shape, fanIn, torch = sameLayout(shape)) => {
      if (slots.some((s) => s.name === name)) throw new Error(`two parameters are named ${name}`);
      const count = shape.reduce((a, b) => a * b, 1);
      if (torch.torchShape.reduce((a, b) => a * b, 1) !== count) throw new Error(`${name}: PyTorch shape [${torch.torchShape}] does not hold [${shape}]`);
      slots.push({ name, shape, offset: size, size: count, fanIn, torch });
      size = aligned(size + count);
      const view = { name, shape, fanIn, torch } as ParamView; // value and grad once the arena exists
      views.push(view);
      return view;
    };
    const built = define(param);
    return [new ParameterArena(backend, slots, views, size, shared), built];
  }

  /** Number of trainable parameters. */
  get count(): number {
    return this.slots.reduce((n, s) => n + s.size, 0);
  }

  /**
   * Seeded He (Kaiming-normal) initialisation: every weight ~ N(0, 2/fanIn), biases (1-d
   * tensors) zero; Adam moments zero.
   */
  initialise(rng: Rng): void {
    const host = new Float32Array(this.size);
    for (const s of this.slots) {
      if (s.shape.length === 1) continue;
      const std = Math.sqrt(2 / s.fanIn);
      for (let i = 0; i < s.size; i++) host[s.offset + i] = std * rng.normal();
    }
    this.backend.write(this.values, host);
    const zeros = new Float32Array(this.size);
    this.backend.write(this.adamM, zeros);
    this.backend.write(this.adamV, zeros);
  }
}

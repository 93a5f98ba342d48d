// Per-op profile of a training step: every public op of the backend instance, the model's
// forward and backward, and the batch source are wrapped with performance.now(). This is
// accurate only for a backend whose ops run synchronously (WASM); a GPU queues them.
// Convolutions and dense products get one row per shape (so each layer is its own row) with
// their GFLOP/s; the light ops are one row per op; what no wrapper saw is the JS overhead.
import {
  type Backend, type BatchSource, type BetaVAE, type Conv2dShape, type DenseShape, conv2dMacs,
} from "@betavae/core";

export type ProfileGroup = "forward" | "backward" | "optimiser" | "data";
export const PROFILE_GROUPS: readonly ProfileGroup[] = ["forward", "backward", "optimiser", "data"];

export interface ProfileRow {
  group: ProfileGroup | "overhead";
  label: string;
  callsPerStep: number;
  msPerStep: number;
  /** Null for ops that are not a matrix product. */
  gflops: number | null;
  shareOfStep: number;
}

export interface Profile {
  steps: number;
  msPerStep: number;
  rows: ProfileRow[];
  groups: { group: ProfileGroup | "overhead"; msPerStep: number; shareOfStep: number; gflops: number | null }[];
}

interface Tally {
  group: ProfileGroup;
  label: string;
  flops: number | null;
  calls: number;
  seconds: number;
}

type Describe = (args: unknown[]) => { label: string; flops: number | null };

const dims = (s: Conv2dShape): string => `${s.inChannels}→${s.outChannels} ${s.inHeight}×${s.inWidth}→${s.outHeight}×${s.outWidth}`;
const conv = (name: string, transposed: boolean): Describe => (args) => {
  const s = args[3] as Conv2dShape;
  return { label: `${name} ${dims(s)}`, flops: 2 * conv2dMacs(s, transposed) };
};
const dense = (name: string): Describe => (args) => {
  const s = args[args.length - 1] as DenseShape;
  return { label: `${name} ${s.inFeatures}→${s.outFeatures}`, flops: 2 * s.batch * s.inFeatures * s.outFeatures };
};
const plain = (label: string): Describe => () => ({ label, flops: null });

/** The backend's public ops and how each call is labelled. */
const OPS: Record<string, Describe> = {
  conv2dForward: conv("conv2d fwd", false),
  conv2dBackwardData: conv("conv2d bwd data", false),
  conv2dBackwardFilter: conv("conv2d bwd filter", false),
  conv2dTransposeForward: conv("deconv fwd", true),
  conv2dTransposeBackwardData: conv("deconv bwd data", true),
  conv2dTransposeBackwardFilter: conv("deconv bwd filter", true),
  denseForward: dense("dense fwd"),
  denseBackwardData: dense("dense bwd data"),
  denseBackwardWeights: dense("dense bwd weights"),
  biasAdd: plain("bias add"),
  biasGrad: plain("bias grad"),
  biasAddRelu: plain("bias + ReLU fwd"),
  reluBackwardBiasGrad: plain("ReLU bwd + bias grad"),
  reluForward: plain("relu fwd"),
  reluBackward: plain("relu bwd"),
  leakyReluForward: plain("leaky ReLU fwd"),
  leakyReluBackward: plain("leaky ReLU bwd"),
  clampForward: plain("clamp logvar fwd"),
  clampBackward: plain("clamp logvar bwd"),
  add: plain("add (dh of both heads)"),
  sumSquares: plain("Σ grad² (non-finite guard)"),
  reparamForward: plain("reparameterise fwd"),
  reparamBackward: plain("reparameterise bwd"),
  bernoulliNllForward: plain("Bernoulli NLL fwd"),
  bernoulliNllBackward: plain("Bernoulli NLL bwd"),
  bernoulliNllForwardBackward: plain("Bernoulli NLL + gradient"),
  gaussianNllForward: plain("Gaussian NLL fwd"),
  gaussianNllBackward: plain("Gaussian NLL bwd"),
  klForward: plain("KL fwd"),
  klBackward: plain("KL bwd"),
  adamUpdate: (args) => ({ label: `Adam (${args[4] as number} floats)`, flops: null }),
  write: plain("upload images and ε (write)"),
  read: plain("read back loss, KL, Σ grad²"),
};

/**
 * Wraps `backend`'s ops, `model.forward` / `model.backward` (which set the group of the ops
 * they call) and `source.next` on these instances. Ops outside forward and backward belong
 * to the optimiser (Adam) or the data (uploads, read-backs, the batch source).
 */
export class StepProfiler {
  private readonly tallies = new Map<string, Tally>();
  private group: ProfileGroup | null = null;
  /** Nesting depth of wrapped ops: only the outermost call is timed. */
  private depth = 0;
  private steps = 0;
  private wallSeconds = 0;

  constructor(backend: Backend, model: BetaVAE, source: BatchSource) {
    const ops = backend as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const [name, describe] of Object.entries(OPS)) {
      const original = ops[name].bind(backend);
      const fixedGroup: ProfileGroup | null = name === "adamUpdate" ? "optimiser" : name === "write" || name === "read" ? "data" : null;
      ops[name] = (...args: unknown[]) => this.timed(fixedGroup, describe, args, () => original(...args));
    }
    // The backward pass runs in phases with the objective's gradients between them: the whole stretch counts as backward.
    const phases = [
      ["forward", "forward", true], ["backwardDecoder", "backward", false], ["backwardReparameterisation", "backward", false], ["backwardEncoder", "backward", true],
    ] as const;
    for (const [phase, group, ends] of phases) {
      const original = model[phase].bind(model) as (...args: unknown[]) => void;
      (model as unknown as Record<string, unknown>)[phase] = (...args: unknown[]) => {
        this.group = group;
        try {
          original(...args);
        } finally {
          if (ends) this.group = null;
        }
      };
    }
    const next = source.next.bind(source);
    source.next = (images: Float32Array) => this.timed("data", plain("data generator (batch of images)"), [], () => next(images));
  }

  private timed<T>(fixedGroup: ProfileGroup | null, describe: Describe, args: unknown[], run: () => T): T {
    if (this.depth > 0) return run();
    this.depth++;
    const start = performance.now();
    try {
      return run();
    } finally {
      const seconds = (performance.now() - start) / 1000;
      this.depth--;
      const group = fixedGroup ?? this.group ?? "optimiser";
      const { label, flops } = describe(args);
      const key = `${group}\u0000${label}`;
      const tally = this.tallies.get(key) ?? { group, label, flops, calls: 0, seconds: 0 };
      tally.calls++;
      tally.seconds += seconds;
      this.tallies.set(key, tally);
    }
  }

  /** Times `steps` calls of `step` (after a reset), each one training step. */
  async run(steps: number, step: () => Promise<unknown>): Promise<Profile> {
    this.tallies.clear();
    const start = performance.now();
    for (let i = 0; i < steps; i++) await step();
    this.wallSeconds = (performance.now() - start) / 1000;
    this.steps = steps;
    return this.profile();
  }

  private profile(): Profile {
    const steps = this.steps;
    const stepMs = (1000 * this.wallSeconds) / steps;
    const rows: ProfileRow[] = [];
    for (const group of PROFILE_GROUPS) {
      const tallies = [...this.tallies.values()].filter((t) => t.group === group);
      // Matrix products first, in the order the step runs them; then the light ops, slowest first.
      const heavy = tallies.filter((t) => t.flops !== null);
      const light = tallies.filter((t) => t.flops === null).sort((a, b) => b.seconds - a.seconds);
      for (const t of [...heavy, ...light]) {
        const ms = (1000 * t.seconds) / steps;
        rows.push({
          group, label: t.label, callsPerStep: t.calls / steps, msPerStep: ms,
          gflops: t.flops === null ? null : (t.flops * t.calls) / t.seconds / 1e9, shareOfStep: ms / stepMs,
        });
      }
    }
    const timedMs = rows.reduce((sum, r) => sum + r.msPerStep, 0);
    const overheadMs = Math.max(0, stepMs - timedMs);
    rows.push({ group: "overhead", label: "JS between ops (untimed remainder)", callsPerStep: 0, msPerStep: overheadMs, gflops: null, shareOfStep: overheadMs / stepMs });
    const groups = [...PROFILE_GROUPS, "overhead" as const].map((group) => {
      const mine = rows.filter((r) => r.group === group);
      const ms = mine.reduce((sum, r) => sum + r.msPerStep, 0);
      const products = [...this.tallies.values()].filter((t) => t.group === group && t.flops !== null);
      const flops = products.reduce((sum, t) => sum + t.flops! * t.calls, 0);
      return { group, msPerStep: ms, shareOfStep: ms / stepMs, gflops: flops ? flops / steps / (ms / 1000) / 1e9 : null };
    });
    return { steps, msPerStep: stepMs, rows, groups };
  }
}

// The backend interface. A backend owns its memory; ops take buffer handles and shapes.
// The ops are not written out here: each is described once in ops/ (its arguments, its
// checks, how the WASM backend calls and splits it), and Backend's public methods are
// derived from those descriptions. Every method checks every size in TypeScript, then hands
// the op to the backend's `runOp`.
// Conventions (all backends):
//   - layouts: NHWC activations, HWIO conv filters, [kh, kw, out, in] transposed-conv filters,
//     row-major [in, out] dense weights;
//   - gradients overwrite their outputs; the one exception is klBackward with
//     accumulate = true, which adds onto the reparameterisation gradient;
//   - ops are issued in order and may run later (a GPU queues them); `read` returns the
//     buffer's contents once everything issued before it has run.
import { type AnyOp, COMPOSED, type Checks, type FusedOp, MAX_OP_ARGS, OPS, type OpMethods, type OpTable } from "./ops/index";
import { ShapeError, checkPositiveInteger } from "./shapes";

export interface DeviceBuffer {
  /** Number of float32 elements. */
  readonly length: number;
}

/** An op's arguments as `runOp` receives them: at most MAX_OP_ARGS, unused ones undefined. */
type Arg = unknown;
type LooseOp = (first: unknown, ...args: Arg[]) => void;

// Every op of ops/index.ts is a method of Backend<B>, its buffers typed as B.
export interface Backend<B extends DeviceBuffer = DeviceBuffer> extends OpMethods<B> {}

export abstract class Backend<B extends DeviceBuffer = DeviceBuffer> {
  abstract readonly name: string;
  private opChecks: OpChecks | null = null;

  /** A new zero-filled buffer of `length` floats. */
  abstract alloc(length: number): B;
  /** Copies `data` into `buf` starting at element `offset`. */
  abstract write(buf: DeviceBuffer, data: ArrayLike<number>, offset?: number): void;
  /** A copy of the buffer's contents, after every op issued so far has run. */
  abstract read(buf: DeviceBuffer): Promise<Float32Array>;
  /**
   * A view of `length` floats of `buf` starting at element `offset`: ops on it read and write
   * the parent's memory. This is how a model carves one arena into tensors.
   */
  subBuffer(buf: DeviceBuffer, offset: number, length: number): B {
    const own = this.own(buf, "subBuffer");
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > buf.length) {
      throw new ShapeError(`subBuffer: [${offset}, ${offset + length}) does not fit a buffer of ${buf.length}`);
    }
    return this.subBufferImpl(own, offset, length);
  }
  /** Releases everything the backend holds. */
  dispose(): void {}

  protected abstract isOwn(buf: DeviceBuffer): buf is B;
  protected abstract subBufferImpl(buf: B, offset: number, length: number): B;

  /**
   * Runs `op` on arguments that have passed its checks (its buffers are this backend's, their
   * sizes fit). The arguments come one by one, unused ones undefined, so that issuing an op
   * allocates nothing.
   */
  protected abstract runOp(op: AnyOp, a0: Arg, a1: Arg, a2: Arg, a3: Arg, a4: Arg, a5: Arg, a6: Arg, a7: Arg): void;

  /** `runOp` for a backend that implements the ops in a table (see OpTable). */
  protected runFromTable(table: OpTable<never, B>, op: AnyOp, a0: Arg, a1: Arg, a2: Arg, a3: Arg, a4: Arg, a5: Arg, a6: Arg, a7: Arg): void {
    const run = table[op.name];
    const fn = (run === COMPOSED ? (op as unknown as FusedOp).fallback : run) as unknown as LooseOp;
    fn(this, a0, a1, a2, a3, a4, a5, a6, a7);
  }

  /** `buf` as this backend's buffer type, or a ShapeError naming `op`. */
  protected own(buf: DeviceBuffer, op: string): B {
    if (!this.isOwn(buf)) throw new ShapeError(`${op}: the buffer is not a buffer of the ${this.name} backend`);
    return buf;
  }

  static {
    for (const op of OPS) {
      if (op.check.length - 1 > MAX_OP_ARGS) throw new Error(`${op.name} takes more than ${MAX_OP_ARGS} arguments`);
      Object.defineProperty(Backend.prototype, op.name, { value: Backend.opMethod(op), writable: true, configurable: true });
    }
  }

  /** The public method of `op`: its checks, then runOp. */
  private static opMethod(op: AnyOp) {
    const check = op.check as unknown as LooseOp;
    return function (this: Backend, a0: Arg, a1: Arg, a2: Arg, a3: Arg, a4: Arg, a5: Arg, a6: Arg, a7: Arg): void {
      const c = (this.opChecks ??= new OpChecks(this.name, (buf) => this.isOwn(buf)));
      c.op = op.name;
      check(c, a0, a1, a2, a3, a4, a5, a6, a7);
      this.runOp(op, a0, a1, a2, a3, a4, a5, a6, a7);
    };
  }
}

/** The Checks of one backend; `op` is set before each op's checks run. */
class OpChecks implements Checks {
  op = "";
  constructor(private readonly backend: string, private readonly isOwn: (buf: DeviceBuffer) => boolean) {}
  count(value: number, what: string): void {
    checkPositiveInteger(value, this.op, what);
  }
  buffer(buf: DeviceBuffer | null, need: number, what: string): void {
    if (buf === null) return;
    if (!this.isOwn(buf)) throw new ShapeError(`${this.op}: ${what} is not a buffer of the ${this.backend} backend`);
    if (buf.length < need) throw new ShapeError(`${this.op}: ${what} holds ${buf.length} floats, needs ${need}`);
  }
  fail(message: string): never {
    throw new ShapeError(`${this.op}: ${message}`);
  }
}

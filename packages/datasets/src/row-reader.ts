/**
 * Random access to the rows of a large array on disk (an image, 12 KiB, per row), read by a
 * worker thread so the file is never held whole and a batch's bytes can arrive while the
 * training step computes. Two stores: a plain file whose rows lie contiguously from a byte
 * offset (a .npy's data, a stored .npz entry) read with positioned reads, and an HDF5 file
 * read with h5wasm, one hyperslab per row (any layout, contiguous or chunked).
 *
 * Protocol with row-reader-worker.js: shared memory holds, per slot, a state word (BUSY, DONE,
 * FAILED) with a text length, a text area (an error, or the HDF5 file's description), the
 * rows asked for and the bytes read. Slot 0 is for prefetching (awaited asynchronously), slot
 * 1 for synchronous reads (the main thread blocks on its state word). The worker reads each
 * request's rows in ascending order and writes each to its place in the batch.
 */
import { Worker } from "node:worker_threads";
import { DatasetFileError } from "./errors.ts";

export type RowStore =
  | { kind: "file"; path: string; /** byte offset of row 0 */ offset: number }
  | { kind: "hdf5"; path: string };

/** One HDF5 dataset as the worker describes it (h5wasm's metadata). */
export interface Hdf5DatasetInfo {
  shape: number[];
  /** bytes per element */
  size: number;
  /** HDF5 type class: 0 integer, 1 float */
  type: number;
  signed: boolean;
  littleEndian: boolean;
  /** chunk shape, or null when stored contiguously */
  chunks: number[] | null;
}

const IDLE = 0, BUSY = 1, DONE = 2, FAILED = 3;
const TEXT_BYTES = 1 << 16;
const PREFETCH = 0, SYNC = 1;
/** How long a read may take before it counts as hung. */
const TIMEOUT_MS = 120_000;

/** Atomics.waitAsync (Node 16+), which this TypeScript target's library does not declare. */
interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number, timeout: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

interface Slot {
  rows: Int32Array;
  data: Uint8Array;
  capacityBytes: number;
}

export class RowReader {
  /** The HDF5 file's root datasets by name (empty for a plain file). */
  readonly datasets: Readonly<Record<string, Hdf5DatasetInfo>>;
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(16));
  private readonly text = new Uint8Array(new SharedArrayBuffer(2 * TEXT_BYTES));
  private readonly slots: Slot[] = [];
  private closed = false;

  /** Starts the worker and opens `store` in it; blocks until it has (a DatasetFileError naming `what` if it cannot). */
  constructor(store: RowStore, private readonly what: string) {
    this.worker = new Worker(new URL("./row-reader-worker.js", import.meta.url));
    this.worker.unref();
    this.control[0] = BUSY;
    this.worker.postMessage({ op: "open", ...store, control: this.control.buffer, text: this.text.buffer });
    const description = this.wait(PREFETCH); // the worker reports opening on slot 0
    this.datasets = description ? (JSON.parse(description) as Record<string, Hdf5DatasetInfo>) : {};
  }

  /**
   * Reads `rows[0 … count)` of `dataset` (rowBytes each) and returns their bytes, row k at
   * k · rowBytes: a view valid until the next synchronous read. Waits for a prefetch in flight.
   */
  readSync(dataset: string, rows: ArrayLike<number>, count: number, rowBytes: number): Uint8Array {
    this.request(SYNC, dataset, rows, count, rowBytes);
    this.wait(SYNC);
    return this.slots[SYNC].data.subarray(0, count * rowBytes);
  }

  /** Starts reading into the prefetch slot; the promise resolves to its bytes (valid until the next prefetch). */
  read(dataset: string, rows: ArrayLike<number>, count: number, rowBytes: number): Promise<Uint8Array> {
    if (Atomics.load(this.control, PREFETCH * 2) === BUSY) this.wait(PREFETCH); // one request per slot at a time
    this.request(PREFETCH, dataset, rows, count, rowBytes);
    const waiting = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.control, PREFETCH * 2, BUSY, TIMEOUT_MS);
    // a pending waitAsync does not keep Node's event loop alive; the worker does while it reads
    this.worker.ref();
    const settle = () => {
      this.worker.unref();
      this.check(PREFETCH);
      return this.slots[PREFETCH].data.subarray(0, count * rowBytes);
    };
    return waiting.async ? waiting.value.then(settle) : Promise.resolve().then(settle);
  }

  /** Blocks until the prefetch slot is done, then returns its bytes (for a caller that cannot await). */
  prefetched(count: number, rowBytes: number): Uint8Array {
    if (Atomics.load(this.control, PREFETCH * 2) === BUSY) this.wait(PREFETCH);
    this.check(PREFETCH);
    return this.slots[PREFETCH].data.subarray(0, count * rowBytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.postMessage({ op: "close" });
  }

  private request(slot: number, dataset: string, rows: ArrayLike<number>, count: number, rowBytes: number): void {
    if (this.closed) throw new Error(`${this.what} is closed`);
    let s = this.slots[slot];
    if (!s || s.rows.length < count || s.capacityBytes < count * rowBytes) {
      // grows rarely (a larger batch); the worker is handed the new buffers once
      const rowCount = Math.max(count, s?.rows.length ?? 0);
      const bytes = Math.max(count * rowBytes, s?.capacityBytes ?? 0);
      s = { rows: new Int32Array(new SharedArrayBuffer(4 * rowCount)), data: new Uint8Array(new SharedArrayBuffer(bytes)), capacityBytes: bytes };
      this.slots[slot] = s;
      this.worker.postMessage({ op: "buffers", slot, rows: s.rows.buffer, data: s.data.buffer });
    }
    for (let k = 0; k < count; k++) s.rows[k] = rows[k];
    Atomics.store(this.control, slot * 2, BUSY);
    this.worker.postMessage({ op: "read", slot, dataset, count, rowBytes });
  }

  /** Blocks until `slot` is no longer busy; returns its text, or throws its error. */
  private wait(slot: number): string {
    if (Atomics.wait(this.control, slot * 2, BUSY, TIMEOUT_MS) === "timed-out") {
      throw new DatasetFileError(`${this.what}: reading timed out after ${TIMEOUT_MS / 1000} s`);
    }
    return this.check(slot);
  }

  private check(slot: number): string {
    const state = Atomics.load(this.control, slot * 2);
    const length = Atomics.load(this.control, slot * 2 + 1);
    const message = length ? new TextDecoder().decode(this.text.slice(slot * TEXT_BYTES, slot * TEXT_BYTES + length)) : "";
    if (state === FAILED) throw new DatasetFileError(`${this.what}: ${message}`);
    if (state !== DONE && state !== IDLE) throw new DatasetFileError(`${this.what}: the reader is in state ${state}`);
    return message;
  }
}

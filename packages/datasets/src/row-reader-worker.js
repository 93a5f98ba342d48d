// The thread behind RowReader (row-reader.ts): reads rows of an image array from disk into
// shared memory, so a batch's bytes arrive while the training thread computes. Plain
// JavaScript, like the kernels' worker, so it runs with no TypeScript loader (in the CLI's
// bundle it is built beside bvae.mjs). Protocol: row-reader.ts's header comment.
import { closeSync, openSync, readSync } from "node:fs";
import { parentPort } from "node:worker_threads";

const DONE = 2, FAILED = 3;
const TEXT_BYTES = 1 << 16;

let control; // Int32Array: per slot [state, text length]
let text; // Uint8Array: per slot TEXT_BYTES of UTF-8 (an error, or the file's description)
let store; // what open() made: { readRow(dataset, row, out, at, rowBytes), close() }
const slots = [];

function finish(slot, state, message) {
  const bytes = new TextEncoder().encode(message ?? "");
  const length = Math.min(bytes.length, TEXT_BYTES);
  text.set(bytes.subarray(0, length), slot * TEXT_BYTES);
  Atomics.store(control, slot * 2 + 1, length);
  Atomics.store(control, slot * 2, state);
  Atomics.notify(control, slot * 2);
}

/** Rows at byte offset `offset + row · rowBytes` of a plain file (.npy data, a stored .npz entry). */
function openFile(path, offset) {
  const fd = openSync(path, "r");
  return {
    readRow(_dataset, row, out, at, rowBytes) {
      const got = readSync(fd, out, at, rowBytes, offset + row * rowBytes);
      if (got !== rowBytes) throw new Error(`row ${row} ends past the end of the file (truncated?)`);
    },
    close: () => closeSync(fd),
  };
}

/** Rows of an HDF5 dataset through h5wasm: a hyperslab of one row, read into a reused buffer in its heap. */
async function openHdf5(path) {
  const h5wasm = (await import("h5wasm/node")).default;
  const Module = await h5wasm.ready;
  let file;
  const shapes = new Map();
  const description = {};
  try {
    file = new h5wasm.File(path, "r");
    for (const name of file.keys()) {
      const entity = file.get(name);
      if (!(entity instanceof h5wasm.Dataset)) continue;
      const m = entity.metadata;
      description[name] = { shape: m.shape, size: m.size, type: m.type, signed: m.signed, littleEndian: m.littleEndian, chunks: m.chunks };
      shapes.set(name, m.shape);
    }
  } catch (err) {
    file?.close();
    throw new Error(`not a readable HDF5 file (${err instanceof Error ? err.message : String(err)}; truncated?)`);
  }
  let heap = 0, heapBytes = 0;
  return {
    description,
    readRow(dataset, row, out, at, rowBytes) {
      if (rowBytes > heapBytes) {
        if (heap) Module._free(heap);
        heap = Module._malloc(rowBytes);
        heapBytes = rowBytes;
      }
      const shape = shapes.get(dataset);
      const count = shape.map((d, i) => BigInt(i === 0 ? 1 : d));
      const start = shape.map((_, i) => BigInt(i === 0 ? row : 0));
      const strides = shape.map(() => 1n);
      Module.get_dataset_data(file.file_id, `/${dataset}`, count, start, strides, BigInt(heap));
      out.set(Module.HEAPU8.subarray(heap, heap + rowBytes), at);
    },
    close: () => file.close(),
  };
}

async function open(message) {
  control = new Int32Array(message.control);
  text = new Uint8Array(message.text);
  try {
    store = message.kind === "hdf5" ? await openHdf5(message.path) : openFile(message.path, message.offset);
    finish(0, DONE, store.description ? JSON.stringify(store.description) : "");
  } catch (err) {
    finish(0, FAILED, err instanceof Error ? err.message : String(err));
  }
}

/** Reads the slot's rows in ascending order (kinder to a disk), each to its place in the batch. */
function read({ slot, dataset, count, rowBytes }) {
  const { rows, data } = slots[slot];
  const order = slots[slot].order;
  for (let k = 0; k < count; k++) order[k] = k;
  const sorted = order.subarray(0, count).sort((a, b) => rows[a] - rows[b]);
  try {
    for (let k = 0; k < count; k++) {
      const i = sorted[k];
      store.readRow(dataset, rows[i], data, i * rowBytes, rowBytes);
    }
    finish(slot, DONE);
  } catch (err) {
    finish(slot, FAILED, err instanceof Error ? err.message : String(err));
  }
}

parentPort.on("message", (message) => {
  switch (message.op) {
    case "open":
      void open(message);
      break;
    case "buffers":
      slots[message.slot] = { rows: new Int32Array(message.rows), data: new Uint8Array(message.data), order: new Int32Array(new Int32Array(message.rows).length) };
      break;
    case "read":
      read(message);
      break;
    case "close":
      store?.close();
      parentPort.close();
      break;
  }
});

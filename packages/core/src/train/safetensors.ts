// safetensors (the format PyTorch and Hugging Face load): an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
// little-endian data. Only F32 tensors are written or read here. The reader trusts nothing:
// every length, offset and shape is checked before a byte of data is used.

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

const MAX_HEADER = 16 * 2 ** 20;

export function encodeSafetensors(tensors: Map<string, Tensor>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new SafetensorsError(`tensor ${name}: shape [${t.shape}] needs ${count} values, has ${t.data.length}`);
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((json.length + 8) % 8)) % 8); // keeps the data 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new SafetensorsError(`file is ${bytes.length} bytes, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    throw new SafetensorsError(`header length ${headerLength} does not fit a ${bytes.length}-byte file (truncated or not safetensors)`);
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw new SafetensorsError("header is not valid JSON (corrupt or not safetensors)");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new SafetensorsError("header is not a JSON object");
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const ranges: [number, number, string][] = [];
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new SafetensorsError("__metadata__ is not an object");
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== "string") throw new SafetensorsError(`metadata '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) throw new SafetensorsError(`tensor ${name}: entry is not an object`);
    if (e.dtype !== "F32") throw new SafetensorsError(`tensor ${name}: dtype ${String(e.dtype)} is not supported (only F32)`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(`tensor ${name}: shape is not a list of non-negative integers`);
    }
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(`tensor ${name}: data_offsets is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength) throw new SafetensorsError(`tensor ${name}: bytes [${begin}, ${end}) lie outside the ${dataLength}-byte data section (truncated file?)`);
    if (end - begin !== 4 * count) throw new SafetensorsError(`tensor ${name}: shape [${e.shape}] needs ${4 * count} bytes, the header gives ${end - begin}`);
    ranges.push([begin, end, name]);
    // a copy: `bytes` may be a view into a larger buffer (a Node Buffer's slice is not a copy)
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { shape: e.shape as number[], data });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [begin, end, name] of ranges) {
    if (begin !== at) throw new SafetensorsError(`tensor ${name}: data does not follow the previous tensor (overlap or gap at byte ${begin})`);
    at = end;
  }
  if (at !== dataLength) throw new SafetensorsError(`${dataLength - at} bytes after the last tensor (corrupt file)`);
  return { tensors, metadata };
}

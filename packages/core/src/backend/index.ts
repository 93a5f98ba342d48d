export { Backend, type DeviceBuffer } from "./backend";
export { ReferenceBackend, ReferenceBuffer } from "./reference";
export { WasmBackend, WasmBuffer, type WasmBackendOptions } from "./wasm";
export * from "./shapes";
export { createBackend, backendNames, type BackendName, type BackendOptions } from "./registry";
export { COMPOSED, OPS, type AnyOp, type Checks, type FusedOp, type FusedOpName, type Op, type OpArgs, type OpName, type OpTable, type WasmCall, type WasmKernel } from "./ops/index";

export { Backend, type DeviceBuffer } from "./backend";
export { ReferenceBackend, ReferenceBuffer } from "./reference";
export { WasmBackend, WasmBuffer, type WasmBackendOptions } from "./wasm";
export * from "./shapes";
export { createBackend, backendNames, type BackendName, type BackendOptions } from "./registry";

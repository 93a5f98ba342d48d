export { WebGpuBackend, WebGpuBuffer, type AdapterDescription } from "./backend";
export { SWIFTSHADER_ICD, WebGpuUnavailableError, type WebGpuOptions, createWebGpuBackend, describeAdapter } from "./device";
export { availableBackendNames, createBackendByName } from "./select";

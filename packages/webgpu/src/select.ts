// Backends by name, "webgpu" included: core's registry knows nothing of this package, so
// tools that offer WebGPU resolve names here. Asking for WebGPU where there is no adapter
// falls back to WASM with one line through `warn`, never a crash.
import { type Backend, type BackendOptions, backendNames, createBackend } from "@betavae/core";
import { createWebGpuBackend, describeAdapter, WebGpuUnavailableError } from "./device";

export async function createBackendByName(name: string, warn: (line: string) => void = (l) => console.error(l),
  options: BackendOptions = {}): Promise<Backend> {
  if (name !== "webgpu") return createBackend(name, options);
  try {
    const be = await createWebGpuBackend();
    warn(`webgpu: ${describeAdapter(be.adapter)}`);
    return be;
  } catch (e) {
    if (!(e instanceof WebGpuUnavailableError)) throw e;
    warn(`webgpu unavailable: ${e.message}; using the wasm backend instead`);
    return createBackend("wasm", options);
  }
}

/** Core's backend names, plus "webgpu" when an adapter is found. */
export async function availableBackendNames(): Promise<string[]> {
  const names: string[] = await backendNames();
  try {
    (await createWebGpuBackend()).dispose();
    names.push("webgpu");
  } catch (e) {
    if (!(e instanceof WebGpuUnavailableError)) throw e;
  }
  return names;
}

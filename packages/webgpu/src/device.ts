/// <reference types="@webgpu/types" />
// Finding a GPU: `navigator.gpu` in a browser (or any runtime that has it), the `webgpu`
// package (Dawn) in Node. No adapter is not a crash: createWebGpuBackend throws
// WebGpuUnavailableError with the reason, and callers fall back to WASM.
import { WebGpuBackend, type AdapterDescription } from "./backend";

export class WebGpuUnavailableError extends Error {
  override name = "WebGpuUnavailableError";
}

/** Where Debian's chromium package puts SwiftShader's Vulkan ICD (a CPU "GPU" for Dawn). */
export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

export interface WebGpuOptions {
  /** Passed to requestAdapter. */
  powerPreference?: GPUPowerPreference;
  forceFallbackAdapter?: boolean;
  /** Dawn toggles for Node's `create([...])`, e.g. "enable-dawn-features=…". */
  dawnOptions?: string[];
}

const isNode = typeof process !== "undefined" && !!process.versions?.node;

let nodeGpu: Promise<GPU> | null = null;

async function gpuObject(options: WebGpuOptions): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode) throw new WebGpuUnavailableError("this runtime has no navigator.gpu (WebGPU is not enabled here)");
  nodeGpu ??= (async () => {
    // Dawn reads VK_ICD_FILENAMES when it makes its Vulkan instance: point it at SwiftShader
    // when nothing else is configured and Debian's chromium is installed (README,
    // "Browser and WebGPU tests").
    // (node:fs is imported here, not at the top, so browser bundles of this module need no shim)
    const { existsSync, readdirSync } = await import("node:fs");
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    // Without a Vulkan driver Dawn finds no adapter and prints three lines of warnings per
    // attempt; say why in one line instead.
    if (process.platform === "linux" && !vulkanDriverListed(existsSync, readdirSync)) throw new WebGpuUnavailableError(`no WebGPU adapter (${noVulkanHint()})`);
    const specifier = "webgpu";
    let mod: { create(options: string[]): GPU; globals: object };
    try {
      mod = await import(/* @vite-ignore */ specifier);
    } catch (e) {
      throw new WebGpuUnavailableError(`the 'webgpu' package (Dawn for Node) does not load: ${(e as Error).message.split("\n")[0]}`);
    }
    for (const [k, v] of Object.entries(mod.globals)) (globalThis as Record<string, unknown>)[k] ??= v;
    return mod.create(options.dawnOptions ?? []);
  })();
  return nodeGpu;
}

function noVulkanHint(): string {
  return `no Vulkan driver: on Debian install libvulkan1 and chromium and set VK_ICD_FILENAMES=${SWIFTSHADER_ICD}; now ${process.env.VK_ICD_FILENAMES ?? "unset"}`;
}

/**
 * Whether the Vulkan loader has a driver manifest to find: the files VK_DRIVER_FILES or
 * VK_ICD_FILENAMES list, else any in the loader's icd.d directories (XDG config and data
 * dirs, /etc).
 */
function vulkanDriverListed(exists: (path: string) => boolean, list: (dir: string) => string[]): boolean {
  const env = process.env;
  const listed = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES;
  if (listed) return listed.split(":").some((path) => path !== "" && exists(path));
  const home = env.HOME ?? "";
  const roots = [
    env.XDG_CONFIG_HOME || `${home}/.config`, ...(env.XDG_CONFIG_DIRS || "/etc/xdg").split(":"), "/etc",
    env.XDG_DATA_HOME || `${home}/.local/share`, ...(env.XDG_DATA_DIRS || "/usr/local/share:/usr/share").split(":"),
  ];
  return roots.some((root) => {
    const dir = `${root}/vulkan/icd.d`;
    try {
      return exists(dir) && list(dir).some((f) => f.endsWith(".json"));
    } catch {
      return false;
    }
  });
}

/** A WebGPU backend on the first adapter found; throws WebGpuUnavailableError if there is none. */
export async function createWebGpuBackend(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
  const gpu = await gpuObject(options);
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference, forceFallbackAdapter: options.forceFallbackAdapter });
  if (!adapter) {
    const hint = isNode ? ` (${noVulkanHint()})` : "";
    throw new WebGpuUnavailableError(`no WebGPU adapter${hint}`);
  }
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: Math.min(8, limits.maxStorageBuffersPerShaderStage),
    },
  });
  const info = adapter.info;
  const description: AdapterDescription = {
    vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
    isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter),
  };
  return new WebGpuBackend(device, description);
}

/** One line naming the adapter, e.g. "google swiftshader (SwiftShader driver 5.0.0, fallback)". */
export function describeAdapter(a: AdapterDescription): string {
  const name = [a.vendor, a.architecture].filter(Boolean).join(" ") || "unknown adapter";
  const extra = [a.description, a.isFallbackAdapter ? "fallback" : ""].filter(Boolean).join(", ");
  return extra ? `${name} (${extra})` : name;
}

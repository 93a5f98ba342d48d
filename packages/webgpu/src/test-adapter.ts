// The adapter the tests run on. Without one the tests skip and say why, except under CI
// (CI=true), where .ci/run installs SwiftShader and a missing adapter is a failure.
import { createWebGpuBackend, describeAdapter, WebGpuUnavailableError } from "./device";
import type { WebGpuBackend } from "./backend";

export async function testBackend(what: string): Promise<WebGpuBackend | null> {
  try {
    const be = await createWebGpuBackend();
    console.log(`${what} on ${describeAdapter(be.adapter)}`);
    return be;
  } catch (e) {
    if (!(e instanceof WebGpuUnavailableError)) throw e;
    if (process.env.CI) throw new Error(`${what}: ${e.message} — CI must run the WebGPU tests (see .ci/run)`);
    console.warn(`${what} SKIPPED: ${e.message}`);
    return null;
  }
}

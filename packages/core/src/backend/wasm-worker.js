// A kernel thread of the WASM backend (see wasm-pool.ts). Plain JavaScript with no imports
// but Node's worker_threads, so Node runs it without a TypeScript loader and a bundler can
// ship it as a Web Worker. It instantiates the kernels over the shared memory it is sent,
// says "ready", then loops: sleep on its own slot of the control block, run the kernel call
// in its row of the job table, count itself done, sleep again. No message per op.

/**
 * @typedef {{ id: number, module: WebAssembly.Module, memory: WebAssembly.Memory,
 *   control: SharedArrayBuffer, names: string[], layout: Record<string, number> }} Init
 */

/** @param {Init} init @param {(message: unknown) => void} reply */
function serve(init, reply) {
  const { id, module, memory, control, names, layout } = init;
  let calls;
  try {
    const { exports } = new WebAssembly.Instance(module, { env: { memory } });
    calls = names.map((name) => exports[name]);
  } catch (e) {
    reply({ error: String(e) });
    return;
  }
  const flags = new Int32Array(control, 0, layout.flags);
  const jobs = new Float64Array(control, layout.jobsOffset);
  const slot = layout.slots + id;
  const row = id * layout.row;
  reply("ready");
  let seen = 0;
  for (;;) {
    Atomics.wait(flags, slot, seen);
    const now = Atomics.load(flags, slot);
    if (now === seen) continue;
    seen = now;
    if (Atomics.load(flags, layout.stop) !== 0) return;
    const r = row;
    try {
      calls[jobs[r]](jobs[r + 1], jobs[r + 2], jobs[r + 3], jobs[r + 4], jobs[r + 5], jobs[r + 6], jobs[r + 7], jobs[r + 8],
        jobs[r + 9], jobs[r + 10], jobs[r + 11], jobs[r + 12], jobs[r + 13], jobs[r + 14], jobs[r + 15]);
    } catch {
      Atomics.store(flags, layout.failed, id + 1);
    }
    if (Atomics.sub(flags, layout.pending, 1) === 1) Atomics.notify(flags, layout.pending);
  }
}

if (typeof process !== "undefined" && process.versions?.node) {
  const { parentPort } = await import("node:worker_threads");
  parentPort.once("message", (init) => serve(init, (m) => parentPort.postMessage(m)));
} else {
  self.onmessage = (event) => serve(event.data, (m) => self.postMessage(m));
}
